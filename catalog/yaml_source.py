"""Read catalog YAML and remember the line of every key and list item, so problems can name it.

PyYAML's composed node tree carries a start mark per node; walking it once gives a map from a YAML
path (``('services', 3, 'consumes', 0)``) to its 1-based line. The same walk finds duplicate keys,
which ``yaml.safe_load`` would silently resolve to the last value.

Before anything is built, one pass over the parser's events bounds the document's shape: how deep
it nests and how many nodes it holds once every alias is expanded. Aliases share one node in the
composed tree, but the line map, the placeholder resolution and the models all walk the expanded
tree, so 377 bytes of nested anchors (a "billion laughs") would otherwise grow to gigabytes; and a
10,000-deep list would exhaust the recursion of every walk. A real catalog is a few levels deep and
a few thousand nodes big (the 300-service benchmark catalog: about 16,000), far under both limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from catalog.problems import Problem, format_path

YamlPath = tuple[str | int, ...]

MAX_DEPTH = 50
"""Deepest nesting of mappings and lists accepted (a catalog needs about 8)."""
MAX_NODES = 200_000
"""Most nodes accepted with every alias expanded (about 12 times the 300-service catalog)."""


@dataclass
class YamlSource:
    """Parsed YAML data, its path → line map, and problems found while reading it."""

    file: str
    data: Any = None
    lines: dict[YamlPath, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _walk(node: yaml.Node, path: YamlPath, source: YamlSource) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            line = key_node.start_mark.line + 1
            if key in seen:
                source.problems.append(
                    Problem(source.file, line, format_path(child), f"duplicate key '{key}'")
                )
                continue
            seen.add(key)
            source.lines[child] = line
            _walk(value_node, child, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            source.lines[child] = item.start_mark.line + 1
            _walk(item, child, source)


def _depth_message() -> str:
    return f"nesting deeper than the limit of {MAX_DEPTH} levels"


@dataclass
class _OpenNode:
    """A mapping or list whose end has not been read yet: its anchor and its nodes so far."""

    anchor: str | None
    size: int = 1


def _shape_problem(text: str, loader_class: type[Any], file: str) -> Problem | None:
    """The first place where ``text`` nests deeper than MAX_DEPTH or expands past MAX_NODES.

    Works on the parser's event stream, before composition, so nothing is expanded or recursed
    into: each anchored node's size is remembered when it ends and an alias adds that size.
    An alias of a node that is still open (a recursive alias) is refused here too: no walk of it
    could end. Syntax errors propagate as ``yaml.YAMLError`` for the caller to report.
    """
    loader = loader_class(text)
    sizes: dict[str, int] = {}  # anchor -> nodes of its node, expanded
    open_nodes: list[_OpenNode] = []
    total = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            if isinstance(event, yaml.CollectionEndEvent):
                ended = open_nodes.pop()
                if ended.anchor is not None:
                    sizes[ended.anchor] = ended.size
                if open_nodes:
                    open_nodes[-1].size += ended.size
                continue
            if isinstance(event, yaml.AliasEvent):
                if any(node.anchor == event.anchor for node in open_nodes):
                    return Problem(
                        file, line, "", f"alias '*{event.anchor}' refers to a node that contains it"
                    )
                # an undefined alias adds nothing: the composer reports it
                added = sizes.get(event.anchor or "", 0)
            elif isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
                added = 1
            else:
                continue  # stream and document events
            total += added
            if total > MAX_NODES:
                what = f"alias '*{event.anchor}'" if isinstance(event, yaml.AliasEvent) else "it"
                return Problem(
                    file,
                    line,
                    "",
                    f"the document expands to more than the limit of {MAX_NODES:,} YAML nodes "
                    f"here ({what} brings it to {total:,}); nested anchors and aliases?",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                if len(open_nodes) >= MAX_DEPTH:
                    return Problem(file, line, "", _depth_message())
                open_nodes.append(_OpenNode(event.anchor))  # its size reaches the parent at its end
                continue
            if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
                sizes[event.anchor] = 1
            if open_nodes:
                open_nodes[-1].size += added
    finally:
        loader.dispose()
    return None


def _read(text: str, loader_class: type[Any], source: YamlSource) -> None:
    """One parse: the line map and duplicate keys from the node tree, then the data built from it.

    The tree is walked before construction because constructing flattens merge keys (``<<: *x``)
    into the mapping node, which would then show an overridden key twice.
    """
    source.lines.clear()
    source.problems.clear()
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        source.lines[()] = 1
        if root is not None:
            _walk(root, (), source)
            source.data = loader.construct_document(root)
    finally:
        loader.dispose()


# libyaml (C) when PyYAML has it: a 300-service catalog parses in a fraction of the time.
_FAST_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str, file: str) -> YamlSource:
    """Parse ``text``; syntax errors become problems with the line YAML reports.

    The fast C loader parses; on an error the pure-Python loader parses again, because its
    messages are the clearer ones (and the same on every machine).
    """
    source = YamlSource(file=file)
    try:
        try:
            shape = _shape_problem(text, _FAST_LOADER, file)
            if shape is None:
                _read(text, _FAST_LOADER, source)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            if "maximum nesting depth" in str(getattr(exc, "problem", "")) and mark is not None:
                # libyaml stops at 1,000 levels while scanning ahead of the parser (flow lists
                # such as '[[[['): the depth limit was crossed before that, so say so directly
                # instead of re-parsing with the slower pure-Python loader.
                source.problems[:] = [Problem(file, mark.line + 1, "", _depth_message())]
                return source
            shape = _shape_problem(text, yaml.SafeLoader, file)
            if shape is None:
                _read(text, yaml.SafeLoader, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            started = exc.context_mark.line + 1 if exc.context_mark is not None else None
            where = f" started at line {started}" if started is not None and started != line else ""
            message += f" ({exc.context}{where})"
        source.lines.clear()
        source.problems[:] = [Problem(file, line, "", message)]
        return source
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. NUL
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        message = f"YAML syntax error: character U+{char:04X} is not allowed in YAML"
        source.lines.clear()
        source.problems[:] = [Problem(file, line, "", message)]
        return source
    except yaml.YAMLError as exc:
        source.lines.clear()
        source.problems[:] = [Problem(file, None, "", f"YAML error: {' '.join(str(exc).split())}")]
        return source
    if shape is not None:
        source.problems.append(shape)
    return source
