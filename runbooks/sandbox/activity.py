"""Which queues changed, so the sandbox only asks the endpoint about those.

Every call to moto_server is an HTTP round trip (tens of milliseconds on a small machine); polling
nine empty queues and sampling a dozen idle ones every simulated minute would make an hour of
alarm periods take minutes. Everything that changes a queue through the sandbox marks it here: a
send, a release of a held message, a delete (which unblocks a FIFO group), a receive (after which
moto may have redriven a message to the queue's DLQ). A poller skips a queue nobody touched since
it was last found empty; the sampler re-reads touched queues and reuses the last depth for the
rest, with a full re-read every ``FULL_SAMPLE_EVERY`` samples to catch changes made by tools
outside the sandbox.
"""

from __future__ import annotations

from collections.abc import Iterable

FULL_SAMPLE_EVERY = 10


class Activity:
    def __init__(self, queues: Iterable[str]) -> None:
        names = set(queues)
        self._to_poll: set[str] = set(names)
        self._to_sample: set[str] = set(names)
        self._samples = 0

    def touched(self, queue: str | None) -> None:
        if queue is not None:
            self._to_poll.add(queue)
            self._to_sample.add(queue)

    def needs_poll(self, queue: str) -> bool:
        return queue in self._to_poll

    def found_empty(self, queue: str) -> None:
        self._to_poll.discard(queue)

    def to_sample(self, every: Iterable[str]) -> set[str]:
        """The queues to re-read at this sample (all of them every ``FULL_SAMPLE_EVERY``)."""
        self._samples += 1
        chosen = set(every) if self._samples % FULL_SAMPLE_EVERY == 1 else set(self._to_sample)
        self._to_sample.clear()
        return chosen
