"""What a workflow's logs cost in CloudWatch Logs: ingestion, storage and Logs Insights scans.

Default prices are CloudWatch Logs' Standard log class in US East (N. Virginia), as listed on
https://aws.amazon.com/cloudwatch/pricing/ (checked November 2026; unchanged since at least
February 2026): collect (data ingestion) $0.50 per GB, store (archival) $0.03 per GB-month of
compressed data, Logs Insights $0.005 per GB scanned. Other regions and the Infrequent Access
class differ: every price is an option.

Arithmetic (docs/log-volume.md explains it with the Alchemiser numbers), for B bytes per
workflow and W workflows a day:

- GB is 2^30 bytes: AWS meters usage in binary gigabytes while labelling them GB.
- ingestion = B / GB x ingest price (Insights scans the same uncompressed bytes);
- storage: CloudWatch bills archived data after compression. The stored fraction defaults to
  0.15, the "storage compression factor" the AWS Pricing Calculator assumes for CloudWatch Logs;
  a workflow's lines are kept ``retention_days`` days, so they cost
  B x fraction / GB x storage price x retention_days / days-per-month;
- scan = B / GB x scan price: one Logs Insights query over those lines;
- a month is 730 hours (30.4167 days), as AWS's pricing examples use; per day = per workflow
  x W; per month = per day x 30.4167. At steady state the storage term per month equals the
  stored volume (a day's compressed bytes x retention days) x storage price, so the same product
  holds for all three terms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

GB = 2**30
DAYS_PER_MONTH = 730 / 24
DEFAULT_INGEST_PER_GB = 0.50
DEFAULT_STORAGE_PER_GB_MONTH = 0.03
DEFAULT_SCAN_PER_GB = 0.005
DEFAULT_STORED_FRACTION = 0.15
DEFAULT_RETENTION_DAYS = 30
PRICE_SOURCE = (
    "CloudWatch Logs Standard class, us-east-1, https://aws.amazon.com/cloudwatch/pricing/ "
    "(checked 2026-11)"
)


class CostInputError(ValueError):
    """A price or assumption that cannot be used (negative, zero where it divides...)."""


@dataclass(frozen=True)
class Prices:
    """Prices in USD and the assumptions the estimate rests on."""

    ingest_per_gb: float = DEFAULT_INGEST_PER_GB
    storage_per_gb_month: float = DEFAULT_STORAGE_PER_GB_MONTH
    scan_per_gb: float = DEFAULT_SCAN_PER_GB
    stored_fraction: float = DEFAULT_STORED_FRACTION
    retention_days: int = DEFAULT_RETENTION_DAYS
    workflows_per_day: float = 1.0

    def __post_init__(self) -> None:
        for name in ("ingest_per_gb", "storage_per_gb_month", "scan_per_gb"):
            if getattr(self, name) < 0:
                raise CostInputError(f"{name} must not be negative (got {getattr(self, name)})")
        if not 0 < self.stored_fraction <= 1:
            raise CostInputError(
                f"compression ratio must be a stored fraction in (0, 1] or an N:1 ratio >= 1 "
                f"(got {self.stored_fraction})"
            )
        if self.retention_days <= 0:
            raise CostInputError(f"retention_days must be positive (got {self.retention_days})")
        if self.workflows_per_day <= 0:
            raise CostInputError(
                f"workflows_per_day must be positive (got {self.workflows_per_day})"
            )


def stored_fraction(ratio: float) -> float:
    """``--compression-ratio`` as a stored fraction: 0.15 stays 0.15, 6.67 (6.67:1) is 0.15."""
    if ratio <= 0:
        raise CostInputError(f"compression ratio must be positive (got {ratio})")
    return ratio if ratio <= 1 else 1 / ratio


@dataclass(frozen=True)
class Breakdown:
    """USD by component."""

    ingest: float
    storage: float
    scan: float

    @property
    def total(self) -> float:
        return self.ingest + self.storage + self.scan

    def scaled(self, factor: float) -> Breakdown:
        return Breakdown(self.ingest * factor, self.storage * factor, self.scan * factor)

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "total": self.total}


@dataclass(frozen=True)
class Cost:
    """The estimate per workflow, per day and per month."""

    prices: Prices
    bytes_per_workflow: float
    per_workflow: Breakdown
    per_day: Breakdown
    per_month: Breakdown


def workflow_cost(bytes_per_workflow: float, prices: Prices) -> Breakdown:
    """USD of one workflow's lines over their life (ingested, kept, scanned once)."""
    gigabytes = bytes_per_workflow / GB
    kept_months = prices.retention_days / DAYS_PER_MONTH
    return Breakdown(
        ingest=gigabytes * prices.ingest_per_gb,
        storage=gigabytes * prices.stored_fraction * prices.storage_per_gb_month * kept_months,
        scan=gigabytes * prices.scan_per_gb,
    )


def estimate(bytes_per_workflow: float, prices: Prices) -> Cost:
    """Per workflow, per day (x workflows a day) and per month (x 730 h / 24)."""
    one = workflow_cost(bytes_per_workflow, prices)
    day = one.scaled(prices.workflows_per_day)
    return Cost(prices, bytes_per_workflow, one, day, day.scaled(DAYS_PER_MONTH))


def monthly_usd(bytes_per_workflow: float, prices: Prices) -> float:
    """Total USD a month for this many bytes per workflow (to price a saving)."""
    return estimate(bytes_per_workflow, prices).per_month.total
