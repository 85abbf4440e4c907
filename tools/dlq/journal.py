"""A local, append-only journal of what a replay did, so stopping and re-running is safe.

Each line is one JSON record ``{"key", "message_id", "state", "target"}`` with state ``sent``
(the event reached its target), ``deleted`` (its DLQ message is gone), ``parked`` or ``poison``.
The order of a replay is send → journal ``sent`` → delete → journal ``deleted``, so after a stop
at any point a re-run knows, for the message it receives again:
- same key *and* same MessageId as a ``sent`` record: the stop fell between send and delete; it
  deletes without sending again;
- same key, other MessageId: the event was replayed and failed back into the DLQ (SQS and
  EventBridge give it a new MessageId): poison.
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


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._latest: dict[str, Entry] = {}
        if path.exists():
            for line in path.read_bytes().splitlines():
                try:
                    data = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                entry = Entry(data["key"], data["message_id"], data["state"], data["target"])
                self._latest[entry.key] = entry

    def get(self, key: str) -> Entry | None:
        return self._latest.get(key)

    def record(self, key: str, message_id: str, state: str, target: str) -> None:
        entry = Entry(key, message_id, state, target)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = orjson.dumps(entry.__dict__) + b"\n"
        with self.path.open("ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        self._latest[key] = entry

    def __len__(self) -> int:
        return len(self._latest)


def default_journal_path(queue: str) -> Path:
    """``.obskit/dlq-journal/<queue name>.jsonl`` in the current folder."""
    name = queue.rstrip("/").rsplit("/", 1)[-1]
    return Path(".obskit") / "dlq-journal" / f"{name}.jsonl"
