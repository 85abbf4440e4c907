"""The error a malformed query raises: where it is (line, column) and what was expected there."""

from __future__ import annotations


class QuerySyntaxError(ValueError):
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
        super().__init__(f"line {self.line}, column {self.column}: {detail}")

    def pointer(self) -> str:
        """The query line the error is on, and a caret under the offending column."""
        lines = self.text.split("\n")
        source = lines[self.line - 1] if self.line - 1 < len(lines) else ""
        return f"{source}\n{' ' * (self.column - 1)}^"
