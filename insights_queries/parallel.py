"""Full-scan ``stats`` on both cores: byte ranges of the files in worker processes, merged in order.

A ``stats`` over gigabytes is bound by decoding lines, one core's work in one Python process.
:func:`run_parallel` splits each plain line file into ranges at line boundaries, lets one worker
process per range read, decode and group it (the ``filter`` commands before the ``stats`` run
there too), and merges the partial groups range by range in file order. The merge is
deterministic and gives what one pass gives: groups appear in first-seen order, counts and
integer sums are exact, ``min``/``max`` keep the earlier of equal values, ``pct`` sees the values
in line order. Only a float ``sum``/``avg`` may differ from one pass in its last bits (a
different order of additions).

It is used only where that holds (:func:`plan_parallel`): a query of leading ``filter``s and plain
``fields``, then a ``stats`` of ``count``/``count_distinct``/``sum``/``avg``/``min``/``max``/
``pct``, then anything; plain (not gzip) JSON-lines files; enough bytes to repay starting the
workers. A query with a byte prefilter (``filter level = "ERROR" | stats ...``) is searched by
each worker in its range, and counts as scanned only the lines that hold a needle, as the
one-pass reader of a mapped file does; the C reader does that search itself, and the filters run
over its columns (:mod:`insights_queries.compiled_filter`). A run whose reader has anything
to tell (a line over the limit) is redone in one pass, so the notices keep their line numbers.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from insights_queries.aggregates import (
    Accumulator,
    CountAll,
    CountDistinct,
    CountPresent,
    Moments,
    Percentile,
)
from insights_queries.ast import (
    AGGREGATE_FUNCTIONS,
    Call,
    Field,
    Fields,
    Filter,
    Query,
    Star,
    Stats,
)
from insights_queries.engine import Plan as _Plan
from insights_queries.engine import (
    PreGrouped,
    Result,
    Statistics,
    group_events,
    run,
)
from insights_queries.projection import ProjectedFiles, needed_fields
from insights_queries.source_documents import looks_like_document
from insights_queries.source_files import GZIP_MAGIC, UTF8_BOM, Blocks, strip_bom
from insights_queries.sources import BLOCK_SIZE, Event, LogFiles, _candidate_lines, _Events

WORKER_BLOCK_SIZE = 1024 * 1024
PARALLEL_MIN_BYTES = 64 * 1024 * 1024  # below this, starting workers costs more than it saves
MERGEABLE = frozenset({"count", "count_distinct", "sum", "avg", "min", "max", "pct", "percentile"})

Groups = dict[tuple[Any, ...], list[Accumulator]]


@dataclass(frozen=True)
class Split:
    """How a query runs in parallel: the commands before its ``stats``, the ``stats``, the rest."""

    before: tuple[Any, ...]
    stats: Stats
    after: tuple[Any, ...]


def workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def plan_parallel(query: Query) -> Split | None:
    """Where ``query`` splits into a per-range part and a merged part, or ``None``."""
    for index, command in enumerate(query.commands):
        if isinstance(command, Filter):
            continue
        if isinstance(command, Fields) and all(
            isinstance(p.expr, Field) and p.alias is None for p in command.items
        ):
            continue
        if not isinstance(command, Stats):
            return None
        for projection in command.aggregations:
            call = projection.expr
            if not (isinstance(call, Call) and call.name in MERGEABLE):
                return None
            if any(isinstance(a, Call) and a.name in AGGREGATE_FUNCTIONS for a in call.args):
                return None
        return Split(query.commands[:index], command, query.commands[index + 1 :])
    return None


def line_file_ranges(path: Path, parts: int) -> list[tuple[int, int]] | None:
    """``parts`` byte ranges of a plain JSON-lines file, each ending after a newline, or ``None``
    for a file that is gzip or one JSON document (read in one pass)."""
    with path.open("rb") as stream:
        head = stream.read(BLOCK_SIZE)
        if head[:2] == GZIP_MAGIC or looks_like_document(strip_bom(head)[0]):
            return None
        size = os.fstat(stream.fileno()).st_size
        cuts = [0]
        for i in range(1, parts):
            stream.seek(max(size * i // parts, cuts[-1]))
            stream.readline()  # to the end of the line the cut fell in
            cuts.append(min(stream.tell(), size))
        cuts.append(size)
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


class _Range:
    """Bytes ``[start, end)`` of an open file, read as a stream."""

    def __init__(self, stream: IO[bytes], start: int, end: int) -> None:
        stream.seek(start)
        self.stream = stream
        self.left = end - start

    def read(self, size: int = -1) -> bytes:
        wanted = self.left if size < 0 else min(size, self.left)
        data = self.stream.read(wanted)
        self.left -= len(data)
        return data


class _RangeReading:
    """Mixed into a reader: read only a byte range of its one file, a small block at a time.

    Every worker holds a block, its lines and their decoded rows at once: 1 MiB blocks keep a
    worker's own memory to a few megabytes (8 MiB blocks took ~50 MB), at no measurable cost.
    """

    start = 0
    end = 0
    block_size = WORKER_BLOCK_SIZE

    def _candidates(self, data: bytes) -> tuple[list[bytes], int]:
        """The lines of ``data`` that hold a needle, and how many lines it has; only the former
        count as scanned (as in :meth:`LogFiles._mapped`, which one pass uses on this file)."""
        reader: Any = self
        spans = _candidate_lines(data, reader.needles or [], 0, len(data))
        reader.records_scanned += len(spans)
        return [data[a:b] for a, b in spans], data.count(b"\n")

    def _chunks(self, path: Path, log: str) -> Iterator[list[bytes] | _Events]:
        reader: Any = self
        if (
            getattr(reader, "_scanning", False)
            and getattr(reader, "scan_needles", None) is not None
        ):
            yield from self._mapped_blocks(path, log)
            return
        yield from self._read_blocks(path, log, self.start)

    def _read_blocks(self, path: Path, log: str, start: int) -> Iterator[list[bytes] | _Events]:
        reader: Any = self
        with path.open("rb") as stream:
            blocks = Blocks(_Range(stream, start, self.end))  # type: ignore[arg-type]
            head = blocks.read(self.block_size)
            if start == 0:
                head, bom = strip_bom(head)
                reader.bytes_scanned += bom
            yield from reader._lines(head, blocks, path, log)

    def _mapped_blocks(self, path: Path, log: str) -> Iterator[Any]:
        """The range's blocks of whole lines read by the C scanner straight from the mapped file:
        no copy of the bytes. A block is at most ``block_size`` bytes, so no line in it is over
        the line limit; a longer line, and all after it, are read the usual way."""
        reader: Any = self
        with (
            path.open("rb") as stream,
            mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
        ):
            position, end = self.start, self.end
            if position == 0 and mapped[: len(UTF8_BOM)] == UTF8_BOM:
                position = len(UTF8_BOM)
                reader.bytes_scanned += position
            page = mmap.PAGESIZE
            while position < end:
                stop = min(position + self.block_size, end)
                cut = stop if stop == end else mapped.rfind(b"\n", position, stop) + 1
                if cut <= position:
                    break
                reader.bytes_scanned += cut - position
                yield reader._scan_part(mapped, position, cut)
                first = position - position % page  # hand the pages back: RSS stays flat
                if cut - first >= page:
                    mapped.madvise(mmap.MADV_DONTNEED, first, (cut - first) - (cut - first) % page)
                position = cut
        if position < end:
            yield from self._read_blocks(path, log, position)


class _RangeFiles(_RangeReading, LogFiles):
    pass


class _RangeProjected(_RangeReading, ProjectedFiles):
    pass


@dataclass(frozen=True)
class _Task:
    path: Path
    start: int
    end: int
    query: Query  # the commands before the stats, then the stats
    fields: list[str] | None
    needles: list[bytes] | None
    log_group: str | None
    want_message: bool
    want_log: bool


def _reader(task: _Task) -> LogFiles:
    reader: LogFiles
    if task.fields is not None:
        reader = _RangeProjected(
            [task.path], needles=task.needles, log_group=task.log_group, fields=task.fields
        )
    else:
        reader = _RangeFiles(
            [task.path],
            needles=task.needles,
            log_group=task.log_group,
            want_message=task.want_message,
            want_log=task.want_log,
            want_timestamp=False,
        )
    reader.start, reader.end = task.start, task.end
    return reader


def _partial(task: _Task) -> tuple[Groups, int, Statistics, list[str]]:
    """One range's groups (their accumulators without their evaluators), count and statistics."""
    reader = _reader(task)
    *before, stats = task.query.commands
    assert isinstance(stats, Stats)
    plan = None
    column_filter = None
    if isinstance(reader, ProjectedFiles):
        from insights_queries.compiled_filter import column_filter as compile_filter
        from insights_queries.compiled_stats import column_plan  # only workers use them

        plan = column_plan(stats, reader.fields)
        if before and reader.scan_needles is not None:
            column_filter = compile_filter(before, reader.fields)
    if isinstance(reader, ProjectedFiles) and _counts_by_all_fields(stats, before, reader.fields):
        groups, seen = _count_groups(stats, reader.count_by_fields())
    elif (
        isinstance(reader, ProjectedFiles)
        and plan is not None
        and (not before or column_filter is not None)
    ):
        from insights_queries.compiled_stats import compiled_groups

        runs = column_filter.runs(reader) if column_filter is not None else None
        groups, seen = compiled_groups(stats, reader, plan, runs)
    else:
        events: Iterator[Event] = iter(reader)
        for stage in _Plan(Query(tuple(before))).stages:  # the filters: per-event map stages
            events = stage(events)
        groups, seen = group_events(stats, events)
    for accumulators in groups.values():
        for acc in accumulators:
            if hasattr(acc, "value"):
                acc.value = None  # a closure: not picklable
    statistics = Statistics(
        records_scanned=reader.records_scanned,
        bytes_scanned=reader.bytes_scanned,
        malformed_lines=reader.malformed_lines,
    )
    return groups, seen, statistics, list(reader.notices)


def _counts_by_all_fields(stats: Stats, before: list[Any], fields: list[str]) -> bool:
    """``stats count(*)… by`` exactly the fields read, with no filter: keys straight from lines."""
    if before or not stats.aggregations:
        return False
    counts_only = all(
        isinstance(p.expr, Call)
        and p.expr.name == "count"
        and (not p.expr.args or isinstance(p.expr.args[0], Star))
        for p in stats.aggregations
    )
    by = [p.expr.name if isinstance(p.expr, Field) else None for p in stats.by]
    return counts_only and by == fields


def _count_groups(stats: Stats, counts: dict[tuple[Any, ...], int]) -> tuple[Groups, int]:
    groups: Groups = {}
    for key, n in counts.items():
        counters = [CountAll() for _ in stats.aggregations]
        for counter in counters:
            counter.n = n
        groups[key] = list(counters)
    return groups, sum(counts.values())


def merge_into(total: Groups, part: Groups) -> None:
    """Add a later range's groups to ``total`` as one pass over both ranges would have."""
    for key, accumulators in part.items():
        mine = total.get(key)
        if mine is None:
            total[key] = accumulators
            continue
        for a, b in zip(mine, accumulators, strict=True):
            _merge(a, b)


def _merge(a: Accumulator, b: Accumulator) -> None:
    if isinstance(a, CountAll | CountPresent):
        a.n += b.n  # type: ignore[attr-defined]
    elif isinstance(a, CountDistinct) and isinstance(b, CountDistinct):
        a.seen |= b.seen
    elif isinstance(a, Percentile) and isinstance(b, Percentile):
        a.merge(b)
    elif isinstance(a, Moments) and isinstance(b, Moments):
        if b.n == 0:
            return
        a.n += b.n
        a.total += b.total
        if a.minimum is None or (b.minimum is not None and b.minimum < a.minimum):
            a.minimum = b.minimum
        if a.maximum is None or (b.maximum is not None and b.maximum > a.maximum):
            a.maximum = b.maximum
    else:  # plan_parallel admits no other aggregate
        raise TypeError(f"cannot merge {type(a).__name__}")


def run_parallel(
    model: Query,
    paths: Sequence[Path | str],
    *,
    needles: list[bytes] | None = None,
    log_group: str | None,
    want_message: bool,
    want_log: bool,
    min_bytes: int = PARALLEL_MIN_BYTES,
) -> tuple[Result, list[str]] | None:
    """``model`` over ``paths`` on every core, or ``None`` when it should run in one pass."""
    # imported here: a process pool costs a short query's start-up ~50 ms it never uses
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    split = plan_parallel(model)
    cores = workers()
    files = [Path(p) for p in paths]
    if split is None or cores < 2 or not files:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():  # workers inherit the loaded code
        return None
    try:
        if sum(p.stat().st_size for p in files) < min_bytes:
            return None
        ranges = [line_file_ranges(p, cores) for p in files]
    except OSError:
        return None  # the one-pass reader says what is wrong with the file
    if any(r is None for r in ranges):
        return None
    fields = needed_fields(model, _Plan(model).columns)
    head = Query((*split.before, split.stats))
    tasks = [
        _Task(path, a, b, head, fields, needles, log_group, want_message, want_log)
        for path, spans in zip(files, ranges, strict=True)
        for a, b in spans or []
    ]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=cores, mp_context=context) as pool:
        parts = list(pool.map(_partial, tasks))
    if any(notices for *_rest, notices in parts):
        return None  # line numbers in notices are the file's: read it in one pass
    groups: Groups = {}
    seen = 0
    statistics = Statistics()
    for part_groups, part_seen, part_statistics, _notices in parts:
        merge_into(groups, part_groups)
        seen += part_seen
        statistics.records_scanned += part_statistics.records_scanned
        statistics.bytes_scanned += part_statistics.bytes_scanned
        statistics.malformed_lines += part_statistics.malformed_lines
    rest = Query((split.stats, *split.after))
    result = run(rest, PreGrouped(groups, seen, statistics))
    result.columns = _Plan(model).columns
    return result, []
