"""Human-readable numbers shared by the table and HTML renderings."""

from __future__ import annotations


def human_bytes(value: float) -> str:
    """``1.6 MB`` (decimal units: what a reader expects of a byte count)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{value:,.1f} TB"  # pragma: no cover - the loop always returns


def usd(value: float) -> str:
    """Dollars with enough digits for per-workflow fractions of a cent."""
    if value == 0:
        return "$0"
    if abs(value) >= 100:
        return f"${value:,.0f}"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    return f"${value:.2g}" if abs(value) < 0.0001 else f"${value:.4f}"


def percent(share: float) -> str:
    return f"{share:.1%}"
