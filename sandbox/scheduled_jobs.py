"""Scheduled jobs in the sandbox: each schedule that starts no workflow fires on its own clock.

A workflow's schedule is the workflow's entry point: ``run`` and the drills start those runs
when asked (:mod:`sandbox.workload`). A schedule that starts no workflow (a nightly sweep, a
report) is nobody's entry point, so on AWS it simply fires at each of its run times; here it
fires at each run time the simulated clock passes (:func:`catalog.cron_runs.run_times`, in the
schedule's time zone). EventBridge Scheduler invokes a Lambda target asynchronously
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets.html), so each run is a
scheduled event on the target function's delivery queue, the sandbox's stand-in for Lambda's
asynchronous-invocation queue: retries, throttles and the asynchronous metrics follow.

A ``rate(...)`` schedule runs every interval from when it was created; a catalog has no creation
time, so the sandbox counts from the Unix epoch (``rate(5 minutes)`` fires at :00, :05, …),
which keeps successive ``sandbox run``\\ s on one timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.cron_runs import run_times
from catalog.models import Catalog, Schedule
from dashboards.facades.scheduled_job import scheduled_jobs

LOOKAHEAD_S = 8 * 86400.0
"""How far ahead the next run is looked for (a weekly job runs within a week); a schedule with
nothing in that span is looked at again once the clock gets there."""


@dataclass
class ScheduledJobs:
    """The jobs' next run times, and which are due as the clock moves."""

    schedules: list[Schedule]
    since: float
    """Runs at or before this moment have been handled (or predate the sandbox)."""
    _next: dict[str, float | None] = field(default_factory=dict)

    @classmethod
    def of(cls, catalog: Catalog, since: float, has_queue: set[str]) -> ScheduledJobs:
        """The catalog's jobs whose target the sandbox can invoke asynchronously (it has a
        delivery queue, ``has_queue``), counting from ``since``."""
        chosen = [s for s, job in scheduled_jobs(catalog) if job.name in has_queue]
        return cls(chosen, since)

    def next_due(self) -> float | None:
        """The earliest run time after :attr:`since`, None when there is none in sight."""
        times = [t for t in (self._next_of(s) for s in self.schedules) if t is not None]
        return min(times, default=None)

    def due(self, now: float) -> list[Schedule]:
        """The schedules with a run time in ``(since, now]``, once per run, oldest first."""
        if now <= self.since:
            return []
        fired: list[tuple[float, int, Schedule]] = []
        for index, schedule in enumerate(self.schedules):
            for moment in run_times(schedule.expression, schedule.timezone, self.since, now):
                fired.append((moment, index, schedule))
        self.since = now
        self._next.clear()
        return [schedule for _, _, schedule in sorted(fired, key=lambda f: (f[0], f[1]))]

    def _next_of(self, schedule: Schedule) -> float | None:
        if schedule.name not in self._next:
            upcoming = run_times(
                schedule.expression, schedule.timezone, self.since, self.since + LOOKAHEAD_S
            )
            self._next[schedule.name] = next(iter(upcoming), None)
        return self._next[schedule.name]
