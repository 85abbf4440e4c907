"""What the handlers remember between invocations: the keys of the events they already handled.

Deployed, this would be a DynamoDB conditional put per key; here it lives in the process, which is
what one warm Lambda environment (or the in-process sandbox) sees. Keys are ``event_id`` (or a
request id), never an SQS MessageId: a redriven message gets a new MessageId but is the same
event. :func:`reset_all` gives a test, a drill or a new sandbox a clean slate.
"""

from __future__ import annotations

from collections import OrderedDict

CAPACITY = 10_000
_stores: list[Seen] = []


class Seen:
    """Keys already handled by one service, oldest forgotten first beyond ``CAPACITY``."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._keys: OrderedDict[str, None] = OrderedDict()
        _stores.append(self)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add(self, key: str) -> None:
        """Remember ``key``; call once the work succeeded, so a retry after a failure redoes it."""
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > CAPACITY:
            self._keys.popitem(last=False)

    def clear(self) -> None:
        self._keys.clear()


def reset_all() -> None:
    """Forget every key in every store of the process."""
    for store in _stores:
        store.clear()
