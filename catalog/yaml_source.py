"""Read catalog YAML and remember the line of every key and list item, so problems can name it.

PyYAML's composed node tree carries a start mark per node; walking it once gives a map from a YAML
path (``('services', 3, 'consumes', 0)``) to its 1-based line. The same walk finds duplicate keys,
which ``yaml.safe_load`` would silently resolve to the last value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from catalog.problems import Problem, format_path

YamlPath = tuple[str | int, ...]


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


def _compose_and_construct(text: str, loader_class: type[Any]) -> tuple[Any, yaml.Node | None]:
    """One parse: the node tree (for line numbers) and the data built from it."""
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, root


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
            source.data, root = _compose_and_construct(text, _FAST_LOADER)
        except yaml.YAMLError:
            source.data, root = _compose_and_construct(text, yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            started = exc.context_mark.line + 1 if exc.context_mark is not None else None
            where = f" started at line {started}" if started is not None and started != line else ""
            message += f" ({exc.context}{where})"
        source.problems.append(Problem(file, line, "", message))
        return source
    except yaml.YAMLError as exc:
        source.problems.append(Problem(file, None, "", f"YAML error: {exc}"))
        return source
    source.lines[()] = 1
    if root is not None:
        _walk(root, (), source)
    return source
