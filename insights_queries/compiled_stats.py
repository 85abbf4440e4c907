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

Blocks read by the C scanner (``columns`` runs) cost less still: their (group, value) pairs are
counted in C (``_scan.count_pairs``; ``count(*)`` by ``Counter``) and held across blocks (a
few thousand pairs for 8 services and 900 distinct durations) until something needs line
order or more than ``_MAX_PENDING`` are held; then each accumulator takes its values with
their counts (``Accumulator.add_counted``). That is done only where order cannot
change a result: counts, distinct values, and integer sums, extremes and ``pct`` counts while
no float has come (``Accumulator.order_free``); a block with a float or a string among the
values, or a group past its first float, is fed row by row as above, after the held pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

import msgspec

from insights_queries.aggregates import Accumulator, accumulator_factory
from insights_queries.ast import Call, Field, Number, Star, Stats
from insights_queries.evaluate import Event
from insights_queries.projection import (
    COLUMNS,
    EVENTS,
    KIND_INT,
    KIND_NONE,
    PLAIN,
    ROWS,
    Columns,
    ProjectedFiles,
)
from insights_queries.scanner import count_pairs
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
    stats: Stats,
    reader: ProjectedFiles,
    plan: tuple[list[int], list[int | None]],
    runs: Iterable[tuple[str, Any]] | None = None,
) -> tuple[Groups, int]:
    """The groups of ``stats`` over ``reader`` (as :func:`engine.group_events` makes them) and how
    many events there were; ``runs``: the reader's runs as a compiled filter left them
    (:meth:`insights_queries.compiled_filter.ColumnFilter.runs`), else all of them."""
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

    # the groups (in the raw form of ``raw_keys``) past their first float: their values go in
    # line order, so a block that holds one of them is not counted
    ordered: set[Any] = set()
    single = len(by) == 1

    def note_order(keys: Iterable[tuple[Any, ...]]) -> None:
        for key in keys:
            if not all(acc.order_free() for acc in groups[key]):
                ordered.add(key[0] if single else key)

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
        note_order(buckets)

    def add_events(events: list[Event]) -> None:
        touched: dict[tuple[Any, ...], None] = {}
        for event in events:
            key = _hashable_key(tuple([event.get(n) for n in names]))
            touched[key] = None
            for acc in accumulators(key):
                acc.add(event)
        note_order(touched)

    # Lines the C scanner read: (group, value) pairs counted across blocks until something needs
    # line order (rows or events, a float): per value column, group -> value -> count (count(*):
    # group -> count). A group is held in its raw form: the value itself for one ``by`` field,
    # else the tuple.
    probes = [factory() for factory in factories]
    needs_integers = {
        c
        for c, probe in zip(columns, probes, strict=True)
        if c is not None and not probe.counts_any_value
    }
    pending: dict[int, dict[Any, dict[Any, int]]] = {}
    pending_counts: Counter[Any] = Counter()
    pending_blocks = 0

    def raw_keys(block: Columns) -> list[Any]:
        if single:
            return block.values[by[0]]
        if not by:
            return [()] * block.rows
        return list(zip(*[block.values[i] for i in by], strict=True))

    def flush() -> None:
        """Hand the counted pairs to their groups' accumulators (groups new here are made in
        the order their first lines came)."""
        nonlocal pending_blocks
        for position, column in enumerate(columns):
            if column is None:
                for raw, n in pending_counts.items():
                    accumulators((raw,) if single else raw)[position].add_counted([(None, n)])
                continue
            for raw, inner in pending.get(column, {}).items():
                accumulators((raw,) if single else raw)[position].add_counted(list(inner.items()))
        pending.clear()
        pending_counts.clear()
        pending_blocks = 0

    def add_columns(block: Columns) -> None:
        """Count the block's pairs if order cannot matter, else feed its rows in order."""
        nonlocal pending_blocks
        values = block.values
        keys = raw_keys(block)
        if any(block.kinds[c] & ~_INT_OR_NONE for c in needs_integers) or (
            ordered and not ordered.isdisjoint(keys)
        ):  # floats or strings, or a group that keeps line order: value by value
            flush()
            add_rows(list(zip(*values, strict=True)))
            return
        for column in {*columns}:
            if column is None:
                pending_counts.update(keys)
            else:
                count_pairs(keys, values[column], pending.setdefault(column, {}))
        pending_blocks += 1
        if (
            pending_blocks % _CHECK_BLOCKS == 0
            and sum(sum(map(len, into.values())) for into in pending.values()) + len(pending_counts)
            > _MAX_PENDING
        ):
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

    for kind, items in reader.runs() if runs is None else runs:
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


_INT_OR_NONE = KIND_INT | KIND_NONE
# held (group, value) pairs go to the accumulators once there are more than this many (a flush
# costs a Python step per pair: 8 services x 900 durations are never flushed before the end)
_MAX_PENDING = 50_000
_CHECK_BLOCKS = 16  # how often (in blocks) the pairs held are counted


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
