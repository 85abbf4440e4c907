"""The errors of the query language: one base type, and the syntax error with its position.

Every failure of a query, whether it does not parse or cannot run, is a :class:`QueryError`, so a
caller (the CLI, a fuzzer) catches one type and shows one line; anything else escaping the
parser or the engine is a bug.
"""

from __future__ import annotations

# how much of an offending token an error message repeats: a 100 KB token pasted into a message
# made printing the error take a minute, and nobody reads past the first few dozen characters
MAX_ECHO = 60
# how much of the query line :meth:`QuerySyntaxError.pointer` shows on each side of the caret
POINTER_CONTEXT = 60


class QueryError(ValueError):
    """A query that parses but cannot run (for example an unbound parameter)."""


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was when it was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


class QuerySyntaxError(QueryError):
    """A query that is not valid Logs Insights text (or uses a feature obskit does not support).

    ``line`` and ``column`` are 1-based; ``expected`` says what would have been valid there.
    ``str(error)`` reads ``line 2, column 9: <message>``; :meth:`pointer` shows the offending line
    with a caret under the column, for terminals.
    """

    def __init__(
        self, message: str, *, text: str, offset: int, expected: str | None = None
    ) -> None:
        self.message = message
        self.text = text
        self.offset = offset
        self.expected = expected
        before = text[:offset]
        self.line = before.count("\n") + 1
        self.column = offset - (before.rfind("\n") + 1) + 1
        detail = message if expected is None else f"{message}; expected {expected}"
        super().__init__(f"line {self.line}, column {self.column}: {shorten(detail, 400)}")

    def pointer(self) -> str:
        """The query line the error is on (a window of it around a long line's column), and a
        caret under the offending column."""
        lines = self.text.split("\n")
        source = lines[self.line - 1] if self.line - 1 < len(lines) else ""
        column = self.column - 1
        start = max(0, column - POINTER_CONTEXT)
        end = column + POINTER_CONTEXT
        prefix = "…" if start > 0 else ""
        suffix = "…" if end < len(source) else ""
        window = prefix + source[start:end] + suffix
        return f"{window}\n{' ' * (len(prefix) + column - start)}^"
