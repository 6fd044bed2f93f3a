"""Many literals found in one buffer at the cost of a few `memchr` passes.

The scanner looks for a few dozen strings in every log (level markers, traceback starts, the
literal parts of the rules' patterns). A ``bytes.find`` or a regex pass costs ~0.6 ms per MB
each, a `memchr` of one byte ~0.1 ms, so each literal is found through its rarest byte or pair of
bytes (its *anchor*, chosen from the frequencies in a sample of the buffer), literals sharing
an anchor in the same pass, and the hits are checked against the whole literal:

- a rare anchor: ``bytes.find`` of the byte in a loop, ``startswith`` at each hit;
- the others: ``numpy`` compares each 256 KiB chunk (in cache) with every such anchor (a
  byte, or a pair when single bytes are too common) into one mask, and checks the literals
  at the hits 8 bytes at a time.

:func:`required_literals` says which literals every match of a regex contains, so that a
regex is searched only on the lines holding one of them::

    >>> required_literals(rb" (?:ERROR|WARNING) ").literals
    (b' ERROR ', b' WARNING ')
    >>> search = LiteralSearch([(b" ERROR ", False), (b"Traceback", False)])
    >>> [p.tolist() for p in search.find(b"x ERROR y\\nz ERROR Traceback\\n")]
    [[1, 11], [18]]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _constants as sre  # the parser of the re module, to read a pattern's literals
from re import _parser as sre_parse

import numpy as np

#: literals shorter than this are not worth a search of their own (the regex is run instead)
MIN_LITERAL = 3
#: cross products of alternatives stop growing past this many strings
MAX_ALTERNATIVES = 64
#: numpy works on chunks of this size (they stay in the CPU cache across the anchor bytes)
CHUNK = 1 << 18
SAMPLE = 1 << 16
#: buffers from this size on get the refined search plan (see LiteralSearch.plan)
REFINE_MIN_BYTES = 1 << 22
#: buffers under this size are searched literal by literal (planning would cost more)
DIRECT_MAX_BYTES = 1 << 16
#: a byte seen fewer times per MB than this is rare (see LiteralSearch.cached_plan)
RARE_PER_MB = 300
# Costs in ms per MB, measured on the benchmark machine (CPU time, bench/RESULTS.md): a
# memchr pass, the Python loop at each hit and the check of each literal there; a numpy
# compare of a cached chunk with one byte or a pair (and its share of the mask), the split of
# each hit by key, and per literal of the key the check of the first 8-byte word at every hit
# (a fixed part: a few numpy calls per chunk).
_MEMCHR_PASS, _MEMCHR_HIT, _PY_CHECK = 0.05, 0.00013, 0.00015
_NUMPY_PASS, _NUMPY_PAIR, _NP_KEY_HIT = 0.12, 0.25, 0.00002
_NP_LITERAL, _NP_CHECK = 0.012, 0.000004


@dataclass(frozen=True)
class Requirement:
    """Every match of a pattern contains one of `literals`; when `exact`, every occurrence of
    one of them is a match (no need to run the regex). `icase`: compared case-insensitively
    (the literals are then lower case)."""

    literals: tuple[bytes, ...]
    exact: bool
    icase: bool = False


def required_literals(pattern: bytes | str, flags: int = 0) -> Requirement | None:
    """The literals a regex needs (see :class:`Requirement`), or None when some match may
    contain no literal of at least :data:`MIN_LITERAL` bytes (`\\d+ms`, `.*`)."""
    if isinstance(pattern, str):
        pattern = pattern.encode("utf-8")
    try:
        tree = sre_parse.parse(pattern, flags & ~re.UNICODE)
    except (re.error, TypeError, ValueError, OverflowError, RecursionError):
        return None
    icase = bool(tree.state.flags & re.IGNORECASE)
    try:
        exact, required, pure = _sequence(tree)
    except RecursionError:
        return None
    if not required or min(len(lit) for lit in required) < MIN_LITERAL:
        return None
    literals = set(lit.lower() for lit in required) if icase else set(required)
    # a literal holding a shorter one adds nothing: the shorter one's hits cover it
    kept = tuple(sorted(lit for lit in literals
                        if not any(other != lit and other in lit for other in literals)))
    return Requirement(kept, pure and exact is not None and set(exact) == set(required), icase)


def _best(candidates: list[set]) -> set | None:
    """The requirement to search: the one whose shortest literal is longest, then fewest."""
    usable = [c for c in candidates if c and b"" not in c]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(len(x) for x in c), -len(c)))


def _sequence(items) -> tuple[set | None, set | None, bool]:
    """(exact strings or None, required literals or None, pure) of a sequence of regex items;
    `pure` when the exact strings need no check (no zero-width assertions)."""
    run, whole, pure, candidates = {b""}, True, True, []
    for op, av in items:
        exact, required, item_pure = _item(op, av)
        if exact is not None:
            pure = pure and item_pure
            if len(run) * len(exact) <= MAX_ALTERNATIVES:
                run = {a + b for a in run for b in exact}
                continue
            candidates.append(run)
            run, whole = exact, False
            continue
        whole = False
        candidates.append(run)
        if required:
            candidates.append(required)
        run = {b""}
    candidates.append(run)
    return (run if whole else None), _best(candidates), pure


def _item(op, av) -> tuple[set | None, set | None, bool]:
    if op is sre.LITERAL:
        return {bytes((av,))}, None, True
    if op is sre.IN:
        chars = [v for o, v in av if o is sre.LITERAL]
        if len(chars) == len(av) and len(chars) <= 4:
            return {bytes((c,)) for c in chars}, None, True
        return None, None, False
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            return None, None, False
        return _sequence(sub)
    if op is sre.BRANCH:
        parts = [_sequence(alt) for alt in av[1]]
        exact = None
        if all(p[0] is not None for p in parts):
            exact = set().union(*(p[0] for p in parts))
            if len(exact) > MAX_ALTERNATIVES:
                exact = None
        required = None
        if all(p[1] for p in parts):
            required = set().union(*(p[1] for p in parts))
        return exact, required, all(p[2] for p in parts)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, sub = av
        exact, required, pure = _sequence(sub)
        if exact is not None and low == high == 1:
            return exact, required, pure
        if exact is not None and low == 0 and high == 1:
            return exact | {b""}, None, pure
        return None, (required if low >= 1 else None), False
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return {b""}, None, False  # zero width: literals around it stay adjacent
    return None, None, False


# --- search --------------------------------------------------------------------------------

def _sample(view: np.ndarray) -> list[np.ndarray]:
    if len(view) <= 3 * SAMPLE:
        return [view]
    middle = len(view) // 2
    return [view[:SAMPLE], view[middle:middle + SAMPLE], view[-SAMPLE:]]


class Frequencies:
    """Estimated occurrences per MB of each byte and byte pair of a buffer, from three
    samples of it (pairs counted only when asked for)."""

    def __init__(self, data: bytes):
        self.parts = _sample(np.frombuffer(data, np.uint8))
        self.total = max(1, sum(len(p) for p in self.parts))
        counts = sum(np.bincount(p, minlength=256) for p in self.parts)
        self.single = counts * (1e6 / self.total)
        self._pairs = None

    def pair(self, first: int, second: int) -> float:
        if self._pairs is None:
            counts = sum(np.bincount(p[:-1].astype(np.uint16) * 256 + p[1:], minlength=65536)
                         for p in self.parts if len(p) > 1)
            self._pairs = counts * (1e6 / self.total)
        return float(self._pairs[first * 256 + second])


def count_newlines(view: np.ndarray, start: int = 0, end: int | None = None) -> int:
    """Newlines in ``view[start:end]`` (a uint8 view of a buffer), counted by chunks."""
    end = len(view) if end is None else end
    total = 0
    for off in range(start, end, CHUNK):
        total += int(np.count_nonzero(view[off:min(end, off + CHUNK)] == 10))
    return total


def _anchor_options(lit: bytes, icase: bool):
    """(anchor, offset) a literal can be found by: an anchor is a tuple of keys searched (both
    cases of a letter of a case-insensitive literal), a key one byte or two adjacent bytes."""
    for offset, byte in enumerate(lit):
        if icase and 97 <= byte <= 122:
            yield ((byte,), (byte - 32,)), offset
        else:
            yield ((byte,),), offset
            if not icase and offset + 1 < len(lit):
                yield ((byte, lit[offset + 1]),), offset


def _first_offsets(lit: bytes, icase: bool) -> dict[tuple, int]:
    """Anchor -> the first offset of `lit` it can be found by."""
    offsets: dict[tuple, int] = {}
    for anchor, offset in _anchor_options(lit, icase):
        offsets.setdefault(anchor, offset)
    return offsets


def _memchr_cost(hits: float, literals: int) -> float:
    return _MEMCHR_PASS + hits * (_MEMCHR_HIT + _PY_CHECK * literals)


def _numpy_cost(key: tuple, hits: float, literals: int) -> float:
    return ((_NUMPY_PAIR if len(key) == 2 else _NUMPY_PASS) + hits * _NP_KEY_HIT
            + literals * (_NP_LITERAL + hits * _NP_CHECK))


def uses_memchr(key: tuple, hits: float, literals: int) -> bool:
    """Whether a one-byte key is cheaper found with memchr than in the numpy pass."""
    return len(key) == 1 and _memchr_cost(hits, literals) < _numpy_cost(key, hits, literals)


def _key_cost(key: tuple, hits: float, literals: int) -> float:
    if uses_memchr(key, hits, literals):
        return _memchr_cost(hits, literals)
    return _numpy_cost(key, hits, literals)


class LiteralSearch:
    """All the occurrences of a fixed list of `(literal, icase)` in a buffer (see the module
    docstring); `icase` literals must be given in lower case."""

    def __init__(self, literals: list[tuple[bytes, bool]]):
        self.literals = [(lit, icase) for lit, icase in literals]
        if any(not lit for lit, _ in self.literals):
            raise ValueError("empty literal")
        # per literal: 8-byte words (key, mask of its bytes, bits forced to lower case)
        self.words = [_words(lit, icase) for lit, icase in self.literals]
        self._bytes = np.array(sorted({b for lit, icase in self.literals
                                       for b in (lit.upper() + lit if icase else lit)}), np.intp)
        self._plans: dict[bytes, dict] = {}
        self._refined: list[tuple[np.ndarray, dict]] = []
        #: per literal, each anchor it can be found by with its first offset
        self.options = [list(_first_offsets(lit, icase).items()) for lit, icase in self.literals]

    def cached_plan(self, freq: Frequencies) -> dict[tuple, list[tuple[int, int]]]:
        """The plan of a small buffer: planning costs more than searching it, so buffers
        whose literal bytes are rare (memchr material) or not alike share one."""
        key = np.packbits(freq.single[self._bytes] < RARE_PER_MB).tobytes()
        if key not in self._plans:
            if len(self._plans) >= 64:
                self._plans.clear()
            self._plans[key] = self.plan(freq, refine=False)
        return self._plans[key]

    def refined_plan(self, freq: Frequencies) -> dict[tuple, list[tuple[int, int]]]:
        """The refined plan of a large buffer, reused for a buffer whose literal bytes are
        each as frequent within a factor of four (the next chunks of one log): planning takes
        ~6 ms, the search of an 8 MiB chunk ~18 ms. Any plan finds the same occurrences; only
        its cost depends on the frequencies."""
        profile = np.log2(freq.single[self._bytes] + 1.0)
        for index, (seen, plan) in enumerate(self._refined):
            if np.all(np.abs(seen - profile) < 2.0):
                if index:   # most recently used first
                    self._refined.insert(0, self._refined.pop(index))
                return plan
        plan = self.plan(freq)
        self._refined.insert(0, (profile, plan))
        del self._refined[8:]
        return plan

    def plan(self, freq: Frequencies, refine: bool = True) -> dict[tuple, list[tuple[int, int]]]:
        """Anchor -> [(literal index, offset of the anchor in the literal)]: each literal
        anchored where it adds least cost given the others' anchors (greedy, longest literal
        first, then moves of single literals while they lower the total: the level markers
        of a format end up sharing one anchor, `[` or ` `, instead of a pass each), unless
        not `refine` (the moves cost milliseconds: worth it on large buffers only)."""
        chosen: dict[tuple, list[tuple[int, int]]] = {}
        hits_of: dict[tuple, float] = {}

        def hits(key):
            if key not in hits_of:
                hits_of[key] = freq.pair(*key) if len(key) == 2 else float(freq.single[key[0]])
            return hits_of[key]

        costs: dict[tuple, float] = {}

        def key_cost(key, members):
            if (key, members) not in costs:
                costs[key, members] = _key_cost(key, hits(key), members) if members else 0.0
            return costs[key, members]

        def added_cost(anchor, members):
            return sum(key_cost(key, members + 1) - key_cost(key, members) for key in anchor)

        def best_place(index):
            return min(((added_cost(anchor, len(chosen.get(anchor, ()))), anchor, offset)
                        for anchor, offset in self.options[index]),
                       key=lambda option: option[0])

        order = sorted(range(len(self.literals)), key=lambda i: -len(self.literals[i][0]))
        where: dict[int, tuple[tuple, int]] = {}
        for index in order:
            _, anchor, offset = best_place(index)
            chosen.setdefault(anchor, []).append((index, offset))
            where[index] = (anchor, offset)
        if refine:
            self._gather(chosen, where, hits)
        for _ in range(4 if refine else 0):
            moved = False
            for index in order:
                anchor, offset = where[index]
                chosen[anchor].remove((index, offset))
                if not chosen[anchor]:
                    del chosen[anchor]
                stay = added_cost(anchor, len(chosen.get(anchor, ())))
                cost, best, best_offset = best_place(index)
                if cost < stay - 1e-9:
                    anchor, offset, moved = best, best_offset, True
                chosen.setdefault(anchor, []).append((index, offset))
                where[index] = (anchor, offset)
            moved = self._merge_groups(chosen, where, hits) or moved
            if not moved:
                break
        return chosen

    def _gather(self, chosen, where, hits) -> None:
        """Start from the cheapest of the plans where every literal holding a common anchor
        (one three literals or more contain) is found by it: moves of one literal at a time
        cannot reach them (a frequent `[` only pays when all the level markers share it)."""
        def total(plan):
            return sum(_key_cost(key, hits(key), len(members))
                       for anchor, members in plan.items() for key in anchor)

        offsets = {index: _first_offsets(*self.literals[index]) for index in where}
        common: dict[tuple, int] = {}
        for mine in offsets.values():
            for anchor in mine:
                common[anchor] = common.get(anchor, 0) + 1
        best, best_cost = None, total(chosen)
        for target in sorted(a for a, n in common.items() if n >= 3):
            trial: dict[tuple, list[tuple[int, int]]] = {}
            for index, (anchor, offset) in where.items():
                if target in offsets[index]:
                    anchor, offset = target, offsets[index][target]
                trial.setdefault(anchor, []).append((index, offset))
            cost = total(trial)
            if cost < best_cost - 1e-9:
                best, best_cost = trial, cost
        if best is not None:
            chosen.clear()
            chosen.update(best)
            for anchor, members in best.items():
                for index, offset in members:
                    where[index] = (anchor, offset)

    def _merge_groups(self, chosen, where, hits) -> bool:
        """Move all the literals of an anchor to another anchor they all contain when that
        costs less (two rare pairs `[e` and `[n` joining the frequent `[` of the others)."""
        for anchor in list(chosen):
            members = chosen.get(anchor)
            if not members or len(members) < 2:
                continue
            offsets = [_first_offsets(*self.literals[index]) for index, _ in members]
            options = set(offsets[0]).intersection(*offsets[1:])
            keep = sum(_key_cost(key, hits(key), len(members)) for key in anchor)
            for target in sorted(options):
                if target == anchor:
                    continue
                present = len(chosen.get(target, ()))
                cost = sum(_key_cost(key, hits(key), present + len(members))
                           - (_key_cost(key, hits(key), present) if present else 0.0)
                           for key in target)
                if cost < keep - 1e-9:
                    for (index, _), mine in zip(members, offsets):
                        where[index] = (target, mine[target])
                        chosen.setdefault(target, []).append((index, mine[target]))
                    del chosen[anchor]
                    return True
        return False

    def find(self, data: bytes, freq: Frequencies | None = None,
             count_only: frozenset = frozenset()) -> list[np.ndarray | int]:
        """Sorted start offsets of every occurrence (overlapping ones included) of each
        literal, in the order of the list given at construction; for the indexes in
        `count_only`, the number `bytes.count` would give instead (no offsets are kept, so
        memory does not grow with the buffer)."""
        found: list = [_Tally(len(lit)) if i in count_only and not icase else []
                       for i, (lit, icase) in enumerate(self.literals)]
        if data and self.literals and len(data) < DIRECT_MAX_BYTES:
            self._direct(data, found)
        elif data and self.literals:
            freq = Frequencies(data) if freq is None else freq
            dense = []
            plan = (self.refined_plan(freq) if len(data) >= REFINE_MIN_BYTES
                    else self.cached_plan(freq))
            for anchor, members in plan.items():
                for key in anchor:
                    if uses_memchr(key, float(freq.single[key[0]]), len(members)):
                        self._memchr(data, key[0], members, found)
                    else:
                        dense.append((key, members))
            if dense:
                self._numpy(data, dense, found)
        out: list = []
        for index, parts in enumerate(found):
            if isinstance(parts, _Tally):
                out.append(parts.count)
                continue
            if not parts:
                positions = np.zeros(0, np.int64)
            elif len(parts) == 1:
                positions = np.asarray(parts[0], np.int64)
            else:  # chunks in order; the two anchors of a case-insensitive literal interleave
                joined = np.concatenate([np.asarray(p, np.int64) for p in parts])
                positions = np.unique(joined) if self.literals[index][1] else joined
            out.append(count_non_overlapping(positions, len(self.literals[index][0]))
                       if index in count_only else positions)
        return out

    def _direct(self, data: bytes, found) -> None:
        """A small buffer: a `bytes.find` loop per literal costs less than planning."""
        lowered = data.lower() if any(icase for _, icase in self.literals) else data
        for index, (lit, icase) in enumerate(self.literals):
            hay, out = (lowered if icase else data), []
            pos = hay.find(lit)
            while pos >= 0:
                out.append(pos)
                pos = hay.find(lit, pos + 1)
            found[index].append(out)

    def _memchr(self, data: bytes, byte: int, members, found) -> None:
        """A rare anchor byte: `bytes.find` of it, each hit checked in Python."""
        needle = bytes((byte,))
        checks = [(self.literals[i][0], offset, self.literals[i][1], [])
                  for i, offset in members]
        pos = data.find(needle)
        while pos >= 0:
            for lit, offset, icase, out in checks:
                start = pos - offset
                if start >= 0 and (data[start:start + len(lit)].lower() == lit if icase
                                   else data.startswith(lit, start)):
                    out.append(start)
            pos = data.find(needle, pos + 1)
        for (index, _), (_, _, _, out) in zip(members, checks):
            found[index].append(out)

    def _numpy(self, data: bytes, dense, found) -> None:
        """Frequent anchors: per chunk (kept in cache), one mask of the offsets where any
        anchor key is, its hits split by key, then the literals checked 8 bytes at a time."""
        view = np.frombuffer(data, np.uint8)
        size = len(view)
        # every offset's next 8 bytes as one little-endian word (an overlapping view, no copy)
        words = np.ndarray((size - 7,), "<u8", data, 0, (1,)) if size >= 8 else None
        mask = np.empty(min(CHUNK, size), bool)
        other = np.empty_like(mask)
        # per key, its literals grouped by the anchor's offset in them (one read per group)
        dense_groups = []
        for key, members in dense:
            by_offset: dict[int, list[int]] = {}
            for index, offset in members:
                by_offset.setdefault(offset, []).append(index)
            dense_groups.append((key, sorted(by_offset.items())))
        for off in range(0, size, CHUNK):
            chunk = view[off:off + CHUNK]
            after = view[off + 1:off + CHUNK + 1]  # the next byte of each (one short at the end)
            hit, tmp = mask[:len(chunk)], other[:len(chunk)]
            hit[:] = False
            for key, _ in dense:
                np.equal(chunk, key[0], out=tmp)
                if len(key) == 2:
                    tmp[len(after):] = False
                    tmp[:len(after)] &= after == key[1]
                hit |= tmp
            at = np.flatnonzero(hit)
            if not at.size:
                continue
            first = chunk[at] if len(dense) > 1 else None
            at += off
            for key, groups in dense_groups:
                if first is None:
                    mine = at
                else:
                    mine = at[first == key[0]]
                if len(key) == 2 and mine.size:
                    mine = mine[view[np.minimum(mine + 1, size - 1)] == key[1]]
                    mine = mine[mine + 1 < size]
                if not mine.size:
                    continue
                for offset, indexes in groups:
                    self._check(data, words, mine - offset if offset else mine, indexes, found)

    def _check(self, data: bytes, words, start: np.ndarray, indexes: list[int],
               found: list) -> None:
        """Which of `start` (sorted) begin each literal of `indexes`: the first 8-byte word at
        every start is read once for all of them, the next words only where it matched."""
        size = len(data)
        reach = max(len(self.literals[i][0]) for i in indexes)
        if start.size and start[0] < 0:
            start = start[start >= 0]
        tail = None
        limit = size - 8 - (reach - 1) // 8 * 8   # the last start with all its words readable
        if start.size and start[-1] > limit:
            cut = int(np.searchsorted(start, limit, "right"))
            start, tail = start[:cut], start[cut:].tolist()
        first = words[start] if start.size else None
        for index in indexes:
            lit, icase = self.literals[index]
            hits = start
            for shift, (key, mask, lower, plain) in enumerate(self.words[index]):
                if not hits.size:
                    break
                got = first if shift == 0 else words[hits + shift * 8]
                if not plain:
                    got = (got | lower) & mask
                hits = hits[got == key]
            if tail:
                extra = [s for s in tail if s <= size - len(lit) and
                         (data[s:s + len(lit)].lower() == lit if icase
                          else data.startswith(lit, s))]
                if extra:
                    hits = np.concatenate([hits, np.asarray(extra, np.int64)])
            if hits.size:
                found[index].append(hits)


def _words(lit: bytes, icase: bool) -> list[tuple[np.uint64, np.uint64, np.uint64, bool]]:
    """`lit` cut in 8-byte little-endian words: (key, mask of the bytes used, case bits,
    whether the word is compared as it is: 8 bytes, no case bits)."""
    out = []
    for i in range(0, len(lit), 8):
        part = lit[i:i + 8]
        key = int.from_bytes(part, "little")
        mask = (1 << (8 * len(part))) - 1
        lower = sum(0x20 << (8 * j) for j, c in enumerate(part) if icase and 97 <= c <= 122)
        out.append((np.uint64(key), np.uint64(mask), np.uint64(lower),
                    len(part) == 8 and not lower))
    return out


class _Tally:
    """Counts occurrences handed over in order, like `bytes.count` (overlaps skipped)."""

    def __init__(self, length: int):
        self.length, self.count, self.end = length, 0, -1

    def append(self, positions) -> None:
        positions = np.asarray(positions, np.int64)
        if not len(positions):
            return
        if positions[0] >= self.end and (len(positions) < 2 or
                                         int(np.min(np.diff(positions))) >= self.length):
            self.count += len(positions)
            self.end = int(positions[-1]) + self.length
            return
        for pos in positions.tolist():
            if pos >= self.end:
                self.count += 1
                self.end = pos + self.length


def count_non_overlapping(positions: np.ndarray, length: int) -> int:
    """How many of the sorted occurrences `bytes.count` would count (it skips overlaps)."""
    if len(positions) < 2 or int(np.min(np.diff(positions))) >= length:
        return len(positions)
    count, end = 0, -1
    for pos in positions.tolist():
        if pos >= end:
            count += 1
            end = pos + length
    return count
