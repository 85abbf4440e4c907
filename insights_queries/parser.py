"""Parse Logs Insights text into the query model.

A recursive-descent parser over the tokens of :mod:`insights_queries.lexer`, with the operator
precedence of :mod:`insights_queries.render` so that ``parse(render(q)) == q``. Anything outside
the supported language (a command such as ``pattern``, a function such as ``isValidIp``) is a
:class:`QuerySyntaxError` naming it and its position: a query is never silently half-understood.
So is a query past one of the bounds of :mod:`insights_queries.ast` (nesting, depth, number
size, ``limit``): refused with the bound named, never a crash or a hang. Language reference:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html
"""

from __future__ import annotations

import difflib

from insights_queries.ast import (
    AGGREGATE_FUNCTIONS,
    FUNCTIONS,
    MAX_COMMANDS,
    MAX_DEPTH,
    MAX_LIMIT,
    MAX_NESTING,
    Binary,
    BinaryOp,
    Call,
    Command,
    Dedup,
    Display,
    Expr,
    Field,
    Fields,
    Filter,
    In,
    Limit,
    Number,
    Param,
    Parse,
    Projection,
    Query,
    Regex,
    Sort,
    SortKey,
    Star,
    Stats,
    String,
    TimePeriod,
    TimeUnit,
    Unary,
    Unnest,
    depth,
)
from insights_queries.errors import QuerySyntaxError, shorten
from insights_queries.lexer import Token, next_token, token_text
from insights_queries.params import walk
from insights_queries.regexes import translate
from insights_queries.render import RESERVED_WORDS

COMMANDS = ("fields", "display", "filter", "stats", "sort", "limit", "parse", "dedup", "unnest")
# commands of the Logs Insights language that obskit's engine does not implement
KNOWN_UNSUPPORTED_COMMANDS = frozenset(
    {"pattern", "diff", "unmask", "lookup", "anomaly", "filterindex", "source", "join"}
)
# (min, max) argument counts; None = any number
ARITY: dict[str, tuple[int, int | None]] = {
    "count": (0, 1),
    "count_distinct": (1, 1),
    "sum": (1, 1),
    "avg": (1, 1),
    "min": (1, 1),
    "max": (1, 1),
    "pct": (2, 2),
    "percentile": (2, 2),
    "stddev": (1, 1),
    "earliest": (1, 1),
    "latest": (1, 1),
    "ispresent": (1, 1),
    "isempty": (1, 1),
    "isblank": (1, 1),
    "coalesce": (1, None),
    "strlen": (1, 1),
    "tolower": (1, 1),
    "toupper": (1, 1),
    "concat": (1, None),
    "substr": (2, 3),
    "replace": (3, 3),
    "strcontains": (2, 2),
    "trim": (1, 1),
    "ltrim": (1, 1),
    "rtrim": (1, 1),
    "abs": (1, 1),
    "ceil": (1, 1),
    "floor": (1, 1),
    "greatest": (1, None),
    "least": (1, None),
    "datefloor": (2, 2),
    "dateceil": (2, 2),
    "fromMillis": (1, 1),
    "toMillis": (1, 1),
    "bin": (1, 1),
    "jsonParse": (1, 1),
}
_CANONICAL_FUNCTION = {name.lower(): name for name in FUNCTIONS}
_COMPARISON_OPS = ("=", "==", "!=", "<", "<=", ">", ">=", "=~")


def parse(text: str) -> Query:
    """The query model of Logs Insights ``text``; raises :class:`QuerySyntaxError`."""
    return _Parser(text).query()


def _suggest(word: str, choices: list[str]) -> str:
    if len(word) > 2 * max(len(c) for c in choices):
        return ""  # nothing is close, and comparing a long token to each choice is slow
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.in_aggregation = False
        self.nesting = 0  # parentheses, calls, lists and prefix operators open right now

    # -------------------------------------------------------------- token helpers

    def peek(self, *, regex_ok: bool = False) -> Token:
        return next_token(self.text, self.pos, regex_ok=regex_ok)

    def advance(self, token: Token) -> Token:
        self.pos = token.end
        return token

    def error(self, message: str, token: Token, expected: str | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(message, text=self.text, offset=token.start, expected=expected)

    def describe(self, token: Token) -> str:
        if token.kind == "eof":
            return "the end of the query"
        if token.kind == "pipe":
            return "'|'"
        return token_text(self.text, token)

    def is_word(self, token: Token, word: str) -> bool:
        return token.kind == "name" and token.value.lower() == word

    def accept_word(self, word: str) -> bool:
        token = self.peek()
        if self.is_word(token, word):
            self.advance(token)
            return True
        return False

    def accept_op(self, op: str) -> bool:
        token = self.peek()
        if token.kind == "op" and token.value == op:
            self.advance(token)
            return True
        return False

    def expect_op(self, op: str, context: str) -> None:
        token = self.peek()
        if not (token.kind == "op" and token.value == op):
            raise self.error(f"found {self.describe(token)} {context}", token, f"'{op}'")
        self.advance(token)

    # -------------------------------------------------------------- commands

    def query(self) -> Query:
        commands: list[Command] = [self.command()]
        while True:
            token = self.peek()
            if token.kind == "eof":
                return Query(tuple(commands))
            if isinstance(commands[-1], Dedup | Limit) and any(
                isinstance(c, Dedup) for c in commands
            ):
                after = next_token(self.text, token.end, regex_ok=False)
                if not self.is_word(after, "limit") or isinstance(commands[-1], Limit):
                    raise self.error(
                        "only limit may follow dedup (CWL_QuerySyntax-Dedup)",
                        after,
                        "limit, or the end of the query",
                    )
            if token.kind != "pipe":
                raise self.error(
                    f"found {self.describe(token)} after a complete command",
                    token,
                    "'|' and the next command, or the end of the query",
                )
            if len(commands) == MAX_COMMANDS:
                raise self.error(
                    f"the query has more than {MAX_COMMANDS} commands",
                    token,
                    f"at most {MAX_COMMANDS} commands",
                )
            self.advance(token)
            commands.append(self.command())

    def command(self) -> Command:
        token = self.peek()
        if token.kind != "name":
            raise self.error(
                f"found {self.describe(token)} where a command starts",
                token,
                "a command: " + ", ".join(COMMANDS),
            )
        name = token.value.lower()
        if name not in COMMANDS:
            what = (
                "unsupported command" if name in KNOWN_UNSUPPORTED_COMMANDS else "unknown command"
            )
            raise self.error(
                f"{what} {shorten(token.value)!r}{_suggest(name, list(COMMANDS))}",
                token,
                "one of " + ", ".join(COMMANDS),
            )
        self.advance(token)
        if name == "fields":
            return Fields(self.projections(aggregate=False))
        if name == "display":
            return Display(tuple(Field(n) for n in self.names("a field to display")))
        if name == "filter":
            return Filter(self.expr())
        if name == "stats":
            return self.stats()
        if name == "sort":
            return self.sort()
        if name == "limit":
            return self.limit()
        if name == "parse":
            return self.parse_command()
        if name == "unnest":
            return self.unnest()
        return Dedup(tuple(Field(n) for n in self.names("a field to dedup by")))

    def stats(self) -> Stats:
        aggregations: list[Projection] = []
        while True:
            start = self.peek(regex_ok=True)
            item = self.projection(aggregate=True)
            # AWS lets a stats expression combine the results of earlier ones by their alias
            earlier = {p.alias for p in aggregations if p.alias}
            if not _has_aggregate(item.expr) and not _only_refers_to(item.expr, earlier):
                raise self.error(
                    "stats needs an aggregate function here",
                    start,
                    "one of " + ", ".join(sorted(AGGREGATE_FUNCTIONS)),
                )
            aggregations.append(item)
            if not self.accept_op(","):
                break
        by: tuple[Projection, ...] = ()
        if self.accept_word("by"):
            by = self.projections(aggregate=False)
        return Stats(tuple(aggregations), by)

    def sort(self) -> Sort:
        # ``sort by f desc``: AWS accepts the ``by`` (its Lambda Operator Guide writes it so)
        self.accept_word("by")
        keys: list[SortKey] = []
        while True:
            expr = self.expr()
            descending = False
            if self.accept_word("desc"):
                descending = True
            else:
                self.accept_word("asc")
            keys.append(SortKey(expr, descending))
            if not self.accept_op(","):
                return Sort(tuple(keys))

    def limit(self) -> Limit:
        token = self.peek()
        wanted = f"a positive whole number up to {MAX_LIMIT:,}"
        if token.kind != "number" or not isinstance(token.number, int) or token.number < 1:
            raise self.error(f"found {self.describe(token)} after limit", token, wanted)
        if token.number > MAX_LIMIT:
            raise self.error(
                f"limit {shorten(token.value, 20)} is over AWS's maximum of {MAX_LIMIT:,}",
                token,
                wanted,
            )
        self.advance(token)
        return Limit(int(token.number))

    def unnest(self) -> Unnest:
        token = self.peek()
        if token.kind not in ("name", "quoted_name"):
            raise self.error(f"found {self.describe(token)} after unnest", token, "a field")
        source = Field(self.name("a field to unnest"))
        if not self.accept_word("into"):
            raise self.error(
                f"found {self.describe(self.peek())} after the field to unnest",
                self.peek(),
                "'into' and a field name",
            )
        return Unnest(source, self.name("a field name after 'into'"))

    def parse_command(self) -> Parse:
        source = self.primary()
        token = self.peek(regex_ok=True)
        if token.kind == "string":
            self.advance(token)
            stars = token.value.count("*")
            if stars == 0:
                raise self.error(
                    "a glob parse needs at least one '*' to capture", token, "a '*' in the pattern"
                )
            if not self.accept_word("as"):
                raise self.error(
                    "a glob parse needs the names of the fields it extracts",
                    self.peek(),
                    f"'as' and {stars} field name(s)",
                )
            names = self.names("a field name for the parse")
            if len(names) != stars:
                raise self.error(
                    f"the glob {token_text(self.text, token)} has {stars} '*' but {len(names)}"
                    " name(s) follow 'as'",
                    token,
                    f"{stars} field name(s)",
                )
            return Parse(source, String(token.value), names)
        if token.kind == "regex":
            self.advance(token)
            groups = translate(token.value).names
            if not groups:
                raise self.error(
                    "a regex parse needs named groups to extract fields",
                    token,
                    "at least one (?<name>...) group",
                )
            regex_names: tuple[str, ...] = ()
            if self.accept_word("as"):
                regex_names = self.names("a field name for the parse")
                if len(regex_names) != len(groups):
                    raise self.error(
                        f"the regex has {len(groups)} named group(s) but {len(regex_names)}"
                        " name(s) follow 'as'",
                        token,
                        f"{len(groups)} field name(s)",
                    )
            return Parse(source, Regex(token.value), regex_names)
        raise self.error(
            f"found {self.describe(token)} after the field to parse",
            token,
            'a glob pattern "…*…" or a regex /(?<name>…)/',
        )

    def names(self, what: str) -> tuple[str, ...]:
        found = [self.name(what)]
        while self.accept_op(","):
            found.append(self.name(what))
        return tuple(found)

    def name(self, what: str) -> str:
        token = self.peek()
        if token.kind == "quoted_name":
            return self.advance(token).value
        if token.kind == "name" and token.value.lower() not in RESERVED_WORDS:
            return self.advance(token).value
        raise self.error(f"found {self.describe(token)}", token, what)

    def projections(self, *, aggregate: bool) -> tuple[Projection, ...]:
        items = [self.projection(aggregate)]
        while self.accept_op(","):
            items.append(self.projection(aggregate))
        return tuple(items)

    def projection(self, aggregate: bool) -> Projection:
        self.in_aggregation = aggregate
        try:
            expr = self.expr()
        finally:
            self.in_aggregation = False
        alias = self.name("a name after 'as'") if self.accept_word("as") else None
        return Projection(expr, alias)

    # -------------------------------------------------------------- expressions

    def enter(self) -> None:
        """Count one more level of nesting; past :data:`MAX_NESTING` the query is refused
        (each level costs the parser about ten Python frames)."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            token = self.peek(regex_ok=True)
            raise self.error(
                f"the expression nests more than {MAX_NESTING} levels deep"
                " (parentheses, calls, lists, prefix operators)",
                token,
                f"at most {MAX_NESTING} levels",
            )

    def expr(self) -> Expr:
        start = self.pos
        self.enter()
        try:
            left = self.and_expr()
            while self.accept_word("or"):
                left = Binary("or", left, self.and_expr())
        finally:
            self.nesting -= 1
        if self.nesting == 0:
            levels = depth(left)
            if levels > MAX_DEPTH:
                raise self.error(
                    f"the expression is {levels} levels deep (each operator of a chain such as"
                    f" 'a or b or c' is one level)",
                    next_token(self.text, start, regex_ok=True),
                    f"at most {MAX_DEPTH} levels",
                )
        return left

    def and_expr(self) -> Expr:
        left = self.not_expr()
        while self.accept_word("and"):
            left = Binary("and", left, self.not_expr())
        return left

    def not_expr(self) -> Expr:
        if self.accept_word("not"):
            self.enter()
            try:
                return Unary("not", self.not_expr())
            finally:
                self.nesting -= 1
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        token = self.peek()
        negated = False
        if self.is_word(token, "not"):
            after = next_token(self.text, token.end, regex_ok=False)
            if self.is_word(after, "like") or self.is_word(after, "in"):
                self.advance(token)
                token = after
                negated = True
            else:
                return left
        if self.is_word(token, "like"):
            self.advance(token)
            return Binary("not like" if negated else "like", left, self.additive())
        if self.is_word(token, "in"):
            self.advance(token)
            return In(left, self.list_literal(), negated)
        if token.kind == "op" and token.value in _COMPARISON_OPS:
            self.advance(token)
            op: BinaryOp = "=" if token.value == "==" else token.value  # type: ignore[assignment]
            return Binary(op, left, self.additive())
        return left

    def list_literal(self) -> tuple[Expr, ...]:
        self.expect_op("[", "after 'in'")
        items: list[Expr] = []
        if self.accept_op("]"):
            return ()
        while True:
            items.append(self.expr())
            if self.accept_op("]"):
                return tuple(items)
            self.expect_op(",", "in a list")

    def additive(self) -> Expr:
        left = self.multiplicative()
        while True:
            token = self.peek()
            if token.kind == "op" and token.value in ("+", "-"):
                self.advance(token)
                op: BinaryOp = token.value  # type: ignore[assignment]
                left = Binary(op, left, self.multiplicative())
            else:
                return left

    def multiplicative(self) -> Expr:
        left = self.unary()
        while True:
            token = self.peek()
            if token.kind == "op" and token.value in ("*", "/", "%"):
                self.advance(token)
                op: BinaryOp = token.value  # type: ignore[assignment]
                left = Binary(op, left, self.unary())
            else:
                return left

    def unary(self) -> Expr:
        if self.accept_op("-"):
            self.enter()
            try:
                return Unary("-", self.unary())
            finally:
                self.nesting -= 1
        return self.power()

    def power(self) -> Expr:
        base = self.primary()
        if self.accept_op("^"):
            self.enter()
            try:
                return Binary("^", base, self.unary())
            finally:
                self.nesting -= 1
        return base

    def primary(self) -> Expr:
        token = self.peek(regex_ok=True)
        kind = token.kind
        if kind == "number":
            self.advance(token)
            return Number(token.number)
        if kind == "period":
            unit: TimeUnit = token.value.lstrip("0123456789")  # type: ignore[assignment]
            if token.amount < 1:
                raise self.error(
                    f"the time period {token.value} is empty", token, "a period of 1 or more"
                )
            self.advance(token)
            return TimePeriod(token.amount, unit)
        if kind == "string":
            self.advance(token)
            return String(token.value)
        if kind == "regex":
            self.advance(token)
            return Regex(token.value)
        if kind == "param":
            self.advance(token)
            return Param(token.value)
        if kind == "quoted_name":
            self.advance(token)
            return Field(token.value)
        if kind == "op" and token.value == "(":
            self.advance(token)
            inner = self.expr()
            self.expect_op(")", "to close '('")
            return inner
        if kind == "name":
            if token.value.lower() in RESERVED_WORDS:
                raise self.error(
                    f"found the keyword {token.value!r} where a value belongs",
                    token,
                    "a field, literal or function call",
                )
            self.advance(token)
            after = self.peek()
            if after.kind == "op" and after.value == "(":
                return self.call(token)
            return Field(token.value)
        raise self.error(
            f"found {self.describe(token)} where a value belongs",
            token,
            "a field, literal or function call",
        )

    def call(self, name_token: Token) -> Call:
        name = _CANONICAL_FUNCTION.get(name_token.value.lower())
        if name is None:
            raise self.error(
                f"unsupported function {shorten(name_token.value)!r}"
                f"{_suggest(name_token.value, sorted(FUNCTIONS))}",
                name_token,
                "a supported function (see docs/queries.md)",
            )
        if name in AGGREGATE_FUNCTIONS and not self.in_aggregation:
            raise self.error(
                f"the aggregate function {name!r} is only allowed in stats", name_token
            )
        self.expect_op("(", f"after {name}")
        args: list[Expr] = []
        outer = self.in_aggregation
        # arguments of an aggregate are per-event values: no nested aggregates
        self.in_aggregation = outer and name not in AGGREGATE_FUNCTIONS
        try:
            if not self.accept_op(")"):
                while True:
                    args.append(self.argument(name))
                    if self.accept_op(")"):
                        break
                    self.expect_op(",", f"between the arguments of {name}")
        finally:
            self.in_aggregation = outer
        low, high = ARITY[name]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = str(low) if high == low else f"{low} to {high}" if high else f"{low} or more"
            raise self.error(
                f"{name} takes {wanted} argument(s), got {len(args)}", name_token, wanted
            )
        return Call(name, tuple(args))

    def argument(self, function: str) -> Expr:
        token = self.peek(regex_ok=True)
        if token.kind == "op" and token.value == "*":
            if function != "count":
                raise self.error(f"'*' is only an argument of count, not {function}", token)
            self.advance(token)
            return Star()
        return self.expr()


def _has_aggregate(expr: Expr) -> bool:
    if isinstance(expr, Call):
        return expr.name in AGGREGATE_FUNCTIONS or any(_has_aggregate(a) for a in expr.args)
    if isinstance(expr, Binary):
        return _has_aggregate(expr.left) or _has_aggregate(expr.right)
    if isinstance(expr, Unary):
        return _has_aggregate(expr.operand)
    return False


def _only_refers_to(expr: Expr, names: set[str]) -> bool:
    """True when ``expr`` uses fields, all of them among ``names`` (earlier stats aliases)."""
    fields = [n for n in walk(expr) if isinstance(n, Field)]
    return bool(fields) and all(f.name in names for f in fields)
