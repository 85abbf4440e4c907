"""Run a query on log files: the reader, the line prefilter and the engine put together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from insights_queries.ast import Field, Query
from insights_queries.engine import Plan, Result, run
from insights_queries.parallel import PARALLEL_MIN_BYTES, run_parallel
from insights_queries.params import bind, walk
from insights_queries.parser import parse
from insights_queries.prefilter import required_needles
from insights_queries.projection import ProjectedFiles, needed_fields
from insights_queries.sources import LogFiles


def query_files(
    query: Query | str,
    paths: Sequence[Path | str],
    *,
    params: Mapping[str, str | int | float] | None = None,
    log_group: str | None = None,
    notices: list[str] | None = None,
    project: bool = True,
    parallel_min_bytes: int | None = PARALLEL_MIN_BYTES,
) -> Result:
    """Run ``query`` over the events of ``paths`` (any format :mod:`sources` reads).

    ``notices``, when given, receives the reader's notices (lines cut to the line limit, damaged
    gzip files): the result alone cannot say that part of a line was not read. ``project=False``
    decodes whole lines even where :mod:`insights_queries.projection` could decode fewer fields
    (the differential tests compare both). A full-scan ``stats`` over at least
    ``parallel_min_bytes`` of plain files runs on every core (:mod:`insights_queries.parallel`);
    ``None`` always reads in one pass.
    """
    model = parse(query) if isinstance(query, str) else query
    if params is not None:
        model = bind(model, params)
    needles = required_needles(model)
    if parallel_min_bytes is not None:
        done = run_parallel(
            model,
            [Path(p) for p in paths],
            needles=needles,
            log_group=log_group,
            want_message=uses_field(model, "@message"),
            want_log=uses_field(model, "@log"),
            min_bytes=parallel_min_bytes,
        )
        if done is not None:
            return done[0]
    fields = needed_fields(model, Plan(model).columns) if project else None
    if fields is not None:
        files: LogFiles = ProjectedFiles(paths, needles=needles, log_group=log_group, fields=fields)
        result = run(model, files)
        if notices is not None:
            notices.extend(files.notices)
        return result
    files = LogFiles(
        paths,
        needles=needles,
        log_group=log_group,
        want_message=uses_field(model, "@message"),
        want_log=uses_field(model, "@log"),
        want_timestamp=False,  # the engine derives it when the query reads it
    )
    result = run(model, files)
    if notices is not None:
        notices.extend(files.notices)
    return result


def uses_field(query: Query, name: str) -> bool:
    """Whether field ``name`` is used by ``query`` or shown in its results."""
    used = {node.name for node in walk(query) if isinstance(node, Field)}
    return name in used or name in Plan(query).columns
