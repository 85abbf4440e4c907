"""Prove the saved Logs Insights queries against real log lines with the local engine.

Each saved query (the files ``obskit generate`` wrote under ``queries/``, or the catalog's library
when no folder is given) is parsed, its parameters bound from the logs (``correlation_id``: a
workflow seen in them), and run on the log files. Every query must run; the ones a healthy run
always gives rows to must give rows: the trace, the step timeline, the workflows' outcomes and
durations, the volume breakdowns, cold starts when the logs hold Lambda ``REPORT`` lines with an
init duration, hop latency when the lines carry the catalog's ``event_age_field``. The rest
(errors, SLA breaches, dead letters, duplicates) look for trouble and may rightly find none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from insights_queries import QuerySyntaxError, UnboundParameterError, parse
from insights_queries.evaluate import QueryError
from insights_queries.local import query_files
from insights_queries.sources import SourceError

ALWAYS_ROWS = (
    re.compile(r"/trace/correlation-id$"),
    re.compile(r"/latency/step-timeline$"),
    re.compile(r"/workflows/[^/]+-(outcomes|durations)$"),
    re.compile(r"/volume/by-(service|level|message)$"),
)
COLD_STARTS = re.compile(r"/lambda/cold-starts$")
HOP_LATENCY = re.compile(r"/latency/hop-latency$")


@dataclass(frozen=True)
class SavedText:
    """A saved query as stored: its name, Logs Insights text and parameter names."""

    name: str
    text: str
    parameters: tuple[str, ...]
    where: str


@dataclass(frozen=True)
class Proof:
    name: str
    rows: int | None
    expects_rows: bool
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def saved_from_folder(folder: Path) -> list[SavedText]:
    """The query definitions under ``folder/queries`` (put_query_definition kwargs files)."""
    found: list[SavedText] = []
    for path in sorted((folder / "queries").rglob("*.json")):
        try:
            doc: Any = orjson.loads(path.read_bytes())
            params = tuple(str(p["name"]) for p in doc.get("parameters") or [])
            found.append(SavedText(str(doc["name"]), str(doc["queryString"]), params, str(path)))
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
            found.append(SavedText(path.stem, "", (), f"{path}: unreadable ({exc})"))
    return found


def expects_rows(name: str, *, has_cold_starts: bool, has_event_age: bool) -> bool:
    if any(p.search(name) for p in ALWAYS_ROWS):
        return True
    if COLD_STARTS.search(name):
        return has_cold_starts
    return bool(HOP_LATENCY.search(name)) and has_event_age


def prove(
    saved: Sequence[SavedText],
    logs: Sequence[Path],
    params: dict[str, str],
    *,
    has_cold_starts: bool,
    has_event_age: bool,
) -> list[Proof]:
    """Run every query of ``saved`` on ``logs``; one :class:`Proof` each, in order."""
    proofs: list[Proof] = []
    for query in saved:
        wanted = expects_rows(
            query.name, has_cold_starts=has_cold_starts, has_event_age=has_event_age
        )
        if not query.text:
            proofs.append(Proof(query.name, None, wanted, query.where))
            continue
        try:
            model = parse(query.text)
            bound = {p: params[p] for p in query.parameters if p in params}
            result = query_files(model, list(logs), params=bound or None)
        except QuerySyntaxError as exc:
            proofs.append(Proof(query.name, None, wanted, f"{query.where}: syntax error: {exc}"))
            continue
        except (UnboundParameterError, QueryError, SourceError, ValueError) as exc:
            proofs.append(Proof(query.name, None, wanted, f"{query.where}: {exc}"))
            continue
        rows = len(result.rows)
        problem = None
        if wanted and rows == 0:
            problem = f"{query.where}: no rows, but a healthy run's logs always give this some"
        proofs.append(Proof(query.name, rows, wanted, problem))
    return proofs
