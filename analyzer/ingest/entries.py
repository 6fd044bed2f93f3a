"""Walk an archive (as a stream) or a directory as a sequence of raw entries.

An entry is one member with a safe, normalised path. Its data must be read (with `read`)
before the walk moves on: tar archives are read strictly sequentially, never extracted;
`tarfile` reads the headers in its file mode over a stream that only moves forward
(:class:`ForwardReader`), and a member's data comes straight from that stream
(:class:`MemberReader`).
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import struct
import tarfile
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterator

from analyzer.ingest.streams import read_bounded_tail

FILE, DIR, SYMLINK, HARDLINK, SPECIAL = "file", "dir", "symlink", "hardlink", "special"


@dataclass
class RawEntry:
    path: str                      # normalised, relative, '/'-separated ('' when unsafe)
    raw_name: str                  # as stored in the archive / on disk
    type: str                      # file | dir | symlink | hardlink | special
    size: int
    linkname: str | None = None
    unsafe: str | None = None      # why the path cannot be used (absolute, '..')
    opener: Callable[[], BinaryIO] | None = None

    def read(self, cap: int) -> tuple[bytes, int, bool]:
        """Read the data, keeping at most the last `cap` bytes: (data, size, truncated)."""
        if self.opener is None:
            return b"", 0, False
        stream = self.opener()
        try:
            return read_bounded_tail(stream, cap)
        finally:
            stream.close()


def normalise(name: str) -> tuple[str, str | None]:
    """Normalise a member name; returns (path, reason it is unsafe or None)."""
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "", "absolute path"
    parts = []
    for part in name.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            return "", "path with '..'"
        parts.append(part)
    return "/".join(parts), None


MAX_HEADER_BYTES = 1024 * 1024    # GNU long names and pax headers are read whole by tarfile
_LONG_HEADERS = {tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE,
                 tarfile.SOLARIS_XHDTYPE}


class _CheckedTarInfo(tarfile.TarInfo):
    """TarInfo that refuses huge extended headers and remembers a header that ended the walk.

    `tarfile` reads a pax or GNU long-name header whole into memory (a 4 GiB one compresses
    to kilobytes), and in stream mode it ends the iteration silently on a damaged header, as if
    the archive were complete. Both become a `tarfile.ReadError` naming the problem.
    """

    @classmethod
    def fromtarfile(cls, tf):
        try:
            return super().fromtarfile(tf)
        except (tarfile.InvalidHeaderError, tarfile.TruncatedHeaderError) as exc:
            tf.stopped_by = f"damaged tar header at byte {tf.offset}: {exc}"
            raise
        except tarfile.EmptyHeaderError:
            tf.stopped_by = f"archive ends after byte {tf.offset} without its end-of-archive marker (truncated?)"
            raise

    def _proc_member(self, tf):
        if self.type in _LONG_HEADERS and self.size > MAX_HEADER_BYTES:
            raise tarfile.ReadError(f"extended tar header of {self.size} bytes at byte {self.offset} "
                                    f"(limit {MAX_HEADER_BYTES}): refused")
        return super()._proc_member(tf)


class ForwardReader:
    """A sequential stream seen as a file that only seeks forward, for tarfile's file mode.

    tarfile's stream mode ("r|") reads through an internal buffer 10 KiB at a time, joining
    and slicing copies for every read: on a log of hundreds of MB that is ~60 000 Python
    calls and three copies of each byte. Its file mode ("r:") reads a member's data with one
    read of the size asked and skips to the next header by seeking, which this turns into
    reading on; a seek backwards (tarfile never needs one on a well-formed archive) fails.
    """

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            data = self._stream.read()
        else:
            parts, need = [], n
            while need > 0:
                chunk = self._stream.read(need)
                if not chunk:
                    break
                parts.append(chunk)
                need -= len(chunk)
            data = parts[0] if len(parts) == 1 else b"".join(parts)
        self._pos += len(data)
        return data

    def read_block(self, n: int) -> bytes:
        """Up to `n` bytes, as the stream hands them out (one call: no join, no copy)."""
        data = self._stream.read(n)
        self._pos += len(data)
        return data

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            pos += self._pos
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("a tar stream cannot seek from its end")
        if pos < self._pos:
            raise io.UnsupportedOperation(f"a tar stream cannot seek back (from {self._pos} to {pos})")
        skip = pos - self._pos
        while skip > 0:
            chunk = self._stream.read(min(skip, 1 << 20))
            if not chunk:
                break   # past the end, as a file allows: the next read returns nothing
            skip -= len(chunk)
        self._pos = pos
        return pos


class MemberReader(io.RawIOBase):
    """The data of one tar member, read straight from the archive's ForwardReader.

    `read(n)` returns n bytes unless the member ends; `read_block(n)` returns what the
    decompressor hands out next (up to n), without the copies of tarfile's file object.
    Data that stops before the member's size raises `tarfile.ReadError`, as tarfile does.
    """

    def __init__(self, source: ForwardReader, offset: int, size: int):
        self._source = source
        self._offset = offset
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def read_block(self, n: int) -> bytes:
        n = min(n, self._size - self._pos) if n is not None and n >= 0 else self._size - self._pos
        if n <= 0:
            return b""
        self._source.seek(self._offset + self._pos)
        data = self._source.read_block(n)
        if not data:
            raise tarfile.ReadError("unexpected end of data")
        self._pos += len(data)
        return data

    def read(self, n: int = -1) -> bytes:
        want = self._size - self._pos if n is None or n < 0 else min(n, self._size - self._pos)
        parts, got = [], 0
        while got < want:
            data = self.read_block(want - got)
            parts.append(data)
            got += len(data)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)


def displayable(name: str) -> str:
    """A member name as text: bytes that are not UTF-8 (e.g. latin-1) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# what tarfile's header decoding lets escape on crafted headers besides its own errors
_HEADER_BUGS = (IndexError, KeyError, UnicodeError, OverflowError, struct.error)


def _next_header(tf: tarfile.TarFile):
    try:
        return tf.next()
    except _HEADER_BUGS as exc:
        raise tarfile.ReadError(f"unreadable tar header at byte {tf.offset}: {exc!r}") from None


def iter_tar(stream: BinaryIO) -> Iterator[RawEntry]:
    """Entries of a tar read from a sequential stream (already decompressed).

    Raises `tarfile.ReadError` when a damaged header stops the walk before the archive's end.
    """
    source = ForwardReader(stream)
    try:
        tf = tarfile.open(fileobj=source, mode="r:", errorlevel=1, tarinfo=_CheckedTarInfo)
    except _HEADER_BUGS as exc:
        raise tarfile.ReadError(f"unreadable first tar header: {exc!r}") from None
    with tf:
        tf.stopped_by = None
        while True:
            ti = _next_header(tf)
            if ti is None:
                break
            tf.members.clear()           # stream mode keeps every header otherwise
            name = displayable(ti.name)
            path, unsafe = normalise(name)
            if ti.isreg():
                etype = FILE
            elif ti.isdir():
                etype = DIR
            elif ti.issym():
                etype = SYMLINK
            elif ti.islnk():
                etype = HARDLINK
            else:
                etype = SPECIAL
            if etype != FILE:
                opener = None
            elif ti.issparse():   # tarfile maps the holes
                opener = lambda ti=ti: tf.extractfile(ti)
            else:
                opener = lambda ti=ti: MemberReader(source, ti.offset_data, ti.size)
            yield RawEntry(path=path, raw_name=name, type=etype, size=ti.size,
                           linkname=displayable(ti.linkname) if ti.linkname else None, unsafe=unsafe,
                           opener=opener)
        if tf.stopped_by:
            raise tarfile.ReadError(tf.stopped_by + "; the members after it are not read")


def iter_directory(root: str) -> Iterator[RawEntry]:
    """Entries of a directory tree; links are reported as links, never followed out."""
    root = os.path.abspath(root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        names = sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in names:
            full = os.path.join(dirpath, name)
            rel = displayable(os.path.relpath(full, root).replace(os.sep, "/"))
            try:
                st = os.lstat(full)
            except OSError as exc:
                yield RawEntry(path=rel, raw_name=rel, type=SPECIAL, size=0, unsafe=f"cannot stat: {exc}")
                continue
            if stat.S_ISLNK(st.st_mode):
                yield RawEntry(path=rel, raw_name=rel, type=SYMLINK, size=0, linkname=displayable(os.readlink(full)))
            elif stat.S_ISREG(st.st_mode):
                yield RawEntry(path=rel, raw_name=rel, type=FILE, size=st.st_size,
                               opener=lambda full=full: open(full, "rb"))
            else:
                yield RawEntry(path=rel, raw_name=rel, type=SPECIAL, size=0)


def resolve_link(link_path: str, target: str, root_prefix: str = "") -> str | None:
    """Archive path a symlink points to, or None when it leaves `root_prefix`.

    `link_path` is the link's own path; relative targets resolve from its folder. Absolute
    targets are taken relative to the archive root (sos links are relative; an absolute one
    names the customer's machine, not the archive) only when they stay inside the unit.
    """
    if target.startswith("/"):
        return None
    base = posixpath.dirname(link_path)
    joined = posixpath.normpath(posixpath.join(base, target))
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    if root_prefix and not (joined == root_prefix or joined.startswith(root_prefix + "/")):
        return None
    return joined
