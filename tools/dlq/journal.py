"""A local, append-only journal of what a replay did, so stopping and re-running is safe.

Each line is one JSON record ``{"key", "message_id", "state", "target"}`` with state ``sent``
(the event reached its target), ``deleted`` (its DLQ message is gone), ``parked``, ``poison`` or
``duplicate``; a ``sent`` record also keeps ``marker``, the id AWS gave what obskit sent (see
:mod:`tools.dlq.replay`). The order of a replay is send → journal ``sent`` → delete → journal
``deleted``, so after a stop at any point a re-run knows, for the message it receives:
- same key *and* same MessageId as a ``sent`` record: the stop fell between send and delete; it
  deletes without sending again;
- same key, and the message carries a marker of an earlier send: the replayed event failed back
  into the DLQ: poison;
- same key, no marker: another copy of the event that was already in the DLQ: a duplicate.
Lines are flushed and fsynced one by one; a torn last line (a crash mid-write) is ignored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import orjson


@dataclass(frozen=True)
class Entry:
    key: str
    message_id: str
    state: str
    target: str
    marker: str | None = None


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._latest: dict[str, Entry] = {}
        self._by_message: dict[tuple[str, str], Entry] = {}
        self._markers: dict[str, set[str]] = {}
        if path.exists():
            for line in path.read_bytes().splitlines():
                try:
                    data = orjson.loads(line)
                    entry = Entry(
                        data["key"],
                        data["message_id"],
                        data["state"],
                        data["target"],
                        data.get("marker"),
                    )
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    continue
                self._remember(entry)

    def _remember(self, entry: Entry) -> None:
        self._latest[entry.key] = entry
        self._by_message[(entry.key, entry.message_id)] = entry
        if entry.marker:
            self._markers.setdefault(entry.key, set()).add(entry.marker)

    def get(self, key: str) -> Entry | None:
        """The latest record of the event ``key``, whichever DLQ message it concerned."""
        return self._latest.get(key)

    def of_message(self, key: str, message_id: str) -> Entry | None:
        """The latest record of this very DLQ message."""
        return self._by_message.get((key, message_id))

    def markers(self, key: str) -> set[str]:
        """The ids AWS gave every copy of the event ``key`` that obskit sent."""
        return set(self._markers.get(key, ()))

    def record(
        self, key: str, message_id: str, state: str, target: str, marker: str | None = None
    ) -> None:
        entry = Entry(key, message_id, state, target, marker)
        data = {k: v for k, v in entry.__dict__.items() if v is not None}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = orjson.dumps(data) + b"\n"
        with self.path.open("ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        self._remember(entry)

    def __len__(self) -> int:
        return len(self._latest)


def default_journal_path(queue: str) -> Path:
    """``.obskit/dlq-journal/<queue name>.jsonl`` in the current folder."""
    name = queue.rstrip("/").rsplit("/", 1)[-1]
    return Path(".obskit") / "dlq-journal" / f"{name}.jsonl"
