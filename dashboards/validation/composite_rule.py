"""A parser for composite-alarm rules (CloudWatch ``AlarmRule`` syntax).

``ALARM(name)``, ``OK(name)``, ``INSUFFICIENT_DATA(name)`` (name quoted or bare), ``TRUE``,
``FALSE``, combined with ``AND``, ``OR``, ``NOT`` and parentheses; at most 10,240 characters.
It returns the alarm names the rule reads so the validator can check each one exists, and the
rule as a small tree (:func:`parse_rule`) that the sandbox's composite-alarm evaluator walks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_RULE_CHARS = 10240
STATE_FUNCTIONS = ("ALARM", "OK", "INSUFFICIENT_DATA")

_TOKEN = re.compile(r"\s*(?:(?P<quoted>\"(?:[^\"\\]|\\.)*\")|(?P<op>[()])|(?P<word>[^\s()\"]+))")


@dataclass(frozen=True)
class StateOf:
    """``ALARM(name)``, ``OK(name)`` or ``INSUFFICIENT_DATA(name)``: ``state`` is the function."""

    state: str
    alarm: str


@dataclass(frozen=True)
class Constant:
    """``TRUE`` or ``FALSE``."""

    value: bool


@dataclass(frozen=True)
class Not:
    operand: RuleNode


@dataclass(frozen=True)
class BoolOp:
    """``AND`` / ``OR`` over two or more operands, left to right."""

    op: str
    operands: tuple[RuleNode, ...]


RuleNode = StateOf | Constant | Not | BoolOp


class RuleSyntaxError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at character {position + 1}")
        self.position = position


def _tokenize(rule: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while rule[pos:].strip():
        match = _TOKEN.match(rule, pos)
        if not match:
            raise RuleSyntaxError("unterminated quoted alarm name", pos)
        kind = match.lastgroup or "word"
        tokens.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    tokens.append(("end", "", len(rule)))
    return tokens


class _Parser:
    def __init__(self, rule: str) -> None:
        self.tokens = _tokenize(rule)
        self.i = 0
        self.names: list[str] = []

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self, text: str) -> bool:
        if self.peek()[1] == text and self.peek()[0] != "quoted":
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.take(text):
            _, found, pos = self.peek()
            raise RuleSyntaxError(f"expected {text!r}, found {found or 'end of rule'!r}", pos)

    def expr(self) -> RuleNode:
        operands = [self.and_()]
        while self.take("OR"):
            operands.append(self.and_())
        return operands[0] if len(operands) == 1 else BoolOp("OR", tuple(operands))

    def and_(self) -> RuleNode:
        operands = [self.not_()]
        while self.take("AND"):
            operands.append(self.not_())
        return operands[0] if len(operands) == 1 else BoolOp("AND", tuple(operands))

    def not_(self) -> RuleNode:
        if self.take("NOT"):
            return Not(self.not_())
        return self.atom()

    def atom(self) -> RuleNode:
        kind, text, pos = self.peek()
        if self.take("("):
            node = self.expr()
            self.expect(")")
            return node
        if kind == "word" and text in ("TRUE", "FALSE"):
            self.i += 1
            return Constant(text == "TRUE")
        if kind == "word" and text in STATE_FUNCTIONS:
            self.i += 1
            self.expect("(")
            kind, name, name_pos = self.peek()
            if kind == "quoted":
                name = name[1:-1]
            elif kind != "word":
                raise RuleSyntaxError(f"{text}() needs an alarm name", name_pos)
            if not name:
                raise RuleSyntaxError(f"{text}() needs an alarm name", name_pos)
            self.i += 1
            self.names.append(name)
            self.expect(")")
            return StateOf(text, name)
        raise RuleSyntaxError(
            f"expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), TRUE, FALSE, NOT or '(', "
            f"found {text or 'end of rule'!r}",
            pos,
        )


def _parse(rule: str) -> tuple[RuleNode, list[str]]:
    if len(rule) > MAX_RULE_CHARS:
        raise RuleSyntaxError(f"rule is {len(rule)} characters, the limit is {MAX_RULE_CHARS}", 0)
    parser = _Parser(rule)
    tree = parser.expr()
    _, text, pos = parser.peek()
    if text:
        raise RuleSyntaxError(f"unexpected {text!r}", pos)
    return tree, parser.names


def referenced_alarms(rule: str) -> list[str]:
    """Parse ``rule``; return the alarm names it reads, in order. Raises RuleSyntaxError."""
    return _parse(rule)[1]


def parse_rule(rule: str) -> RuleNode:
    """Parse ``rule`` into a tree. Raises RuleSyntaxError."""
    return _parse(rule)[0]
