"""A compiled plan for ``stats`` of plain fields by plain fields: no event dict per line.

The general ``stats`` stage builds an event per line and calls each accumulator's ``add`` with it:
a few microseconds per line, several times what decoding the line costs. When nothing precedes
the ``stats`` and every aggregate is a direct call of ``count``, ``count_distinct``, ``sum``,
``avg``, ``min``, ``max`` or ``pct`` on a plain field (or ``count(*)``), a block of lines is
decoded into rows of just the fields read (:meth:`ProjectedFiles.runs`), the rows are put in
their groups, and each accumulator receives its column of a group's values at once
(``Accumulator.extend``, which gives what ``add`` value by value would). Lines the row decoder
cannot read come as events and go through ``add``, in their place: groups keep their first-seen
order and values their line order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import msgspec

from insights_queries.aggregates import Accumulator, accumulator_factory
from insights_queries.ast import Call, Field, Number, Star, Stats
from insights_queries.evaluate import Event
from insights_queries.projection import COLUMNS, EVENTS, PLAIN, ROWS, Columns, ProjectedFiles
from insights_queries.values import to_text

Groups = dict[tuple[Any, ...], list[Accumulator]]
_COMPILED = frozenset({"count", "count_distinct", "sum", "avg", "min", "max", "pct", "percentile"})


def column_plan(stats: Stats, fields: list[str]) -> tuple[list[int], list[int | None]] | None:
    """The row positions of the ``by`` fields and of each aggregate's field (``None`` for
    ``count(*)``), or ``None`` if ``stats`` needs the general stage."""
    by: list[int] = []
    for projection in stats.by:
        if not isinstance(projection.expr, Field) or projection.expr.name not in fields:
            return None
        by.append(fields.index(projection.expr.name))
    columns: list[int | None] = []
    for projection in stats.aggregations:
        call = projection.expr
        if not isinstance(call, Call) or call.name not in _COMPILED:
            return None
        if call.name == "count" and (not call.args or isinstance(call.args[0], Star)):
            columns.append(None)
            continue
        argument = call.args[0] if call.args else None
        if not isinstance(argument, Field) or argument.name not in fields:
            return None
        extra = call.args[1:]
        if call.name in ("pct", "percentile"):
            if len(extra) != 1 or not isinstance(extra[0], Number):
                return None
        elif extra:
            return None
        columns.append(fields.index(argument.name))
    return by, columns


def compiled_groups(
    stats: Stats, reader: ProjectedFiles, plan: tuple[list[int], list[int | None]]
) -> tuple[Groups, int]:
    """The groups of ``stats`` over ``reader`` (as :func:`engine.group_events` makes them) and how
    many events there were."""
    by, columns = plan
    factories = [accumulator_factory(p.expr) for p in stats.aggregations]  # type: ignore[arg-type]
    getters = {c: itemgetter(c) for c in columns if c is not None}
    names = [reader.fields[i] for i in by]
    groups: Groups = {}
    seen = 0

    def accumulators(key: tuple[Any, ...]) -> list[Accumulator]:
        found = groups.get(key)
        if found is None:
            found = groups[key] = [f() for f in factories]
        return found

    key_of = _row_key(by)
    decode_struct = reader.projector.one.decode
    astuple = msgspec.structs.astuple

    def add_rows(rows: list[tuple[Any, ...]]) -> None:
        buckets: dict[tuple[Any, ...], list[Any]] = {}
        for row in rows:
            key = key_of(row)
            try:
                bucket = buckets.get(key)
            except TypeError:  # an object or list value: group by its text
                key = _hashable_key(key)
                bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [row]
            else:
                bucket.append(row)
        for key, members in buckets.items():
            column_values: dict[int, list[Any]] = {}  # one list per field, shared
            for acc, column in zip(accumulators(key), columns, strict=True):
                if column is None:  # count(*)
                    acc.extend(members)
                    continue
                values = column_values.get(column)
                if values is None:
                    values = column_values[column] = list(map(getters[column], members))
                acc.extend(values)

    def add_events(events: list[Event]) -> None:
        for event in events:
            key = _hashable_key(tuple([event.get(n) for n in names]))
            for acc in accumulators(key):
                acc.add(event)

    # (group, value) pairs of lines the C scanner read, counted across blocks until something
    # needs line order (rows or events, a float): one Counter per value column (None: count(*))
    value_columns = {c for c in columns if c is not None}
    pending: dict[int | None, Counter[Any]] = {}
    pending_size = 0

    def flush() -> None:
        """Hand the counted pairs to their groups' accumulators."""
        nonlocal pending_size
        for position, column in enumerate(columns):
            counted = pending.get(column)
            if counted is None:
                continue
            per_group: dict[tuple[Any, ...], list[tuple[Any, int]]] = {}
            if column is None:
                for key, n in counted.items():
                    per_group[key] = [(None, n)]
            else:
                for (key, value), n in counted.items():
                    per_group.setdefault(key, []).append((value, n))
            for key, pairs in per_group.items():
                groups[key][position].add_counted(pairs)
        pending.clear()
        pending_size = 0

    def add_columns(block: Columns) -> None:
        """Lines the C scanner read: counted per (group, value) when order cannot matter."""
        nonlocal pending_size
        values = block.values
        keys = list(zip(*[values[i] for i in by], strict=True)) if by else [()] * block.rows
        firsts = Counter(keys)  # groups in first-seen order, with their sizes
        integers = {c: set(map(type, values[c])) <= _INT_OR_NONE for c in value_columns}
        counted = True
        for key in firsts:
            for acc, column in zip(accumulators(key), columns, strict=True):
                if not acc.order_free() or not (
                    column is None or acc.counts_any_value or integers[column]
                ):
                    counted = False
        if not counted:  # floats, or an accumulator that keeps line order: value by value
            flush()
            add_rows(list(zip(*values, strict=True)))
            return
        for column in {*columns}:
            into = pending.get(column)
            if into is None:
                into = pending[column] = Counter()
            size = len(into)
            into.update(keys if column is None else zip(keys, values[column], strict=True))
            pending_size += len(into) - size
        if pending_size > _MAX_PENDING:
            flush()

    def add_run(kind: str, items: Any) -> None:
        nonlocal seen
        if kind == COLUMNS:
            seen += items.rows
            add_columns(items)
            return
        seen += len(items)
        flush()  # before anything read in line order
        if kind == EVENTS:
            add_events(items)
        else:
            add_rows(items)

    for kind, items in reader.runs():
        if kind == PLAIN:
            try:
                rows = list(map(astuple, map(decode_struct, items)))
            except msgspec.DecodeError:  # a line to read the default way
                for run in reader.line_runs(items):
                    add_run(*run)
                continue
            add_run(ROWS, rows)
        else:
            add_run(kind, items)
    flush()
    return groups, seen


_INT_OR_NONE = frozenset({int, type(None)})
_MAX_PENDING = 100_000  # distinct (group, value) pairs held before they go to the accumulators


def _row_key(by: list[int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    if not by:
        return lambda _row: ()
    if len(by) == 1:
        (only,) = by
        return lambda row: (row[only],)
    return itemgetter(*by)  # a tuple for two or more positions


def _hashable_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    try:
        hash(key)
    except TypeError:
        return tuple(
            k if k is None or isinstance(k, str | int | float) else to_text(k) for k in key
        )
    return key
