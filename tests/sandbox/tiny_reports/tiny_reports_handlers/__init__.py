"""A schedule-started workflow's two tiny handlers, for the sandbox's and the drills' tests.

``starter`` (the schedule's target) opens a ``reports`` run and publishes ``ReportRequested``;
``finisher`` (behind a bus rule) publishes ``ReportWritten`` (or ``ReportFailed``); ``recorder``
(behind another) puts the run's EMF metrics, which the workflow's alarms watch. The hooks the sandbox looks for:
``runtime.set_transport`` / ``set_clock`` and ``faults.set_fault`` / ``clear_faults`` /
``set_sleeper``. No state: a second start is a second run, which is what a schedule that fires
twice (or a runbook that starts a missed run) makes anyway.
"""

#: The services that have a handler here (the fault switch refuses any other name).
SERVICES = ("starter", "finisher", "recorder")
