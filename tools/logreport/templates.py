"""Fold a log message into its call site's template: variable parts become placeholders.

One call site (``log.info("Fetched %d bars for %s", n, symbol)``) writes many different
messages; volume is only actionable per call site, so the varying parts are replaced by
placeholders before counting. Order matters: quoted strings and timestamps first (they contain
digits), then UUIDs, hex, file names, numbers, and ticker-like symbols. Words that are commonly
upper case in operational text (``BUY``, ``DSL``, ``HTTP``...) are kept, so ``Market status: OPEN``
stays readable while ``Received trade message: BUY EDZ`` folds to ``... BUY <sym>``.
"""

from __future__ import annotations

import re
from functools import lru_cache

_QUOTED = re.compile(r"""(?<![\w])(?:'[^'\n]{0,200}'|"[^"\n]{0,200}")(?![\w])""")
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{8}T\d{6}Z?\b"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(
    r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"
)
_FILE = re.compile(
    r"(?<![\w./-])[\w.-]+\.(?:clj|py|js|ts|json|ya?ml|csv|txt|log|parquet|gz|zip|pdf|html)\b"
)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")
_SYMBOL = re.compile(r"(?<![\w<])[A-Z][A-Z0-9]{0,4}(?:\.[A-Z])?(?![\w>])")

# Upper-case words that are vocabulary, not data: kept as written.
_KEEP_UPPER_TEXT = """A I OK ID IDS API AWS SQS SNS SES DLQ FIFO ARN URL URI HTTP HTTPS JSON XML
    CSV SQL DB
    DSL EMF CPU RAM MB KB GB TB MS UTC UUID IP TCP UDP TLS SSL JWT IAM S3 EC2 ECS EKS RDS
    DEBUG INFO WARN ERROR FATAL TRACE START END REPORT INIT GET PUT POST PATCH DELETE HEAD
    TRUE FALSE NONE NULL NAN YES NO ON OFF OPEN CLOSED BUY SELL LONG SHORT NEW PNL
    TODO ETA SLA DST PST EST GMT"""
KEEP_UPPER = frozenset(_KEEP_UPPER_TEXT.split())

PLACEHOLDERS = ("<str>", "<ts>", "<uuid>", "<hex>", "<file>", "<n>", "<sym>")


def _symbol(match: re.Match[str]) -> str:
    word = match.group(0)
    return word if word in KEEP_UPPER else "<sym>"


@lru_cache(maxsize=65536)
def fold(message: str) -> str:
    """The template of ``message`` (cached: a call site's messages repeat)."""
    text = _QUOTED.sub(lambda m: m.group(0)[0] + "<str>" + m.group(0)[0], message)
    text = _TIMESTAMP.sub("<ts>", text)
    text = _UUID.sub("<uuid>", text)
    text = _HEX.sub("<hex>", text)
    text = _FILE.sub("<file>", text)
    text = _NUMBER.sub("<n>", text)
    return _SYMBOL.sub(_symbol, text)
