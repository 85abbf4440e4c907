"""A compiled ``filter``: the leading filters of a full-scan ``stats`` over the C scanner's columns.

``filter level = "ERROR" | stats count(*) by service`` used to decode each candidate line into an
event and call the filter's closure on it: microseconds per line, more than the C scanner takes
to read every line. In a worker, the lines the scanner reads come as columns of the fields the
query reads (:class:`insights_queries.projection.Columns`); this module evaluates the filters
on those columns and keeps only the rows they pass, with no event per line.

The answers cannot differ from the engine's, by construction: the engine's own compiled closures
(:func:`insights_queries.evaluate.compile_expr`) decide every value, and the event they see is
the one the projection made before (``{field: value}`` for the fields read, ``None`` when a
field is missing). Only the number of calls changes:

- ``and``, ``or`` and ``not`` combine the truth (:func:`insights_queries.values.is_true`) of
  their operands row by row, as the engine does (every function is pure, so evaluating an
  operand the engine's short-circuit would skip changes nothing);
- any other condition that reads one field is a function of that field's value alone: it is
  called once per distinct value of a block (told apart by type too, so ``1``, ``1.0`` and
  ``true`` stay apart) and the rows take their value's answer; a column with floats is called
  row by row (``0.0`` and ``-0.0`` are equal keys that a function could tell apart);
- a condition over several fields is called row by row on the row's event.

Runs the scanner leaves (rows or events read the default way) go through the engine's filter
steps themselves. Comparison rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-operations-functions.html
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from itertools import compress
from typing import Any

import msgspec

from insights_queries.ast import Binary, Expr, Field, Filter, Query, Unary
from insights_queries.engine import Plan
from insights_queries.evaluate import Event, compile_expr
from insights_queries.params import walk
from insights_queries.projection import (
    COLUMNS,
    EVENTS,
    KIND_BOOL,
    KIND_INT,
    KIND_NONE,
    KIND_STR,
    PLAIN,
    ROWS,
    Columns,
    ProjectedFiles,
)
from insights_queries.values import is_true

Truths = Callable[[Columns], list[bool]]
_HASHED_AS_IS = KIND_NONE | KIND_STR  # None and strings: a value is its own memo key


class ColumnFilter:
    """The leading ``filter`` commands of a query, compiled for columns of ``fields``."""

    def __init__(self, filters: list[Filter], fields: list[str]) -> None:
        self.fields = fields
        self.conditions = [_truths(f.condition, fields) for f in filters]
        self.steps = Plan(Query(tuple(filters))).stages  # for rows and events

    def columns(self, block: Columns) -> Columns | None:
        """The rows of ``block`` every filter keeps (``None`` if none), in order."""
        for truths in self.conditions:
            keep = truths(block)
            kept = keep.count(True)
            if kept == 0:
                return None
            if kept < block.rows:
                block = Columns(
                    kept, [list(compress(column, keep)) for column in block.values], block.kinds
                )
        return block

    def events(self, events: list[Event]) -> list[Event]:
        """The events the filters keep, by the engine's own steps."""
        stream: Iterator[Event] = iter(events)
        for step in self.steps:
            stream = step(stream)
        return list(stream)

    def runs(self, reader: ProjectedFiles) -> Iterator[tuple[str, Any]]:
        """:meth:`ProjectedFiles.runs` with only the rows the filters keep: ``columns`` runs
        filtered on their columns, every other line made an event and filtered by the engine."""
        decode = reader.projector.one.decode
        astuple = msgspec.structs.astuple
        names = self.fields
        for kind, items in reader.runs():
            if kind == COLUMNS:
                block = self.columns(items)
                if block is not None:
                    yield COLUMNS, block
                continue
            runs: list[tuple[str, list[Any]]]
            if kind == PLAIN:
                try:
                    runs = [(ROWS, list(map(astuple, map(decode, items))))]
                except msgspec.DecodeError:  # a line to read the default way
                    runs = list(reader.line_runs(items))
            else:
                runs = [(kind, items)]
            for run_kind, run in runs:
                events: list[Event] = (
                    run if run_kind == EVENTS else [dict(zip(names, r, strict=True)) for r in run]
                )
                kept = self.events(events)
                if kept:
                    yield EVENTS, kept


def column_filter(before: list[Any], fields: list[str]) -> ColumnFilter | None:
    """The compiled filter of the commands ``before`` a ``stats``, or ``None`` unless they are
    all ``filter``s over plain fields among ``fields``."""
    if not before or not all(isinstance(c, Filter) for c in before):
        return None
    for command in before:
        for node in walk(command.condition):
            if isinstance(node, Field) and node.name not in fields:
                return None
    return ColumnFilter(list(before), fields)


def _truths(expr: Expr, fields: list[str]) -> Truths:
    """A function giving, for each row of a block, whether ``expr`` is true there."""
    if isinstance(expr, Binary) and expr.op in ("and", "or"):
        left, right = _truths(expr.left, fields), _truths(expr.right, fields)
        both = operator.and_ if expr.op == "and" else operator.or_
        return lambda block: list(map(both, left(block), right(block)))
    if isinstance(expr, Unary) and expr.op == "not":
        inner = _truths(expr.operand, fields)
        return lambda block: list(map(operator.not_, inner(block)))
    return _leaf(expr, fields)


def _leaf(expr: Expr, fields: list[str]) -> Truths:
    evaluate = compile_expr(expr)
    names = list(dict.fromkeys(n.name for n in walk(expr) if isinstance(n, Field)))
    if not names:
        constant = is_true(evaluate({}))
        return lambda block: [constant] * block.rows
    if len(names) > 1:
        positions = [fields.index(n) for n in names]

        def by_row(block: Columns) -> list[bool]:
            rows = zip(*[block.values[p] for p in positions], strict=True)
            return [is_true(evaluate(dict(zip(names, row, strict=True)))) for row in rows]

        return by_row
    (name,) = names
    position = fields.index(name)

    def by_value(block: Columns) -> list[bool]:
        column = block.values[position]
        kinds = block.kinds[position]
        if kinds & ~_HASHED_AS_IS == 0:
            table = {v: is_true(evaluate({name: v})) for v in dict.fromkeys(column)}
            return list(map(table.__getitem__, column))
        if (
            kinds & ~(_HASHED_AS_IS | KIND_BOOL | KIND_INT) == 0
        ):  # bool and int too: keyed by type as well
            keys = list(zip(map(type, column), column, strict=True))
            typed = {k: is_true(evaluate({name: k[1]})) for k in dict.fromkeys(keys)}
            return list(map(typed.__getitem__, keys))
        return [is_true(evaluate({name: v})) for v in column]  # floats: value by value

    return by_value
