"""The one tokenizer and parser of CloudWatch metric math: text → :mod:`dashboards.math_ast` tree.

Grammar (CloudWatch User Guide, "Metric math syntax and functions",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax),
by precedence from loosest to tightest:

- ``a OR b`` / ``a || b``, then ``a AND b`` / ``a && b``, then ``NOT a`` / ``!a``;
- one comparison ``< <= > >= == !=`` (a chain such as ``a < b < c`` is refused: write AND);
- ``+ -``, then ``* /``, then a unary ``-`` / ``+``, then ``^`` (right-associative);
- numbers (``100``, ``0.5``, ``1e3``), metric / expression ids (a lowercase letter, then
  letters, digits and ``_``: "It must start with a lowercase letter"), quoted strings (``'...'``
  or ``"..."``, for SEARCH and LAMBDA), arrays ``[a, b]``, parentheses, calls ``NAME(args)`` of
  the functions in :data:`dashboards.math_ast.FUNCTIONS` with their number of arguments, and the
  bare keywords those functions take (``REPEAT``, ``DESC``...).

What an expression *means* is not decided here: the validator accepts any tree, the evaluator
refuses the functions it does not compute, each naming the function and its position.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.math_ast import (
    COMPARISONS,
    FUNCTIONS,
    KEYWORDS,
    Array,
    Binary,
    Call,
    Id,
    Keyword,
    Node,
    Number,
    String,
    Unary,
)

__all__ = ["MathSyntaxError", "parse_tree"]

_SYMBOLS = ("&&", "||", *COMPARISONS, "!", "+", "-", "*", "/", "^", "(", ")", "[", "]", ",")


class MathSyntaxError(ValueError):
    """Text that is not a metric-math expression; ``message`` says what, ``position`` where
    (0-based; the text of the error counts characters from 1, as an editor does)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at character {position + 1}")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, word, symbol, end
    text: str
    position: int


def _digit(char: str) -> bool:
    return "0" <= char <= "9"


def _word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


def _number_end(source: str, i: int) -> int:
    j = i
    while j < len(source) and (_digit(source[j]) or source[j] == "."):
        j += 1
    if j < len(source) and source[j] in "eE":
        k = j + 1
        if k < len(source) and source[k] in "+-":
            k += 1
        if k < len(source) and _digit(source[k]):
            j = k
            while j < len(source) and _digit(source[j]):
                j += 1
    return j


def _string_end(source: str, i: int) -> int:
    quote = source[i]
    j = i + 1
    while j < len(source):
        if source[j] == "\\":
            j += 2
            continue
        if source[j] == quote:
            return j + 1
        j += 1
    raise MathSyntaxError(f"unterminated string (no closing {quote})", i)


def tokenize(source: str) -> list[_Token]:
    """The tokens of ``source``, ending with an ``end`` token at its length."""
    tokens: list[_Token] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char.isspace():
            i += 1
            continue
        if _digit(char) or (char == "." and _digit(source[i + 1 : i + 2] or "x")):
            j = _number_end(source, i)
            text = source[i:j]
            try:
                float(text)
            except ValueError:
                raise MathSyntaxError(f"malformed number {text!r}", i) from None
            tokens.append(_Token("number", text, i))
        elif char in "'\"":
            j = _string_end(source, i)
            tokens.append(_Token("string", source[i:j], i))
        elif _word_char(char) and not _digit(char):
            j = i
            while j < len(source) and _word_char(source[j]):
                j += 1
            tokens.append(_Token("word", source[i:j], i))
        else:
            symbol = next((s for s in _SYMBOLS if source.startswith(s, i)), None)
            if symbol is None:
                raise MathSyntaxError(f"unexpected character {char!r}", i)
            j = i + len(symbol)
            tokens.append(_Token("symbol", symbol, i))
        i = j
    tokens.append(_Token("end", "", len(source)))
    return tokens


def _found(token: _Token) -> str:
    return repr(token.text) if token.kind != "end" else "'end of expression'"


def _count(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} argument{'s' if low != 1 else ''}"
    if low == high:
        return f"{low} argument{'s' if low != 1 else ''}"
    joiner = "or" if high == low + 1 else "to"
    return f"{low} {joiner} {high} arguments"


class _Parser:
    """Recursive descent over the tokens, one method per precedence level."""

    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.at = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def accept(self, *texts: str) -> _Token | None:
        token = self.token
        if token.kind in ("symbol", "word") and token.text in texts:
            self.at += 1
            return token
        return None

    def expect(self, text: str) -> _Token:
        token = self.accept(text)
        if token is None:
            raise MathSyntaxError(
                f"expected {text!r}, found {_found(self.token)}", self.token.position
            )
        return token

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise MathSyntaxError("empty expression", 0)
        node = self.logical_or()
        if self.token.kind != "end":
            raise MathSyntaxError(f"unexpected {self.token.text!r}", self.token.position)
        return node

    def logical_or(self) -> Node:
        node = self.logical_and()
        while (token := self.accept("OR", "||")) is not None:
            node = Binary(token.text, node, self.logical_and(), token.position)
        return node

    def logical_and(self) -> Node:
        node = self.logical_not()
        while (token := self.accept("AND", "&&")) is not None:
            node = Binary(token.text, node, self.logical_not(), token.position)
        return node

    def logical_not(self) -> Node:
        token = self.accept("NOT", "!")
        if token is not None:
            return Unary(token.text, self.logical_not(), token.position)
        return self.comparison()

    def comparison(self) -> Node:
        node = self.additive()
        token = self.accept(*COMPARISONS)
        if token is not None:
            node = Binary(token.text, node, self.additive(), token.position)
            if self.token.kind == "symbol" and self.token.text in COMPARISONS:
                raise MathSyntaxError("chained comparison; use AND", self.token.position)
        return node

    def additive(self) -> Node:
        node = self.term()
        while (token := self.accept("+", "-")) is not None:
            node = Binary(token.text, node, self.term(), token.position)
        return node

    def term(self) -> Node:
        node = self.unary()
        while (token := self.accept("*", "/")) is not None:
            node = Binary(token.text, node, self.unary(), token.position)
        return node

    def unary(self) -> Node:
        token = self.accept("-", "+")
        if token is not None:
            return Unary(token.text, self.unary(), token.position)
        return self.power()

    def power(self) -> Node:
        node = self.primary()
        token = self.accept("^")
        if token is not None:
            node = Binary("^", node, self.unary(), token.position)
        return node

    def items(self, closing: str) -> tuple[tuple[Node, ...], _Token]:
        found: list[Node] = []
        close = self.accept(closing)
        if close is None:
            found.append(self.logical_or())
            while self.accept(","):
                found.append(self.logical_or())
            close = self.expect(closing)
        return tuple(found), close

    def primary(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.at += 1
            return Number(float(token.text), token.position)
        if token.kind == "string":
            self.at += 1
            return String(token.text[0], token.text[1:-1], token.position)
        if self.accept("("):
            node = self.logical_or()
            self.expect(")")
            return node
        if self.accept("["):
            members, _ = self.items("]")
            return Array(members, token.position)
        if token.kind == "word":
            self.at += 1
            if self.accept("("):
                return self.call(token)
            if token.text in KEYWORDS:
                return Keyword(token.text, token.position)
            if not token.text[0].islower():
                raise MathSyntaxError(
                    f"{token.text!r} is not a metric id (ids start with a lowercase letter)",
                    token.position,
                )
            return Id(token.text, token.position)
        raise MathSyntaxError(f"expected a value, found {_found(token)}", token.position)

    def call(self, name: _Token) -> Call:
        if name.text not in FUNCTIONS:
            raise MathSyntaxError(f"unknown function {name.text!r}", name.position)
        args, close = self.items(")")
        low, high = FUNCTIONS[name.text]
        if len(args) < low or (high is not None and len(args) > high):
            raise MathSyntaxError(
                f"{name.text} takes {_count(low, high)}, got {len(args)}", close.position
            )
        return Call(name.text, args, name.position, close.position)


def parse_tree(source: str) -> Node:
    """Parse ``source`` into a tree, or raise :class:`MathSyntaxError` naming what and where."""
    if not isinstance(source, str):
        raise MathSyntaxError("expected the expression as a string", 0)
    return _Parser(source).parse()
