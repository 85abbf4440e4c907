"""The alarms as CloudWatch would run them: deployed with ``obskit deploy``'s logic, evaluated by
:class:`~dashboards.alarm_eval_timeline.AlarmEvaluator` on the simulated clock, mirrored to moto.

moto stores alarms but never evaluates them and starts them at OK. The sandbox deploys the
generated alarms and dashboards through :mod:`dashboards.deploy_aws` (what ``obskit deploy``
runs), evaluates the same PutMetricAlarm arguments itself, and on every transition: writes the
new state to the endpoint with SetAlarmState (so ``describe-alarms`` tells the truth; all start
in INSUFFICIENT_DATA as on AWS) and runs the alarm's actions for that state — an SNS topic gets
the JSON message CloudWatch publishes (AlarmName, NewStateValue, OldStateValue, NewStateReason,
StateChangeTime, ...), with the subject ``ALARM: "<name>" in <region name>``.
Composite alarms are evaluated here too, over the metric alarms' states, with their own
transitions and notifications (:mod:`dashboards.alarm_eval_composite`); they are deployed where
the endpoint can store them, and their state is mirrored only there (moto_server has no
PutCompositeAlarm: the sandbox's :meth:`AlarmRunner.states` is where a drill reads them).
How soon an alarm sees a datapoint follows :mod:`dashboards.alarm_eval_timing`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from catalog.models import Catalog
from dashboards.alarm_eval_composite import CompositeSpec
from dashboards.alarm_eval_spec import AlarmSpec
from dashboards.alarm_eval_store import InMemoryMetricStore
from dashboards.alarm_eval_timeline import AlarmEvaluator, AlarmNotification, StateTransition
from dashboards.alarm_eval_timing import AWS_TIMING, AlarmTiming
from dashboards.deploy_aws import AwsClients, DeployReport, deploy
from dashboards.deploy_plan import DesiredState, desired_state
from sandbox.aws import Clients

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-central-1": "EU (Frankfurt)",
}
MAX_REASON = 1023


@dataclass
class DeployedMonitoring:
    desired: DesiredState
    report: DeployReport | None
    specs: list[AlarmSpec] = field(default_factory=list)
    composites: list[CompositeSpec] = field(default_factory=list)


def deploy_monitoring(catalog: Catalog, clients: Clients, account_id: str) -> DeployedMonitoring:
    """Generate and apply the catalog's alarms and dashboards, as ``obskit deploy`` does."""
    aws = AwsClients(cloudwatch=clients.cloudwatch, logs=clients.logs, sts=clients.sts)
    desired = desired_state(catalog, account_id, clients.region)
    report = deploy(aws, desired)
    specs = [AlarmSpec.from_put_metric_alarm_kwargs(kwargs) for kwargs in desired.alarms.values()]
    composites = [
        CompositeSpec.from_put_composite_alarm_kwargs(kwargs)
        for kwargs in desired.composites.values()
    ]
    return DeployedMonitoring(desired, report, specs, composites)


def alarm_message(
    notification: AlarmNotification,
    spec: AlarmSpec | CompositeSpec,
    account_id: str,
    region: str,
) -> dict[str, Any]:
    """The JSON CloudWatch publishes to an SNS alarm action (a composite alarm's names its
    AlarmRule where a metric alarm's has its Trigger)."""
    common = {
        "AlarmName": notification.alarm_name,
        "AlarmDescription": None,
        "AWSAccountId": account_id,
        "NewStateValue": notification.new_state,
        "NewStateReason": notification.reason,
        "StateChangeTime": notification.timestamp.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "Region": REGION_NAMES.get(region, region),
        "AlarmArn": f"arn:aws:cloudwatch:{region}:{account_id}:alarm:{notification.alarm_name}",
        "OldStateValue": notification.old_state,
        "OKActions": list(spec.ok_actions),
        "AlarmActions": list(spec.alarm_actions),
        "InsufficientDataActions": list(spec.insufficient_data_actions),
    }
    if isinstance(spec, CompositeSpec):
        return {**common, "AlarmRule": spec.rule}
    return {
        **common,
        "Trigger": {
            "MetricName": spec.metric_name,
            "Namespace": spec.namespace,
            "Statistic": spec.statistic,
            "Period": spec.evaluation_period,
            "EvaluationPeriods": spec.evaluation_periods,
            "ComparisonOperator": spec.comparison_operator,
            "Threshold": spec.threshold,
            "TreatMissingData": spec.treat_missing_data,
        },
    }


def alarm_subject(notification: AlarmNotification, region: str) -> str:
    subject = f'{notification.new_state}: "{notification.alarm_name}" in {REGION_NAMES.get(region, region)}'
    return subject[:100]


class AlarmRunner:
    """Evaluate, mirror, notify."""

    def __init__(
        self,
        specs: list[AlarmSpec],
        store: InMemoryMetricStore,
        clients: Clients,
        *,
        start: datetime,
        account_id: str,
        publish: Callable[[str, str, str], bool],
        mirror: bool = True,
        composites: list[CompositeSpec] | None = None,
        timing: AlarmTiming = AWS_TIMING,
    ) -> None:
        self._specs: dict[str, AlarmSpec | CompositeSpec] = {spec.name: spec for spec in specs}
        self._specs.update({c.name: c for c in composites or []})
        self._clients = clients
        self._account = account_id
        self._publish = publish
        self._mirror = mirror
        self.notifications: list[AlarmNotification] = []
        self.evaluator = AlarmEvaluator(
            store,
            specs,
            start=start,
            notify=self._notify,
            timing=timing,
            composites=composites or (),
        )
        # moto creates alarms in OK; the first mirror() moves them to their real state.
        self._mirrored = {spec.name: "OK" for spec in specs}
        self._unmirrorable: set[str] = set()
        """Composite alarms the endpoint does not hold (moto_server cannot store them)."""

    def read_mirrored(self) -> None:
        """Take the endpoint's current alarm states as what is mirrored (one DescribeAlarms
        per 100 alarms): on an endpoint an earlier sandbox ran on (a second ``sandbox run``),
        states are not moto's initial OK, and an alarm that ends this run in OK while the
        endpoint still says INSUFFICIENT_DATA or ALARM would otherwise never be written."""
        if not self._mirror:
            return
        paginator = self._clients.cloudwatch.get_paginator("describe_alarms")
        for page in paginator.paginate(AlarmTypes=["MetricAlarm"], MaxRecords=100):
            for alarm in page.get("MetricAlarms", []):
                if alarm["AlarmName"] in self._mirrored:
                    self._mirrored[alarm["AlarmName"]] = alarm["StateValue"]

    @property
    def timing(self) -> AlarmTiming:
        return self.evaluator.timing

    def advance_to(self, until: datetime) -> list[StateTransition]:
        return self.evaluator.advance_to(until)

    def mirror(self) -> int:
        """Write every state that changed since the last mirror to the endpoint (SetAlarmState)."""
        if not self._mirror:
            return 0
        changed = 0
        for name, state in self.evaluator.states().items():
            if self._mirrored.get(name) == state or name in self._unmirrorable:
                continue
            history = self.evaluator.history(name)
            reason = history[-1].reason if history else "Unchecked: Initial alarm creation"
            try:
                self._set_state(name, state, reason)
            except ClientError as error:
                composite = isinstance(self._specs.get(name), CompositeSpec)
                if not composite or error.response.get("Error", {}).get("Code") not in (
                    "ResourceNotFound",
                    "ResourceNotFoundException",
                ):
                    raise
                self._unmirrorable.add(name)
                continue
            self._mirrored[name] = state
            changed += 1
        return changed

    def states(self) -> dict[str, str]:
        return self.evaluator.states()

    def _set_state(self, name: str, state: str, reason: str) -> None:
        self._clients.cloudwatch.set_alarm_state(
            AlarmName=name, StateValue=state, StateReason=reason[:MAX_REASON] or state
        )

    def _notify(self, notification: AlarmNotification) -> None:
        self.notifications.append(notification)
        spec = self._specs[notification.alarm_name]
        message = alarm_message(notification, spec, self._account, self._clients.region)
        self._publish(
            notification.action,
            alarm_subject(notification, self._clients.region),
            json.dumps(message),
        )
