"""Tokens of the Logs Insights language, read on demand at a character offset.

``/`` is division after an operand and starts a regex literal where an operand is expected, so
the parser asks for the next token with ``regex_ok`` telling which one it wants; a lexer that ran
ahead of the parser could not tell ``parse @message /x/`` from ``a / b``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from insights_queries.ast import MAX_PERIOD_DIGITS, MAX_WHOLE_NUMBER, TIME_UNITS
from insights_queries.errors import QuerySyntaxError, shorten
from insights_queries.regexes import translate

TokenKind = Literal[
    "name",  # identifier or @field, maybe dotted
    "quoted_name",  # `backticked name`
    "string",
    "number",
    "period",  # 5m
    "regex",
    "param",  # {{name}}
    "op",  # punctuation and operators
    "pipe",
    "eof",
]


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    value: str
    start: int
    end: int
    number: int | float = 0
    amount: int = 0


_SPACE = re.compile(r"(?:\s+|#[^\n]*)+")
_NAME = re.compile(r"@?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")
_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_LETTERS = re.compile(r"[A-Za-z]+")
_PARAM = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# ``==`` is AWS's other spelling of ``=`` (the Lambda Operator Guide's "last 100 errors" uses it)
_OPERATORS = ("!=", "<=", ">=", "==", "=~", "=", "<", ">", "+", "-", "*", "/", "%", "^")
_PUNCTUATION = "(),[]"
_MAX_DIGITS = len(str(MAX_WHOLE_NUMBER))
_UNESCAPE = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


def skip_space(text: str, pos: int) -> int:
    """The offset of the next token after blanks and ``#`` comments."""
    m = _SPACE.match(text, pos)
    return m.end() if m else pos


def next_token(text: str, pos: int, *, regex_ok: bool) -> Token:
    """The token starting at ``pos`` (after blanks); ``regex_ok`` reads ``/`` as a regex."""
    pos = skip_space(text, pos)
    if pos >= len(text):
        return Token("eof", "", pos, pos)
    ch = text[pos]
    if ch == "|":
        return Token("pipe", "|", pos, pos + 1)
    if ch in "\"'":
        return _read_string(text, pos)
    if ch == "`":
        end = text.find("`", pos + 1)
        if end < 0 or "\n" in text[pos:end]:
            raise QuerySyntaxError(
                "unterminated backticked field name", text=text, offset=pos, expected="`"
            )
        if end == pos + 1:
            raise QuerySyntaxError("empty backticked field name", text=text, offset=pos)
        return Token("quoted_name", text[pos + 1 : end], pos, end + 1)
    if ch == "/" and regex_ok:
        return _read_regex(text, pos)
    if ch == "{":
        m = _PARAM.match(text, pos)
        if not m:
            raise QuerySyntaxError(
                "malformed query parameter", text=text, offset=pos, expected="{{name}}"
            )
        return Token("param", m.group(1), pos, m.end())
    if ch.isdigit():
        return _read_number(text, pos)
    m = _NAME.match(text, pos)
    if m:
        return Token("name", m.group(0), pos, m.end())
    if ch in _PUNCTUATION:
        return Token("op", ch, pos, pos + 1)
    for op in _OPERATORS:
        if text.startswith(op, pos):
            return Token("op", op, pos, pos + len(op))
    raise QuerySyntaxError(f"unexpected character {ch!r}", text=text, offset=pos)


def token_text(text: str, token: Token) -> str:
    """The token as written, cut short for an error message."""
    return repr(shorten(text[token.start : token.end]))


def _read_string(text: str, pos: int) -> Token:
    quote = text[pos]
    out: list[str] = []
    i = pos + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return Token("string", "".join(out), pos, i + 1)
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_UNESCAPE.get(nxt, "\\" + nxt))
            i += 2
            continue
        if ch == "\n":
            break
        out.append(ch)
        i += 1
    raise QuerySyntaxError(
        "unterminated string", text=text, offset=pos, expected=f"closing {quote}"
    )


def _read_regex(text: str, pos: int) -> Token:
    out: list[str] = []
    i = pos + 1
    while i < len(text):
        ch = text[i]
        if ch == "/":
            pattern = "".join(out)
            try:
                re.compile(translate(pattern).pattern)
            except (re.error, RecursionError, OverflowError) as exc:
                raise QuerySyntaxError(
                    f"invalid regular expression /{shorten(pattern)}/: {shorten(str(exc))}",
                    text=text,
                    offset=pos,
                ) from None
            return Token("regex", pattern, pos, i + 1)
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("/" if nxt == "/" else "\\" + nxt)
            i += 2
            continue
        if ch == "\n":
            break
        out.append(ch)
        i += 1
    raise QuerySyntaxError("unterminated regular expression", text=text, offset=pos, expected="/")


def to_python_regex(pattern: str) -> str:
    """A Logs Insights regex in Python's dialect (see :mod:`insights_queries.regexes`)."""
    return translate(pattern).pattern


def _read_number(text: str, pos: int) -> Token:
    m = _NUMBER.match(text, pos)
    assert m is not None  # called on a digit
    raw = m.group(0)
    end = m.end()
    letters = _LETTERS.match(text, end)
    if letters:
        unit = letters.group(0)
        if unit in TIME_UNITS and m.group(1) is None and m.group(2) is None:
            if len(raw) > MAX_PERIOD_DIGITS:
                raise QuerySyntaxError(
                    f"the time period {shorten(raw + unit)} is too long",
                    text=text,
                    offset=pos,
                    expected=f"at most {MAX_PERIOD_DIGITS} digits",
                )
            return Token("period", raw + unit, pos, letters.end(), amount=int(raw))
        raise QuerySyntaxError(
            f"unknown time unit {shorten(unit)!r} after {shorten(raw)}",
            text=text,
            offset=end,
            expected="a time unit: " + ", ".join(TIME_UNITS),
        )
    return Token("number", raw, pos, end, number=_number_value(text, pos, m))


def _number_value(text: str, pos: int, m: re.Match[str]) -> int | float:
    """The literal's value, refused past the range of a double (AWS's numbers are doubles).

    Checked on the digits before converting: Python refuses to convert more than 4,300 digits to
    an int, and ``float("1e309")`` is infinity.
    """
    raw = m.group(0)
    limit = f"a number within ±{MAX_WHOLE_NUMBER:.4g} (the range of a double)"
    if m.group(1) or m.group(2):
        value = float(raw)
        if math.isfinite(value):
            return value
    elif len(raw) <= _MAX_DIGITS and int(raw) <= MAX_WHOLE_NUMBER:
        return int(raw)
    raise QuerySyntaxError(
        f"the number {shorten(raw, 20)} is too large", text=text, offset=pos, expected=limit
    )
