"""What the logger's DEBUG buffering would have written of these lines.

Models ``logging_config.debug_buffer`` as it behaves when the service runs at INFO with
buffering on: inside one invocation every DEBUG line is held in a buffer bounded in bytes (the
oldest dropped first); the first ERROR-or-worse line writes the held lines before itself, and the
buffer starts again; lines still held when the invocation ends are discarded. A sampled
invocation (``debug_sample_rate``) writes all its DEBUG lines, so the expected written bytes add
``rate x`` the discarded ones.

Invocations are told apart by request id (``function_request_id``, ``@requestId``), closed by
Lambda's END/REPORT line. Lines without a request id (the Alchemiser capture has none) are grouped
per service and workflow: a larger group than one invocation, so more DEBUG lines share an
error and the estimated saving is, if anything, too small.

With ``held_levels`` set to every level below ERROR the same model answers "what would a call
site still write if it were demoted to DEBUG": the bytes of its lines that precede an error in
their invocation.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from logging_config.config import DEFAULT_DEBUG_BUFFER_BYTES
from tools.logreport.lines import ERROR_LEVELS, Line

SiteKey = tuple[str, str, str]  # service, level, template


@dataclass
class _Held:
    lines: deque[tuple[SiteKey, int]] = field(default_factory=deque)
    size: int = 0


@dataclass
class BufferModel:
    """Feed every line (in time order per invocation) with :meth:`add`, then :meth:`finish`."""

    limit: int = DEFAULT_DEBUG_BUFFER_BYTES
    sample_rate: float = 0.0
    held_levels: frozenset[str] = frozenset({"DEBUG"})
    debug_bytes: int = 0
    released_bytes: int = 0
    discarded_bytes: int = 0
    released_by_site: dict[SiteKey, int] = field(default_factory=dict)
    invocations_by_request_id: bool = False
    _held: dict[object, _Held] = field(default_factory=dict)

    def add(self, line: Line, site: SiteKey) -> None:
        key: object
        if line.request_id is not None:
            key = line.request_id
            self.invocations_by_request_id = True
        else:
            key = (line.service, line.correlation_id)
        if line.level in self.held_levels:
            self.debug_bytes += line.size
            self._hold(key, site, line.size + 1)
        elif line.level in ERROR_LEVELS:
            held = self._held.pop(key, None)
            if held is not None:
                for held_site, cost in held.lines:
                    self.released_bytes += cost - 1
                    self.released_by_site[held_site] = (
                        self.released_by_site.get(held_site, 0) + cost - 1
                    )
        elif line.platform in ("END", "REPORT"):
            self._discard(self._held.pop(key, None))

    def _hold(self, key: object, site: SiteKey, cost: int) -> None:
        if cost > self.limit:
            self.discarded_bytes += cost - 1
            return
        held = self._held.get(key)
        if held is None:
            held = self._held[key] = _Held()
        held.lines.append((site, cost))
        held.size += cost
        while held.size > self.limit:
            _old, old_cost = held.lines.popleft()
            held.size -= old_cost
            self.discarded_bytes += old_cost - 1

    def _discard(self, held: _Held | None) -> None:
        if held is not None:
            self.discarded_bytes += sum(cost - 1 for _site, cost in held.lines)

    def finish(self) -> None:
        """End every open invocation (their held lines are discarded)."""
        for held in self._held.values():
            self._discard(held)
        self._held.clear()

    @property
    def written_bytes(self) -> float:
        """Expected DEBUG bytes written with buffering (released + sampled)."""
        return self.released_bytes + self.sample_rate * self.discarded_bytes

    def site_written(self, site: SiteKey, site_bytes: int) -> float:
        """Expected bytes a DEBUG call site still writes with buffering."""
        released = self.released_by_site.get(site, 0)
        return released + self.sample_rate * (site_bytes - released)
