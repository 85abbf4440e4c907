"""What every scenario template needs: the catalog, the generated names, and command builders.

Alarm, dashboard and query names are derived with the same functions the generators use
(``dashboards.naming``, the query library's ``<system>/<category>/<name>``), never typed by hand,
so a renamed resource renames its runbook entry too. ``obskit runbook check`` then proves each
name really is generated.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from catalog.models import Catalog, Service
from dashboards.facades.event_type import HOP_LATENCY_WHAT, hop_monitored
from dashboards.naming import alarm_name, event_resource, prefix

ACCOUNT_VAR = "${AWS_ACCOUNT_ID}"
"""Shell variable the operator (or the drill runner) sets to the account id, for ARNs."""
INCIDENT_START = "<incident-start>"
"""The incident window's start, read off the alarm timeline (a minute before the first alarm's
first breaching period). Queries and traces name it rather than an age such as ``1h``: an age
counts back from when the command runs, which misses an incident an operator reaches late (or
a drill's, which happened on a simulated clock); the drill fills it in as the operator would."""
FIX_TIME = "<fix-time>"
"""When the fix went in: a verification query reads from it, so errors before the fix do not
hide that the errors stopped."""


@dataclass(frozen=True)
class CatalogArgs:
    """How ``obskit`` commands in the runbook name the catalog: ``--catalog`` / ``--stage``.

    Empty for the embedded example at its own stage, so the rendered commands stay short.
    """

    catalog: str | None = None
    stage: str | None = None

    def options(self) -> list[str]:
        out: list[str] = []
        if self.catalog:
            out += ["--catalog", self.catalog]
        if self.stage:
            out += ["--stage", self.stage]
        return out


@dataclass(frozen=True)
class ScenarioContext:
    catalog: Catalog
    args: CatalogArgs = CatalogArgs()

    # ---- names -------------------------------------------------------------------------------
    def alarm(self, resource: str, what: str) -> str:
        return alarm_name(self.catalog.system, self.catalog.stage, resource, what)

    def hop_alarm(self, event_type: str) -> str | None:
        """``event_type``'s hop-latency alarm, None when it gets none (no hop SLA or consumer)."""
        if all(e.name != event_type for e in hop_monitored(self.catalog)):
            return None
        return self.alarm(event_resource(event_type), HOP_LATENCY_WHAT)

    @property
    def dashboard(self) -> str:
        return prefix(self.catalog.system, self.catalog.stage)

    def query(self, tail: str) -> str:
        """The full saved-query name for ``<category>/<name>``."""
        return f"{self.catalog.system}/{tail}"

    def function(self, service: Service) -> str:
        return service.function_name or f"{self.catalog.system}-{self.catalog.stage}-{service.name}"

    def topic_arn(self, topic: str) -> str:
        return f"arn:aws:sns:{self.catalog.region}:{ACCOUNT_VAR}:{topic}"

    # ---- commands ----------------------------------------------------------------------------
    def aws(self, service: str, operation: str, *args: str) -> str:
        """``aws <service> <operation> ARGS --region <catalog region>``, shell-quoted."""
        words = ["aws", service, operation, *args, "--region", self.catalog.region]
        return _join(words)

    def obskit(self, *words: str, catalog: bool = True, region: bool = False) -> str:
        """``obskit WORDS`` plus ``--catalog/--stage`` (for commands that read the catalog)."""
        out = ["obskit", *words]
        if catalog:
            out += self.args.options()
        if region:
            out += ["--region", self.catalog.region]
        return _join(out)

    def query_command(self, tail: str, since: str = INCIDENT_START) -> str:
        return self.obskit("query", "--query-name", tail, "--since", since, region=True)

    def trace_last(self, workflow: str, since: str = INCIDENT_START) -> str:
        """Trace the latest run of ``workflow`` started in the window (its text output ends
        with the run's status and the last step it reached)."""
        return self.obskit("trace", "--last", workflow, "--since", since, region=True)

    def dlq_inspect(self, queue: str) -> str:
        return self.obskit("dlq", "inspect", queue, catalog=False, region=True)

    def escalation(self) -> tuple[str, ...]:
        """Who to call and when, from the catalog's notifications (never invented)."""
        notes = self.catalog.notifications
        lines = [f"Alarms notify SNS topic `{notes.alerts_topic}`."]
        topic = next((t for t in self.catalog.topics if t.name == notes.alerts_topic), None)
        if topic is not None and topic.subscriptions:
            who = ", ".join(f"{s.protocol} {s.endpoint}" for s in topic.subscriptions)
            lines.append(f"It delivers to: {who}.")
        if notes.on_call:
            lines.append(f"On call: {notes.on_call}.")
        for step in notes.escalation:
            when = "immediately" if step.after_minutes == 0 else f"after {step.after_minutes} min"
            lines.append(f"Unresolved {when}: call {step.contact}.")
        return tuple(lines)


def _join(words: list[str]) -> str:
    """Shell-quote each word, but leave ``${VAR}`` and ``<placeholder>`` readable."""
    out = []
    for word in words:
        if ACCOUNT_VAR in word and all(c not in word for c in " '\"\\"):
            out.append(f'"{word}"')
        elif word.startswith("<") and word.endswith(">") and " " not in word:
            out.append(word)
        else:
            out.append(shlex.quote(word))
    return " ".join(out)
