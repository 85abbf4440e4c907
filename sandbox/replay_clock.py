"""The sandbox's side of archive replay: hand moto_server the simulated time, take what it replayed.

Replays run inside moto_server (:mod:`sandbox.archive_replay`) on the sandbox's simulated clock,
which only the sandbox moves. So the sandbox tells the server its time (``POST
/obskit-api/replay-clock``) when it hands the endpoint over (a runbook command may validate a
window against "now" or start a replay) and while a replay is under way, at each step the
server says is due; the answer carries what the replay put on queues, which the sandbox then
accounts for (ledger, metrics) like any other delivery.

One call per hand-over and one per replay step: nothing when no replay runs.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from sandbox.errors import SandboxError

CLOCK_PATH = "/obskit-api/replay-clock"


@dataclass(frozen=True)
class Replayed:
    bus: str
    rule: str
    queue: str
    body: str


@dataclass(frozen=True)
class ReplayTick:
    active: int
    next_due: float | None
    delivered: list[Replayed] = field(default_factory=list)


class ReplayClock:
    """The link to one endpoint's replay engine; inert when the endpoint has none."""

    def __init__(self, endpoint_url: str) -> None:
        self._url = endpoint_url.rstrip("/") + CLOCK_PATH
        self.available = True
        self.unknown = True
        """A command may have started a replay since the last tick."""
        self.next_due: float | None = None

    def tick(self, now: float) -> ReplayTick:
        """Tell the server it is ``now``; what is still active, when next, what was delivered."""
        if not self.available:
            self.unknown = False
            return ReplayTick(0, None)
        request = urllib.request.Request(
            self._url,
            data=json.dumps({"now": now}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 404:  # not the sandbox's moto_server: no replay engine there
                self.available = False
                self.unknown = False
                return ReplayTick(0, None)
            raise SandboxError(f"{self._url}: {error.code} {error.reason}") from None
        except (urllib.error.URLError, OSError) as error:
            raise SandboxError(f"{self._url}: {error}") from None
        self.unknown = False
        active = int(answer.get("active") or 0)
        self.next_due = answer.get("next_due") if active else None
        delivered = [Replayed(**item) for item in answer.get("delivered") or []]
        return ReplayTick(active, self.next_due, delivered)

    def due(self, now: float) -> float | None:
        """When the sandbox should tick next: at once if a replay may have started, else at the
        server's next step (None: no replay)."""
        if self.unknown:
            return now
        return self.next_due

    @property
    def busy(self) -> bool:
        return self.unknown or self.next_due is not None
