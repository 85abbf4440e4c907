"""Run a query on events in this process: the local Logs Insights engine.

``run(query, events)`` streams the events through the commands in order. Only ``stats``
(its groups), ``sort`` (its input) and ``dedup`` (the keys it has seen) hold data; everything else
handles one event at a time, so memory stays flat however long the input is. ``limit`` stops
reading early. Semantics follow the AWS documentation of each command:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html
- without ``limit`` at most 10,000 rows are returned
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Limit.html);
- without ``fields``/``display``/``stats`` the columns are ``@timestamp`` and ``@message``;
- ``stats`` columns are the ``by`` expressions then the aggregates, each named by its alias or
  its text as AWS names it (``count(*)``, ``avg(duration)``, ``bin(5m)``);
- ``sort`` is the natural sort of :mod:`insights_queries.values`; missing values sort last;
- ``dedup`` keeps the first event of each combination in sort order, by ``@timestamp`` newest
  first when nothing sorted before it, and keeps events missing a field
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Dedup.html);
- ``unnest`` turns a record into one record per item of a list
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Unnest.html);
- a glob ``parse`` captures each ``*`` lazily, as its documented regex twin ``(.*?)`` does
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Parse.html), with
  :mod:`insights_queries.glob` (no regex, so no backtracking).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from insights_queries.aggregates import (
    Accumulator,
    AccumulatorFactory,
    CountAll,
    accumulator_factory,
)
from insights_queries.ast import (
    AGGREGATE_FUNCTIONS,
    MAX_COMMANDS,
    MAX_DEPTH,
    MAX_LIMIT,
    Call,
    Dedup,
    Display,
    Expr,
    Field,
    Fields,
    Filter,
    Limit,
    Parse,
    Projection,
    Query,
    Regex,
    Sort,
    SortKey,
    Stats,
    Unnest,
    depth,
)
from insights_queries.evaluate import (
    Evaluator,
    Event,
    QueryError,
    column_name,
    compile_expr,
    field_getter,
)
from insights_queries.glob import Glob
from insights_queries.params import bind, transform
from insights_queries.parser import parse
from insights_queries.regexes import compile_regex, translate
from insights_queries.values import NaturalOrder, is_true, to_text

DEFAULT_LIMIT = 10_000
DEFAULT_COLUMNS = ["@timestamp", "@message"]

Stage = Callable[[Iterator[Event]], Iterator[Event]]
MapStep = Callable[[Event], Event | None]


@dataclass
class Statistics:
    """What the query read, as GetQueryResults reports it (plus malformed input lines)."""

    records_scanned: int = 0
    records_matched: int = 0
    bytes_scanned: int = 0
    malformed_lines: int = 0


@dataclass
class Result:
    """The rows a query returned, their column order, and the statistics of the run."""

    columns: list[str]
    rows: list[dict[str, Any]]
    statistics: Statistics = field(default_factory=Statistics)

    def column(self, name: str) -> list[Any]:
        """The values of one column, row by row."""
        return [row.get(name) for row in self.rows]


def run(
    query: Query | str,
    events: Iterable[Event],
    params: dict[str, str | int | float] | None = None,
) -> Result:
    """Run ``query`` (a model or Logs Insights text) over ``events`` (dicts of fields).

    ``events`` may be a reader from :mod:`insights_queries.sources`, whose counts of records and
    bytes scanned and malformed lines then fill the statistics.
    """
    model = parse(query) if isinstance(query, str) else query
    if params is not None:
        model = bind(model, params)
    _check_bounds(model)
    plan = Plan(model)
    stats = Statistics()
    counted = _Counted(events)
    stream = iter(events) if counted.self_counting else iter(counted)
    rows = [_project(row, plan.columns) for row in plan.execute(stream, stats)]
    if plan.stats_counts_matches:
        stats.records_matched = plan.stats_input[0]
    stats.records_scanned = getattr(events, "records_scanned", counted.count)
    stats.bytes_scanned = getattr(events, "bytes_scanned", counted.bytes)
    stats.malformed_lines = getattr(events, "malformed_lines", 0)
    return Result(plan.columns, rows, stats)


class _Counted:
    """Counts the events handed to the engine when the source does not count them itself."""

    def __init__(self, events: Iterable[Event]) -> None:
        self.events = events
        self.count = 0
        self.bytes = 0
        self.self_counting = hasattr(events, "records_scanned")

    def __iter__(self) -> Iterator[Event]:
        if self.self_counting:
            yield from self.events
            return
        for event in self.events:
            self.count += 1
            message = event.get("@message")
            self.bytes += len(message) if isinstance(message, str) else 0
            yield event


def _check_bounds(query: Query) -> None:
    """Refuse a query model built deeper or longer than the parser allows: compiling and
    evaluating recurse once per level and stages nest, so it would crash instead of failing."""
    if len(query.commands) > MAX_COMMANDS:
        raise QueryError(f"the query has more than {MAX_COMMANDS} commands")
    for node in _top_expressions(query):
        if depth(node) > MAX_DEPTH:
            raise QueryError(f"an expression is nested more than {MAX_DEPTH} levels deep")


def _top_expressions(query: Query) -> Iterator[Expr]:
    """The top-level expressions of each command (without recursing into them)."""
    for command in query.commands:
        if isinstance(command, Filter):
            yield command.condition
        elif isinstance(command, Fields):
            yield from (p.expr for p in command.items)
        elif isinstance(command, Stats):
            yield from (p.expr for p in (*command.aggregations, *command.by))
        elif isinstance(command, Sort):
            yield from (k.expr for k in command.keys)
        elif isinstance(command, Parse):
            yield command.source


def _project(row: Event, columns: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in columns:
        value = row.get(name)
        if value is None and (name.startswith("@") or "." in name):
            value = field_getter(name)(row)
        out[name] = value
    return out


class Plan:
    """A query compiled into stages, with the columns its results will have."""

    def __init__(self, query: Query) -> None:
        self.stages: list[Stage] = []
        self.columns: list[str] = []
        self.matched_at: int | None = None  # stage index before which matches are counted
        self.limit = DEFAULT_LIMIT
        # when the first stats sees the matched events, it counts them itself (cheaper)
        self.stats_input: list[int] = [0]
        self.stats_counts_matches = False
        columns: list[str] | None = None
        parsed_names: list[str] = []
        pending: list[MapStep] = []
        sorted_yet = False
        commands = query.commands
        for command in commands:
            if isinstance(command, Filter):
                pending.append(_filter_step(command))
            elif isinstance(command, Fields):
                pending.append(_fields_step(command))
                names = [column_name(p.expr, p.alias) for p in command.items]
                columns = _merge(columns or [], names)
            elif isinstance(command, Parse):
                step, names = _parse_step(command)
                pending.append(step)
                if columns is None:
                    parsed_names = _merge(parsed_names, names)
                else:
                    columns = _merge(columns, names)
            elif isinstance(command, Display):
                columns = [f.name for f in command.fields]
            elif isinstance(command, Unnest):
                self._flush(pending)
                self.stages.append(_unnest_stage(command))
            else:
                self._flush(pending)
                if self.matched_at is None:
                    self.matched_at = len(self.stages)
                if isinstance(command, Stats):
                    counts_input = self.matched_at == len(self.stages)
                    stage, columns = _stats_stage(
                        command, self.stats_input if counts_input else None
                    )
                    self.stats_counts_matches = self.stats_counts_matches or counts_input
                    parsed_names = []
                    self.stages.append(stage)
                elif isinstance(command, Sort):
                    sorted_yet = True
                    self.stages.append(_sort_stage(command))
                elif isinstance(command, Limit):
                    self.limit = MAX_LIMIT  # an explicit limit may ask past the default
                    self.stages.append(_limit_stage(command.count))
                elif isinstance(command, Dedup):
                    if not sorted_yet:  # AWS: unsorted results dedup by @timestamp, newest first
                        self.stages.append(_sort_stage(Sort((SortKey(Field("@timestamp"), True),))))
                    self.stages.append(_dedup_stage(command))
                else:
                    raise QueryError(f"unsupported command {command!r}")
        self._flush(pending)
        if self.matched_at is None:
            self.matched_at = len(self.stages)
        self.columns = columns if columns is not None else _merge(DEFAULT_COLUMNS, parsed_names)

    def _flush(self, pending: list[MapStep]) -> None:
        if pending:
            self.stages.append(_map_stage(list(pending)))
            pending.clear()

    def execute(self, events: Iterator[Event], stats: Statistics) -> Iterator[Event]:
        stream = events
        for index, stage in enumerate(self.stages):
            if index == self.matched_at and not self.stats_counts_matches:
                stream = _count_matches(stream, stats)
            stream = stage(stream)
        if self.matched_at == len(self.stages):
            stream = _count_matches(stream, stats)
        return itertools.islice(stream, self.limit)


def _count_matches(events: Iterator[Event], stats: Statistics) -> Iterator[Event]:
    for event in events:
        stats.records_matched += 1
        yield event


def _merge(names: list[str], more: list[str]) -> list[str]:
    return names + [n for n in more if n not in names]


# ------------------------------------------------------------------ per-event steps


def _map_stage(steps: list[MapStep]) -> Stage:
    if len(steps) == 1:
        (only,) = steps

        def single(events: Iterator[Event]) -> Iterator[Event]:
            for event in events:
                out = only(event)
                if out is not None:
                    yield out

        return single

    def chain(events: Iterator[Event]) -> Iterator[Event]:
        for event in events:
            current: Event | None = event
            for step in steps:
                current = step(current)  # type: ignore[arg-type]
                if current is None:
                    break
            else:
                yield current  # type: ignore[misc]

    return chain


def _filter_step(command: Filter) -> MapStep:
    condition = compile_expr(command.condition)

    def keep(event: Event) -> Event | None:
        return event if is_true(condition(event)) else None

    return keep


def _fields_step(command: Fields) -> MapStep:
    computed = [
        (column_name(p.expr, p.alias), compile_expr(p.expr))
        for p in command.items
        if not (isinstance(p.expr, Field) and p.alias is None)
    ]
    if not computed:
        return lambda event: event

    def add_fields(event: Event) -> Event:
        out = dict(event)
        for name, fn in computed:
            out[name] = fn(out)
        return out

    return add_fields


def _parse_step(command: Parse) -> tuple[MapStep, list[str]]:
    source = compile_expr(command.source)
    match: Callable[[str], Sequence[str | None] | None]
    if isinstance(command.pattern, Regex):
        pattern = compile_regex(command.pattern.pattern, re.DOTALL)
        group_names = list(pattern.groupindex)
        field_names = list(translate(command.pattern.pattern).names)
        names = list(command.as_fields) if command.as_fields else field_names
        if len(names) != len(group_names):
            raise QueryError(
                f"parse names {len(names)} field(s) but the regex has {len(group_names)} groups"
            )
        search = pattern.search

        def match(text: str) -> Sequence[str | None] | None:
            m = search(text)
            return None if m is None else [m.group(g) for g in group_names]

    else:
        glob = Glob(command.pattern.value)
        names = list(command.as_fields)
        if len(names) != glob.stars:
            raise QueryError(f"parse names {len(names)} field(s) but the glob has {glob.stars} '*'")
        match = glob.match

    def extract(event: Event) -> Event:
        value = source(event)
        if value is None:
            return event
        captures = match(value if isinstance(value, str) else to_text(value))
        if captures is None:
            return event
        out = dict(event)
        for name, captured in zip(names, captures, strict=True):
            if captured is not None:
                out[name] = captured
        return out

    return extract, names


# ------------------------------------------------------------------ blocking / stateful stages


def _hashable(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float) else to_text(value)


class _StatsColumn:
    """One aggregate column: its accumulators, and how to finish it into a value."""

    def __init__(self, projection: Projection, earlier: list[str]) -> None:
        self.name = column_name(projection.expr, projection.alias)
        calls: list[Call] = []

        def collect(node: Any) -> Any:
            if isinstance(node, Call) and node.name in AGGREGATE_FUNCTIONS:
                if node not in calls:
                    calls.append(node)
                return Field(f"\x00agg{calls.index(node)}")
            return node

        rewritten: Expr = transform(projection.expr, collect)
        self.calls = calls
        self.factories: list[AccumulatorFactory] = [accumulator_factory(c) for c in calls]
        self.direct = isinstance(projection.expr, Call) and len(calls) == 1
        self.finish: Evaluator = compile_expr(rewritten)
        unknown = [
            n.name
            for n in _fields_in(rewritten)
            if not n.name.startswith("\x00agg") and n.name not in earlier
        ]
        if unknown:
            raise QueryError(
                f"stats column {self.name!r} uses {', '.join(unknown)} outside an aggregate"
            )

    def value(self, accumulators: list[Accumulator], row: Event) -> Any:
        if self.direct:
            return accumulators[0].result()
        scope = dict(row)
        for i, acc in enumerate(accumulators):
            scope[f"\x00agg{i}"] = acc.result()
        return self.finish(scope)


def _fields_in(expr: Any) -> list[Field]:
    from insights_queries.params import walk

    return [n for n in walk(expr) if isinstance(n, Field)]


class PreGrouped:
    """The groups of a ``stats`` already accumulated elsewhere (by :mod:`insights_queries.parallel`).

    Handed to :func:`run` in place of events for a query that starts with that ``stats``: the
    stage finishes these groups instead of reading events. It counts as a reader (records and
    bytes scanned, malformed lines) so the statistics are those of the partial runs summed.
    """

    def __init__(
        self, groups: dict[tuple[Any, ...], list[Accumulator]], seen: int, statistics: Statistics
    ) -> None:
        self.groups = groups
        self.seen = seen
        self.records_scanned = statistics.records_scanned
        self.bytes_scanned = statistics.bytes_scanned
        self.malformed_lines = statistics.malformed_lines

    def __iter__(self) -> PreGrouped:
        return self

    def __next__(self) -> Event:
        raise StopIteration


def group_events(
    command: Stats, events: Iterable[Event]
) -> tuple[dict[tuple[Any, ...], list[Accumulator]], int]:
    """The accumulators of each group of ``command`` over ``events`` (in first-seen order), and
    how many events there were: the mergeable half of a ``stats``."""
    columns: list[_StatsColumn] = []
    for projection in command.aggregations:
        columns.append(_StatsColumn(projection, [c.name for c in columns]))
    factories = [f for c in columns for f in c.factories]
    if factories and all(f is CountAll for f in factories):  # counts only: no call per event
        counts: dict[tuple[Any, ...], int] = {}
        get = counts.get
        key_of = _key_function(command)
        for event in events:
            key = key_of(event)
            try:
                counts[key] = get(key, 0) + 1
            except TypeError:  # an object or list value: group by its text
                key = tuple(_hashable(k) for k in key)
                counts[key] = get(key, 0) + 1
        groups: dict[tuple[Any, ...], list[Accumulator]] = {}
        for key, n in counts.items():
            groups[key] = [f() for f in factories]
            for counter in groups[key]:
                counter.n = n  # type: ignore[attr-defined]
        return groups, sum(counts.values())
    return _group(events, _key_function(command), factories)


def _group(
    events: Iterable[Event],
    key_of: Callable[[Event], tuple[Any, ...]],
    factories: list[AccumulatorFactory],
) -> tuple[dict[tuple[Any, ...], list[Accumulator]], int]:
    groups: dict[tuple[Any, ...], list[Accumulator]] = {}
    seen = 0
    for event in events:
        seen += 1
        key = key_of(event)
        try:
            accs = groups.get(key)
        except TypeError:  # an object or list value: group by its text
            key = tuple(_hashable(k) for k in key)
            accs = groups.get(key)
        if accs is None:
            accs = groups[key] = [f() for f in factories]
        for acc in accs:
            acc.add(event)
    return groups, seen


def _stats_stage(command: Stats, input_count: list[int] | None) -> tuple[Stage, list[str]]:
    """The stats stage and its columns; ``input_count[0]`` receives how many events it saw."""
    by_names = [column_name(p.expr, p.alias) for p in command.by]
    by_getters = command.by
    columns: list[_StatsColumn] = []
    for projection in command.aggregations:
        columns.append(_StatsColumn(projection, [c.name for c in columns]))
    factories = [f for c in columns for f in c.factories]
    spans: list[tuple[int, int]] = []
    start = 0
    for c in columns:
        spans.append((start, start + len(c.factories)))
        start += len(c.factories)
    only_counts = all(f is CountAll for f in factories)
    key_of = _key_function(command)
    plain = _plain_names(command)

    def finish(key: tuple[Any, ...], accumulators: list[Accumulator]) -> Event:
        row: Event = dict(zip(by_names, key, strict=True))
        for column, (lo, hi) in zip(columns, spans, strict=True):
            row[column.name] = column.value(accumulators[lo:hi], row)
        return row

    def stage(events: Iterator[Event]) -> Iterator[Event]:
        if isinstance(events, PreGrouped):
            if input_count is not None:
                input_count[0] = events.seen
            if not events.groups and not by_getters:
                events.groups[()] = [f() for f in factories]
            for key, accs in events.groups.items():
                yield finish(key, accs)
            return
        if only_counts:
            counts: dict[tuple[Any, ...], int] = {}
            get = counts.get
            if len(plain) == 2 == len(by_names):
                # the hottest loop of all (count by two fields), spelled out without calls
                first, second = plain
                for event in events:
                    key = (event.get(first), event.get(second))
                    try:
                        counts[key] = get(key, 0) + 1
                    except TypeError:  # an object or list value: group by its text
                        key = tuple(_hashable(k) for k in key)
                        counts[key] = get(key, 0) + 1
            else:
                for event in events:
                    key = key_of(event)
                    try:
                        counts[key] = get(key, 0) + 1
                    except TypeError:  # an object or list value: group by its text
                        key = tuple(_hashable(k) for k in key)
                        counts[key] = get(key, 0) + 1
            if input_count is not None:
                input_count[0] = sum(counts.values())
            if not counts and not by_getters:
                counts[()] = 0
            for key, n in counts.items():
                accumulators: list[Accumulator] = []
                for _ in factories:
                    counter = CountAll()
                    counter.n = n
                    accumulators.append(counter)
                yield finish(key, accumulators)
            return
        groups, seen = _group(events, key_of, factories)
        if input_count is not None:
            input_count[0] = seen
        if not groups and not by_getters:
            groups[()] = [f() for f in factories]
        for key, accs in groups.items():
            yield finish(key, accs)

    return stage, by_names + [c.name for c in columns]


def _plain_names(command: Stats) -> list[str]:
    """The ``by`` fields that are read straight from the event dict (no path, no derivation)."""
    return [
        p.expr.name
        for p in command.by
        if isinstance(p.expr, Field) and "." not in p.expr.name and p.expr.name != "@timestamp"
    ]


def _key_function(command: Stats) -> Callable[[Event], tuple[Any, ...]]:
    """The group key of an event; plain top-level fields are read without a closure each."""
    plain = _plain_names(command)
    if len(plain) == len(command.by):
        if not plain:
            return lambda _event: ()
        if len(plain) == 1:
            (a,) = plain
            return lambda event: (event.get(a),)
        if len(plain) == 2:
            a, b = plain
            return lambda event: (event.get(a), event.get(b))
        return lambda event: tuple([event.get(n) for n in plain])
    getters = [compile_expr(p.expr) for p in command.by]
    return lambda event: tuple([g(event) for g in getters])


def _sort_stage(command: Sort) -> Stage:
    keys = [(compile_expr(k.expr), k.descending) for k in command.keys]

    def stage(events: Iterator[Event]) -> Iterator[Event]:
        rows = list(events)
        # stable sorts from the last key to the first give the multi-key order
        for getter, descending in reversed(keys):
            rows.sort(key=_row_key(getter, descending), reverse=descending)
        yield from rows

    return stage


def _row_key(getter: Evaluator, descending: bool) -> Callable[[Event], tuple[bool, NaturalOrder]]:
    if descending:
        return lambda row: _descending_key(getter(row))
    return lambda row: _ascending_key(getter(row))


def _ascending_key(value: Any) -> tuple[bool, NaturalOrder]:
    return (value is None, NaturalOrder(value))


def _descending_key(value: Any) -> tuple[bool, NaturalOrder]:
    """Reversed, this puts missing values last too."""
    return (value is not None, NaturalOrder(value))


def _unnest_stage(command: Unnest) -> Stage:
    """One record per item of the list in the source field, the item under ``into``.

    A value that is not a list is a list of one item (AWS); a missing field or an empty list
    gives no record, since the original record is always discarded.
    """
    source = field_getter(command.source.name)
    into = command.into

    def stage(events: Iterator[Event]) -> Iterator[Event]:
        for event in events:
            value = source(event)
            if value is None:
                continue
            for item in value if isinstance(value, list) else (value,):
                out = dict(event)
                out[into] = item
                yield out

    return stage


def _limit_stage(count: int) -> Stage:
    def stage(events: Iterator[Event]) -> Iterator[Event]:
        return itertools.islice(events, count)

    return stage


def _dedup_stage(command: Dedup) -> Stage:
    getters = [field_getter(f.name) for f in command.fields]

    def stage(events: Iterator[Event]) -> Iterator[Event]:
        seen: set[tuple[Any, ...]] = set()
        for event in events:
            key = tuple(_hashable(g(event)) for g in getters)
            if any(k is None for k in key):
                yield event  # events missing a dedup field are never duplicates
                continue
            if key not in seen:
                seen.add(key)
                yield event

    return stage
