"""Safe YAML loading that remembers where every value came from.

Only plain YAML is accepted: mappings, sequences and the scalars of the core schema (str, int,
float, bool, null, timestamps). Tags that would build objects are refused, duplicate keys are
errors, and alias bombs ("billion laughs") are refused by counting alias uses and the nodes an
expansion would visit.

`load_located(text, path)` returns `(data, lines)` where `lines` maps a path of keys/indexes
(a tuple) to the 1-based line where that value (or, for mapping keys, the key) starts.
Mapping keys are kept as written (text), so `on:` or `no:` are keys, not booleans.
"""

from __future__ import annotations

import yaml

from analyzer.errors import RuleError

MAX_ALIASES = 64
MAX_EXPANDED_NODES = 200_000

_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _CountingLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents using too many aliases."""

    def __init__(self, stream):
        super().__init__(stream)
        self.alias_uses = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.alias_uses += 1
            if self.alias_uses > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise RuleError(f"more than {MAX_ALIASES} YAML aliases: refused (alias bomb?)",
                                line=mark.line + 1)
        return super().compose_node(parent, index)


class _Converter:
    """Turns a composed node graph into plain Python, recording lines, with a node budget."""

    def __init__(self, loader: _CountingLoader, path: str):
        self.loader = loader
        self.path = path
        self.visited = 0
        self.lines: dict[tuple, int] = {}

    def error(self, message: str, node: yaml.Node) -> RuleError:
        return RuleError(message, path=self.path, line=node.start_mark.line + 1)

    def convert(self, node: yaml.Node, where: tuple):
        self.visited += 1
        if self.visited > MAX_EXPANDED_NODES:
            raise self.error(f"document expands to more than {MAX_EXPANDED_NODES} nodes: "
                             "refused (alias bomb?)", node)
        self.lines.setdefault(where, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                raise self.error(f"YAML tag {node.tag!r} is not allowed", node)
            out: dict = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.error("mapping keys must be plain scalars", key_node)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.error("YAML merge keys (<<) are not allowed", key_node)
                self.scalar(key_node)       # refuses bad tags on keys too
                key = key_node.value        # keys stay text: `on:` is not YAML 1.1's True
                if key in out:
                    raise self.error(f"duplicate key {key!r}", key_node)
                self.lines[where + (key,)] = key_node.start_mark.line + 1
                out[key] = self.convert(value_node, where + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise self.error(f"YAML tag {node.tag!r} is not allowed", node)
            return [self.convert(item, where + (i,)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.ScalarNode):
        if not node.tag.startswith("tag:yaml.org,2002:"):
            raise self.error(f"YAML tag {node.tag!r} is not allowed", node)
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.error(f"bad YAML scalar: {exc}", node) from None


def load_located(text: str, path: str = "<string>") -> tuple[object, dict[tuple, int]]:
    """Parse one YAML document safely; returns (data, lines). Raises RuleError with the line."""
    loader = _CountingLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except RuleError as exc:
            exc.path = path
            raise
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            problem = exc.problem or str(exc)
            raise RuleError(f"invalid YAML: {problem}", path=path, line=line) from None
        except yaml.YAMLError as exc:
            raise RuleError(f"invalid YAML: {exc}", path=path) from None
        if root is None:
            return None, {}
        converter = _Converter(loader, path)
        data = converter.convert(root, ())
        return data, converter.lines
    finally:
        loader.dispose()


def line_of(lines: dict[tuple, int], where: tuple) -> int | None:
    """Line of `where`, else of its nearest ancestor that has one."""
    where = tuple(where)
    while True:
        if where in lines:
            return lines[where]
        if not where:
            return None
        where = where[:-1]
