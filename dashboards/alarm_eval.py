"""CloudWatch alarm evaluation: from one evaluation range of datapoints to OK, ALARM or
INSUFFICIENT_DATA, following AWS's documentation rule by rule.

moto stores alarms but never evaluates them, so obskit does (DESIGN.md, "Local first"). Sources:
AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, sections "Evaluating an alarm",
"Configuring how CloudWatch alarms treat missing data" (alarms-and-missing-data), "How alarm state
is evaluated when data is missing" and "Avoiding premature transitions to alarm state".

The rules, as implemented by :func:`decide`:

1. CloudWatch reads an *evaluation range* longer than the N Evaluation Periods (the worked tables
   use 5 for N = 3). ``datapoints`` is that range, oldest first, ``None`` for a missing period.
   A range shorter than N is read as if the periods before it were missing.
2. If the range holds at least N real datapoints, the most recent N real ones are evaluated and
   missing ones are skipped: "the value you set for how to treat missing data is not needed and is
   ignored".
3. Otherwise every real datapoint is evaluated and the missing ones are filled in "only as few
   times as possible" (N minus the real ones), per TreatMissingData: ``breaching`` and
   ``notBreaching`` fill them with breaching / non-breaching points.
4. M (Datapoints to Alarm) breaching of the N evaluated → ALARM, fewer → OK.
5. ``missing`` and ``ignore`` fill nothing: M real breaching points still alarm, and a real
   non-breaching point makes the alarm OK (table rows ``0 - - - -`` and ``- - - - 0``). When every
   real point breaches but fewer than M do, the alarm cannot decide: ``missing`` goes to
   INSUFFICIENT_DATA, ``ignore`` keeps the current state ("The current alarm state is
   maintained"). All-missing is the same case with no real point at all.
6. Premature-transition rule, for ``missing``: the alarm goes to ALARM "when the oldest available
   breaching datapoint ... is at least as old as the value of Datapoints to Alarm, and all other
   more recent data points are breaching or missing". Age counts periods back from the newest
   (the newest is 1 period old). AWS's page words the M-out-of-N case with Evaluation Periods
   instead of Datapoints to Alarm, but its own 2-of-3 row ``- - - X -`` (ALARM when missing is
   missing, the X being 2 periods old) needs M, so M it is. The same page's 2-of-3 row
   ``0 - X - -`` stays OK although its X is old enough: a non-breaching real point in the
   range turns the rule off (the older revision of the page says so: "the oldest evaluated data
   point is breaching and there aren't any non-breaching data points"). With ``ignore`` the
   tables keep the current state instead.
7. A new alarm starts in INSUFFICIENT_DATA (the default ``current_state``).

Thresholds: a number for the four scalar operators; for the three band operators of
anomaly-detection alarms either one :class:`Band` / ``(lower, upper)`` pair for every datapoint,
or a sequence with one band per datapoint (``None`` where the band has no value: that period
counts as missing), as ``ANOMALY_DETECTION_BAND`` draws a band per period.

The rest of the evaluator lives next to this module: ``alarm_eval_operators`` (comparisons),
``alarm_eval_store`` (metric store and statistics), ``alarm_eval_math`` (metric math),
``alarm_eval_spec`` (``AlarmSpec`` from PutMetricAlarm's arguments), ``alarm_eval_reason`` (state
reasons) and ``alarm_eval_timeline`` (``AlarmEvaluator``: alarms over a simulated clock).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

from dashboards.alarm_eval_operators import (
    Band,
    breaches,
    check_operator,
    did_you_mean,
    is_band_operator,
    is_real,
)

__all__ = [
    "ALARM",
    "INSUFFICIENT_DATA",
    "OK",
    "STATES",
    "TREAT_MISSING_DATA",
    "Band",
    "Decision",
    "EvaluatedPoint",
    "Threshold",
    "decide",
    "evaluate",
]

OK = "OK"
ALARM = "ALARM"
INSUFFICIENT_DATA = "INSUFFICIENT_DATA"
STATES: tuple[str, ...] = (OK, ALARM, INSUFFICIENT_DATA)
TREAT_MISSING_DATA: tuple[str, ...] = ("missing", "ignore", "breaching", "notBreaching")

# A number, one band for every datapoint, or one band (or None) per datapoint.
Threshold: TypeAlias = (
    float | Band | tuple[float, float] | Sequence[Band | tuple[float, float] | None]
)


@dataclass(frozen=True)
class EvaluatedPoint:
    """One of the N datapoints an evaluation looked at.

    ``index`` is its position in the evaluation range (0 = oldest; negative for a period before
    the range, when the range was shorter than N); ``value`` is None for a filled-in missing
    period.
    """

    index: int
    value: float | None
    breaching: bool


@dataclass(frozen=True)
class Decision:
    """The outcome of one evaluation and why, for state reasons and history.

    ``rule`` is one of: ``"complete"`` (N real points), ``"filled"`` (missing points filled per
    breaching / notBreaching), ``"partial"`` (missing / ignore decided by the real points),
    ``"premature"`` (the premature-transition rule), ``"insufficient"`` (missing, undecidable),
    ``"retained"`` (ignore, undecidable: current state kept).
    """

    state: str
    rule: str
    evaluated: tuple[EvaluatedPoint, ...]
    breaching: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str

    @property
    def filled(self) -> int:
        """How many missing periods were filled in (or, for missing / ignore, left empty)."""
        return sum(1 for point in self.evaluated if point.value is None)


def evaluate(
    datapoints: Sequence[float | None],
    *,
    threshold: Threshold,
    comparison_operator: str,
    evaluation_periods: int,
    datapoints_to_alarm: int,
    treat_missing_data: str = "missing",
    current_state: str = INSUFFICIENT_DATA,
) -> str:
    """The state CloudWatch would set from this evaluation range: "OK", "ALARM" or
    "INSUFFICIENT_DATA". See the module docstring for the rules; :func:`decide` says why."""
    return decide(
        datapoints,
        threshold=threshold,
        comparison_operator=comparison_operator,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        treat_missing_data=treat_missing_data,
        current_state=current_state,
    ).state


def decide(
    datapoints: Sequence[float | None],
    *,
    threshold: Threshold,
    comparison_operator: str,
    evaluation_periods: int,
    datapoints_to_alarm: int,
    treat_missing_data: str = "missing",
    current_state: str = INSUFFICIENT_DATA,
) -> Decision:
    """Like :func:`evaluate`, with the evaluated datapoints and the rule that decided."""
    _check_counts(evaluation_periods, datapoints_to_alarm)
    _check_choice("treat_missing_data", treat_missing_data, TREAT_MISSING_DATA)
    _check_choice("current_state", current_state, STATES)
    check_operator(comparison_operator)
    values = _check_datapoints(datapoints)
    thresholds = _thresholds_per_point(threshold, comparison_operator, len(values))

    real = [
        EvaluatedPoint(i, value, breaches(comparison_operator, value, bound))
        for i, (value, bound) in enumerate(zip(values, thresholds, strict=True))
        if value is not None and bound is not None
    ]
    n, m = evaluation_periods, datapoints_to_alarm

    def done(state: str, rule: str, evaluated: list[EvaluatedPoint]) -> Decision:
        return Decision(
            state=state,
            rule=rule,
            evaluated=tuple(sorted(evaluated, key=lambda point: point.index)),
            breaching=sum(1 for point in evaluated if point.breaching),
            evaluation_periods=n,
            datapoints_to_alarm=m,
            treat_missing_data=treat_missing_data,
        )

    if len(real) >= n:
        recent = real[-n:]
        return done(_m_of_n(recent, m), "complete", recent)

    real_indexes = {point.index for point in real}
    slots = _fill_slots(len(values), real_indexes, n - len(real))
    fill_breaches = treat_missing_data == "breaching"
    evaluated = real + [EvaluatedPoint(i, None, fill_breaches) for i in slots]
    if treat_missing_data in ("breaching", "notBreaching"):
        return done(_m_of_n(evaluated, m), "filled", evaluated)

    real_breaching = sum(1 for point in real if point.breaching)
    if real_breaching >= m:
        return done(ALARM, "partial", evaluated)
    if treat_missing_data == "missing" and _premature(real, len(values), m):
        return done(ALARM, "premature", evaluated)
    if real_breaching < len(real):
        return done(OK, "partial", evaluated)
    if treat_missing_data == "missing":
        return done(INSUFFICIENT_DATA, "insufficient", evaluated)
    return done(current_state, "retained", evaluated)


def _m_of_n(points: list[EvaluatedPoint], datapoints_to_alarm: int) -> str:
    """M breaching of the N evaluated → ALARM; fewer → OK."""
    breaching = sum(1 for point in points if point.breaching)
    return ALARM if breaching >= datapoints_to_alarm else OK


def _premature(real: list[EvaluatedPoint], range_length: int, datapoints_to_alarm: int) -> bool:
    """The premature-transition rule: every real point breaches and the oldest is ≥ M old."""
    if not real or not all(point.breaching for point in real):
        return False
    oldest_age = range_length - real[0].index
    return oldest_age >= datapoints_to_alarm


def _fill_slots(range_length: int, real_indexes: set[int], count: int) -> list[int]:
    """The ``count`` most recent missing periods, continuing before the range if it is short."""
    slots = [i for i in reversed(range(range_length)) if i not in real_indexes][:count]
    before = -1
    while len(slots) < count:
        slots.append(before)
        before -= 1
    return slots


def _check_counts(evaluation_periods: int, datapoints_to_alarm: int) -> None:
    for name, value in (
        ("evaluation_periods", evaluation_periods),
        ("datapoints_to_alarm", datapoints_to_alarm),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name}: expected an integer, got {value!r}")
        if value < 1:
            raise ValueError(f"{name}: must be at least 1, got {value}")
    if datapoints_to_alarm > evaluation_periods:
        raise ValueError(
            f"datapoints_to_alarm: {datapoints_to_alarm} is more than evaluation_periods "
            f"({evaluation_periods}); M of N needs M <= N"
        )


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(
            f"{name}: unknown value {value!r}{did_you_mean(str(value), choices)}; "
            f"expected one of {', '.join(choices)}"
        )


def _check_datapoints(datapoints: Sequence[float | None]) -> list[float | None]:
    if isinstance(datapoints, str | bytes) or not isinstance(datapoints, Sequence):
        raise ValueError(f"datapoints: expected a sequence of numbers or None, got {datapoints!r}")
    values: list[float | None] = []
    for i, value in enumerate(datapoints):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"datapoints[{i}]: expected a number or None, got {value!r}")
        values.append(float(value) if is_real(value) else None)  # type: ignore[arg-type]
    return values


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_band(value: object, where: str) -> Band:
    if not (isinstance(value, tuple) and len(value) == 2 and all(map(_is_number, value))):
        raise ValueError(f"{where}: expected a band (lower, upper), got {value!r}")
    band = Band(float(value[0]), float(value[1]))
    if band.lower > band.upper:
        raise ValueError(f"{where}: the band's lower bound {band.lower} is above its upper bound")
    return band


def _thresholds_per_point(
    threshold: Threshold, comparison_operator: str, count: int
) -> list[float | Band | None]:
    """One threshold per datapoint, after checking it fits the operator."""
    if is_band_operator(comparison_operator):
        if _is_number(threshold):
            raise ValueError(
                f"threshold: {comparison_operator} is a band operator and needs a band "
                f"(lower, upper) or one band per datapoint, got the number {threshold!r}"
            )
        if isinstance(threshold, tuple) and len(threshold) == 2 and all(map(_is_number, threshold)):
            return [_as_band(threshold, "threshold")] * count
        if not isinstance(threshold, Sequence) or isinstance(threshold, str | bytes):
            raise ValueError(
                f"threshold: expected a band or a sequence of bands, got {threshold!r}"
            )
        if len(threshold) != count:
            raise ValueError(
                f"threshold: {len(threshold)} bands for {count} datapoints; give one per datapoint"
            )
        return [
            None if band is None else _as_band(band, f"threshold[{i}]")
            for i, band in enumerate(threshold)
        ]
    if not _is_number(threshold):
        raise ValueError(
            f"threshold: {comparison_operator} compares with a number, got {threshold!r}"
        )
    return [float(threshold)] * count  # type: ignore[arg-type]
