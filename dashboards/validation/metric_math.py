"""A parser for CloudWatch metric-math expressions, enough to reject what AWS would reject.

Grammar (CloudWatch "Metric math syntax and functions"): numbers, metric ids (a lowercase first
letter, then letters, digits, underscores), string literals, function calls ``NAME(args)``,
arrays ``[a, b]``, arithmetic ``+ - * / ^``, comparisons ``== != <= >= < >`` and logical
``AND && OR || NOT !`` (used inside IF). It returns the ids an expression reads so the alarm
validator can check each one exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FUNCTIONS = frozenset(
    {
        "ABS", "ANOMALY_DETECTION_BAND", "AVG", "CEIL", "DATAPOINT_COUNT", "DAY", "DB_PERF_INSIGHTS",
        "DIFF", "DIFF_TIME", "FILL", "FIRST", "FLOOR", "HOUR", "IF", "INSIGHT_RULE_METRIC", "LAMBDA",
        "LAST", "LOG", "LOG10", "MAX", "METRIC_COUNT", "METRICS", "MIN", "MINUTE", "MONTH",
        "PERIOD", "RATE", "REMOVE_EMPTY", "RUNNING_SUM", "SEARCH", "SERVICE_QUOTA", "SLICE",
        "SORT", "STDDEV", "SUM", "TIME_SERIES", "YEAR",
    }
)  # fmt: skip
KEYWORDS = frozenset({"REPEAT", "LINEAR", "ASC", "DESC", "MIN", "MAX", "SUM", "AVG"})

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)"
    r"|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[-+*/^()<>!\[\],]))"
)


class MathSyntaxError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at character {position + 1}")
        self.position = position


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            bad = len(text) - len(text[pos:].lstrip())
            raise MathSyntaxError(f"unexpected character {text[bad]!r}", bad)
        kind = match.lastgroup or "op"
        start = match.start(kind)
        tokens.append(_Tok(kind, match.group(kind), start))
        pos = match.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.i = 0
        self.ids: set[str] = set()

    @property
    def tok(self) -> _Tok:
        return self.tokens[self.i]

    def take(self, text: str) -> bool:
        if self.tok.kind in ("op", "name") and self.tok.text == text:
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.take(text):
            found = self.tok.text or "end of expression"
            raise MathSyntaxError(f"expected {text!r}, found {found!r}", self.tok.pos)

    def parse(self) -> set[str]:
        self.expr()
        if self.tok.kind != "end":
            raise MathSyntaxError(f"unexpected {self.tok.text!r}", self.tok.pos)
        return self.ids

    def expr(self) -> None:
        self.and_()
        while self.take("OR") or self.take("||"):
            self.and_()

    def and_(self) -> None:
        self.not_()
        while self.take("AND") or self.take("&&"):
            self.not_()

    def not_(self) -> None:
        if self.take("NOT") or self.take("!"):
            self.not_()
            return
        self.comparison()

    def comparison(self) -> None:
        self.additive()
        for op in ("==", "!=", "<=", ">=", "<", ">"):
            if self.take(op):
                self.additive()
                return

    def additive(self) -> None:
        self.term()
        while self.take("+") or self.take("-"):
            self.term()

    def term(self) -> None:
        self.power()
        while self.take("*") or self.take("/"):
            self.power()

    def power(self) -> None:
        self.unary()
        if self.take("^"):
            self.power()

    def unary(self) -> None:
        if self.take("-") or self.take("+"):
            self.unary()
            return
        self.primary()

    def args(self, closing: str) -> None:
        if self.take(closing):
            return
        self.expr()
        while self.take(","):
            self.expr()
        self.expect(closing)

    def primary(self) -> None:
        tok = self.tok
        if tok.kind in ("num", "str"):
            self.i += 1
            return
        if self.take("("):
            self.expr()
            self.expect(")")
            return
        if self.take("["):
            self.args("]")
            return
        if tok.kind == "name":
            self.i += 1
            if self.tok.kind == "op" and self.tok.text == "(":
                if tok.text not in FUNCTIONS:
                    raise MathSyntaxError(f"unknown function {tok.text!r}", tok.pos)
                self.i += 1
                self.args(")")
                return
            if tok.text in KEYWORDS:
                return
            if not re.fullmatch(r"[a-z][A-Za-z0-9_]*", tok.text):
                raise MathSyntaxError(
                    f"{tok.text!r} is not a metric id (ids start with a lowercase letter)", tok.pos
                )
            self.ids.add(tok.text)
            return
        found = tok.text or "end of expression"
        raise MathSyntaxError(f"expected a value, found {found!r}", tok.pos)


def referenced_ids(expression: str) -> set[str]:
    """Parse ``expression``; return the metric ids it reads. Raises MathSyntaxError."""
    if not expression.strip():
        raise MathSyntaxError("empty expression", 0)
    return _Parser(expression).parse()
