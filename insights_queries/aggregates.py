"""The aggregate functions of ``stats``, as accumulators fed one event at a time.

Per https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Stats.html and the
"Aggregation functions in the stats command" table of the functions page:
- ``count(*)`` / ``count()`` count events; ``count(field)`` counts events where the field exists;
- ``count_distinct`` counts distinct values (exactly here; AWS approximates past 10,000);
- ``sum``/``avg``/``min``/``max``/``stddev`` use the numeric values and skip the rest;
- ``pct(field, p)``: the value below which p percent of the values lie (nearest rank);
- ``earliest``/``latest``: the value from the event with the earliest/latest ``@timestamp``.
Only what an aggregate needs is kept: counters and running sums; for ``pct``, a count per distinct
integer while every value is an integer (memory stays flat however many lines there are), a list
once any other number comes.

``extend`` feeds a whole column of values at once (the compiled plans of
:mod:`insights_queries.compiled_stats`); it gives what calling ``add`` value by value would.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

from insights_queries.ast import Call, Number, Star
from insights_queries.evaluate import Evaluator, Event, QueryError, compile_expr, event_timestamp
from insights_queries.values import to_number, to_text


class Accumulator:
    """One aggregate's running state for one group."""

    __slots__ = ()
    counts_any_value = False  # add_counted takes values of any type (else integers or None)

    def add(self, event: Event) -> None:
        raise NotImplementedError

    def extend(self, values: list[Any]) -> None:
        """Add a column of values (each what ``add`` would read from its event), in order."""
        raise NotImplementedError

    def order_free(self) -> bool:
        """Whether the order of the values to come cannot change the result, so they may be
        given counted (:meth:`add_counted`) instead of in line order."""
        return False

    def add_counted(self, counted: list[tuple[Any, int]]) -> None:
        """Add each value as often as its count says (only when :meth:`order_free`)."""
        raise NotImplementedError

    def result(self) -> Any:
        raise NotImplementedError


class CountAll(Accumulator):
    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0

    def add(self, event: Event) -> None:
        self.n += 1

    def extend(self, values: list[Any]) -> None:
        self.n += len(values)

    counts_any_value = True

    def order_free(self) -> bool:
        return True

    def add_counted(self, counted: list[tuple[Any, int]]) -> None:
        self.n += sum(n for _value, n in counted)

    def result(self) -> Any:
        return self.n


class CountPresent(Accumulator):
    __slots__ = ("n", "value")

    def __init__(self, value: Evaluator) -> None:
        self.value = value
        self.n = 0

    def add(self, event: Event) -> None:
        if self.value(event) is not None:
            self.n += 1

    def extend(self, values: list[Any]) -> None:
        self.n += len(values) - values.count(None)

    counts_any_value = True

    def order_free(self) -> bool:
        return True

    def add_counted(self, counted: list[tuple[Any, int]]) -> None:
        self.n += sum(n for value, n in counted if value is not None)

    def result(self) -> Any:
        return self.n


class CountDistinct(Accumulator):
    __slots__ = ("seen", "value")

    def __init__(self, value: Evaluator) -> None:
        self.value = value
        self.seen: set[Any] = set()

    def add(self, event: Event) -> None:
        v = self.value(event)
        if v is not None:
            self.seen.add(v if isinstance(v, str | int | float) else to_text(v))

    def extend(self, values: list[Any]) -> None:
        seen = self.seen
        for v in values:
            if v is not None:
                seen.add(v if isinstance(v, str | int | float) else to_text(v))

    counts_any_value = True

    def order_free(self) -> bool:
        return True

    def add_counted(self, counted: list[tuple[Any, int]]) -> None:
        self.extend([value for value, _n in counted])

    def result(self) -> Any:
        return len(self.seen)


class Moments(Accumulator):
    """Count, sum, min, max and (Welford) variance of the numeric values."""

    __slots__ = ("kind", "maximum", "mean", "minimum", "m2", "n", "total", "value")

    def __init__(self, value: Evaluator, kind: str) -> None:
        self.value = value
        self.kind = kind
        self.n = 0
        self.total: float = 0
        self.minimum: float | None = None
        self.maximum: float | None = None
        self.mean = 0.0
        self.m2 = 0.0

    def add(self, event: Event) -> None:
        x = to_number(self.value(event))
        if x is not None:
            self._add(x)

    def extend(self, values: list[Any]) -> None:
        numbers = to_numbers(values)
        exact = self.kind != "stddev" and self.total.__class__ is int
        if exact and numbers and set(map(type, numbers)) == {int}:
            # integers: exact in any order, so the builtins (floats are added one by one, in
            # order, as ``add`` would: another order may change a float sum's last bits)
            low, high = min(numbers), max(numbers)
            self.n += len(numbers)
            self.total += sum(numbers)
            if self.minimum is None or low < self.minimum:
                self.minimum = low
            if self.maximum is None or high > self.maximum:
                self.maximum = high
            return
        for x in numbers:
            self._add(x)

    def order_free(self) -> bool:
        """Integer sums are exact in any order (a float total is not)."""
        return self.kind != "stddev" and self.total.__class__ is int

    def add_counted(self, counted: list[tuple[Any, int]]) -> None:
        for x, n in counted:  # integers or None (the caller checks)
            if x is None:
                continue
            self.n += n
            self.total += x * n
            if self.minimum is None or x < self.minimum:
                self.minimum = x
            if self.maximum is None or x > self.maximum:
                self.maximum = x

    def _add(self, x: float) -> None:
        self.n += 1
        self.total += x
        if self.minimum is None or x < self.minimum:
            self.minimum = x
        if self.maximum is None or x > self.maximum:
            self.maximum = x
        if self.kind == "stddev":
            delta = x - self.mean
            self.mean += delta / self.n
            self.m2 += delta * (x - self.mean)

    def result(self) -> Any:
        if self.n == 0:
            return None
        if self.kind == "sum":
            return self.total
        if self.kind == "avg":
            return self.total / self.n
        if self.kind == "min":
            return self.minimum
        if self.kind == "max":
            return self.maximum
        # sample standard deviation
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else 0.0


class Percentile(Accumulator):
    """Nearest-rank percentile. While every value is an integer, a count per distinct value is
    kept (equal integers are interchangeable, so their order does not matter); the first other
    number turns the counts into a list, which then keeps the values in order (``sorted`` is
    stable, so of equal values such as ``1`` and ``1.0`` the one that came first ranks first)."""

    __slots__ = ("counts", "percent", "value", "values")

    def __init__(self, value: Evaluator, percent: float) -> None:
        self.value = value
        self.percent = percent
        self.counts: Counter[int] = Counter()
        self.values: list[float] = []

    def add(self, event: Event) -> None:
        x = to_number(self.value(event))
        if x is None:
            return
        if x.__class__ is int and not self.values:
            self.counts[x] += 1
        else:
            if self.counts:
                self.spill()
            self.values.append(x)

    def extend(self, values: list[Any]) -> None:
        numbers = to_numbers(values)
        if not self.values and set(map(type, numbers)) <= {int}:
            self.counts.update(numbers)
            return
        if self.counts:
            self.spill()
        self.values.extend(numbers)

    def order_free(self) -> bool:
        """While counting integers (no list yet), order does not matter."""
        return not self.values

    def add_counted(self, counted: list[tuple[Any, int]]) -> None:
        counts = self.counts
        for x, n in counted:  # integers or None (the caller checks)
            if x is not None:
                counts[x] += n

    def spill(self) -> None:
        """From counts to a list (before the first value that is not an integer)."""
        self.values = list(self.counts.elements()) + self.values
        self.counts = Counter()

    def merge(self, later: Percentile) -> None:
        """Add the values of ``later`` (which came after this one's)."""
        if not self.values and not later.values:
            self.counts.update(later.counts)
            return
        if self.counts:
            self.spill()
        self.values.extend(later.counts.elements() if later.counts else later.values)

    def result(self) -> Any:
        if self.counts:
            total = self.counts.total()
            rank = min(max(math.ceil(self.percent / 100 * total), 1), total)
            for value, n in sorted(self.counts.items()):
                rank -= n
                if rank <= 0:
                    return value
        if not self.values:
            return None
        ordered = sorted(self.values)
        rank = max(math.ceil(self.percent / 100 * len(ordered)), 1)
        return ordered[min(rank, len(ordered)) - 1]


class Extreme(Accumulator):
    """``earliest``/``latest``: the value at the smallest/largest ``@timestamp``."""

    __slots__ = ("best", "has", "latest", "value", "when")

    def __init__(self, value: Evaluator, latest: bool) -> None:
        self.value = value
        self.latest = latest
        self.has = False
        self.when: int = 0
        self.best: Any = None

    def add(self, event: Event) -> None:
        v = self.value(event)
        if v is None:
            return
        when = event_timestamp(event)
        when = 0 if when is None else int(when)
        if (
            not self.has
            or (self.latest and when >= self.when)
            or (not self.latest and when < self.when)
        ):
            self.has, self.when, self.best = True, when, v

    def result(self) -> Any:
        return self.best


def to_numbers(values: list[Any]) -> list[Any]:
    """The numbers of ``values`` (``to_number`` of each, missing ones left out), in order;
    ``values`` itself when they are all numbers already (one pass in C)."""
    if set(map(type, values)) <= _NUMBER_TYPES:
        return values
    numbers = [v if v.__class__ is int or v.__class__ is float else to_number(v) for v in values]
    if None in numbers:
        return [x for x in numbers if x is not None]
    return numbers


_NUMBER_TYPES = frozenset({int, float})
AccumulatorFactory = Callable[[], Accumulator]


def accumulator_factory(call: Call) -> AccumulatorFactory:
    """A constructor of fresh accumulators (one per group) for an aggregate call."""
    name = call.name
    if name == "count":
        if not call.args or isinstance(call.args[0], Star):
            return CountAll
        counted = compile_expr(call.args[0])
        return lambda: CountPresent(counted)
    value = compile_expr(call.args[0])
    if name == "count_distinct":
        return lambda: CountDistinct(value)
    if name in ("sum", "avg", "min", "max", "stddev"):
        return lambda: Moments(value, name)
    if name in ("pct", "percentile"):
        percent = call.args[1]
        if not isinstance(percent, Number) or not 0 <= percent.value <= 100:
            raise QueryError(f"{name} needs a percentile between 0 and 100 as its second argument")
        p = float(percent.value)
        return lambda: Percentile(value, p)
    if name in ("earliest", "latest"):
        latest = name == "latest"
        return lambda: Extreme(value, latest)
    raise QueryError(f"{name} is not an aggregate function")
