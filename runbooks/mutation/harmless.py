"""The documented harmless survivors: mutant IDs (or glob patterns) with the reason each is fine.

A surviving mutant is a runbook the drill cannot tell from the right one. Some are harmless (a
read-only step left out changes nothing the drill or an operator depends on); the team says so
in its docs, in a Markdown table whose first cell is the mutant ID or a glob over IDs in
backticks and whose last cell is the reason::

    | mutant | reason |
    |---|---|
    | `dlq-*/mitigation-2/drop` | `dlq inspect` only reads the queue |

Any other line is ignored, so the table can live in a page with other content (docs/drills.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

_ROW = re.compile(r"^\|\s*`([^`]+/[^`]+)`\s*\|(.*)\|\s*$")


class HarmlessListError(ValueError):
    """The harmless list cannot be read (no file, no row)."""


@dataclass(frozen=True)
class Harmless:
    """``(pattern, reason)`` rows, in the order written; the first match gives the reason."""

    rows: tuple[tuple[str, str], ...]
    source: str = ""

    @classmethod
    def read(cls, path: Path) -> Harmless:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise HarmlessListError(
                f"{path}: cannot read the harmless-mutant list: {error}"
            ) from None
        rows: list[tuple[str, str]] = []
        for line in text.splitlines():
            match = _ROW.match(line.strip())
            if match is None:
                continue
            cells = [c.strip() for c in match.group(2).split("|")]
            reason = next((c for c in reversed(cells) if c), "")
            if not reason:
                raise HarmlessListError(f"{path}: row for `{match.group(1)}` gives no reason")
            rows.append((match.group(1), reason))
        if not rows:
            raise HarmlessListError(
                f"{path}: no harmless-mutant row (a table row starting | `scenario/part-N/mutation` |)"
            )
        return cls(tuple(rows), str(path))

    def reason(self, mutant_id: str) -> str | None:
        for pattern, reason in self.rows:
            if fnmatchcase(mutant_id, pattern):
                return reason
        return None

    def stale(self, ran: Iterable[str], survived: Iterable[str]) -> list[str]:
        """Rows that name mutants of this run, none of which survived: a reason kept for a
        mutant the drill now kills misleads the next reader. Rows about scenarios or steps
        that were not run are not judged."""
        ran_ids, survived_ids = list(ran), list(survived)
        return [
            pattern
            for pattern, _ in self.rows
            if any(fnmatchcase(i, pattern) for i in ran_ids)
            and not any(fnmatchcase(i, pattern) for i in survived_ids)
        ]
