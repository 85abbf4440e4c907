"""Which queues changed, so the sandbox only asks the endpoint about those.

Every call to moto_server is an HTTP round trip (tens of milliseconds on a small machine); polling
nine empty queues and sampling a dozen idle ones every simulated minute would make an hour of
alarm periods take minutes. Everything that changes a queue through the sandbox marks it here: a
send, a release of a held message, a delete from a FIFO queue (which unblocks its group), a
receive (after which moto may have redriven a message to the queue's DLQ) :meth:`touched` it; a
delete from a standard queue only :meth:`changed` it (its depth, not what a receive can return).
A poller skips a queue nobody touched since it was last found empty; the sampler re-reads
touched and changed queues and reuses the last depth for the rest. A queue its poller left
:meth:`drained` (found empty since the last touch, nothing held in flight, every handled message
deleted) holds nothing at all, so the sampler records zeros for it without asking: most queues
take one event a minute and are drained before the minute's sample.

Tools outside the sandbox (a runbook command, ``obskit dlq replay``) can change any queue while
the sandbox waits; the sandbox hands the endpoint over with ``Sandbox.flush`` (a drill flushes
before every command), which calls :meth:`Activity.handed_over`: the next sample re-reads every
queue, so a DLQ a replay emptied reports its real depth at once. What the endpoint changes by
itself on its wall clock (a visibility timeout set by such a tool running out) is caught by a
full re-read every ``FULL_SAMPLE_EVERY`` samples (a simulated hour). Polling is left as it was: a
message such a tool puts in a queue found empty waits until the sandbox touches that queue (a
poll then receives it too). Polling every queue after a hand-over, as Lambda's pollers would,
processes replayed events minutes earlier and changes what some drills see; that is the drill
runner's call, not a speed-up.
"""

from __future__ import annotations

from collections.abc import Iterable

FULL_SAMPLE_EVERY = 60


class Activity:
    def __init__(self, queues: Iterable[str]) -> None:
        self._names = frozenset(queues)
        self._to_poll: set[str] = set(self._names)
        self._to_sample: set[str] = set(self._names)
        self._drained: set[str] = set()
        self._samples = 0

    def handed_over(self) -> None:
        """Anything may have changed any queue: re-read every one of them at the next sample."""
        self._to_sample |= self._names
        self._drained.clear()

    def touched(self, queue: str | None) -> None:
        if queue is not None:
            self._to_poll.add(queue)
            self._to_sample.add(queue)
            self._drained.discard(queue)

    def changed(self, queue: str) -> None:
        """Its depth changed, but a receive finds nothing new (a delete from a standard queue)."""
        self._to_sample.add(queue)

    def needs_poll(self, queue: str) -> bool:
        return queue in self._to_poll

    def found_empty(self, queue: str) -> None:
        self._to_poll.discard(queue)

    def drained(self, queue: str) -> None:
        """Its poller found it empty since the last touch and holds nothing of it: no message
        is visible, in flight or delayed (the sandbox never sends with a delay)."""
        if queue not in self._to_poll:
            self._drained.add(queue)

    def is_drained(self, queue: str) -> bool:
        return queue in self._drained

    def to_sample(self, every: Iterable[str]) -> set[str]:
        """The queues to re-read at this sample (all of them every ``FULL_SAMPLE_EVERY``)."""
        self._samples += 1
        chosen = set(every) if self._samples % FULL_SAMPLE_EVERY == 1 else set(self._to_sample)
        self._to_sample.clear()
        return chosen
