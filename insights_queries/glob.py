"""The glob patterns of ``parse``: literal text with ``*`` wildcards, matched without a regex.

AWS documents a glob's regex twin with lazy groups, ``"user=*, method:*"`` being
``/user=(?<a>.*?), method:(?<b>.*?)/``
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Parse.html): each
``*`` captures up to the earliest place the text after it occurs, and a ``*`` that ends the glob
takes the rest of the text. Run as a regex, a glob with several stars that does not match
backtracks through every way of splitting the line (minutes on a 5 KB line with four stars).
Searching for each literal in turn gives the same captures in one pass: the earliest occurrence
of each literal is always the one the lazy regex settles on, since anything that can follow a
later occurrence can follow an earlier one too.
"""

from __future__ import annotations


class Glob:
    """A compiled ``parse`` glob: its literal pieces, split at the stars."""

    __slots__ = ("prefix", "literals", "stars")

    def __init__(self, glob: str) -> None:
        pieces = glob.split("*")
        self.prefix = pieces[0]
        self.literals = pieces[1:]  # the text after each star
        self.stars = len(self.literals)

    def match(self, text: str) -> list[str] | None:
        """What each star captures in the leftmost match in ``text``, or ``None``."""
        start = text.find(self.prefix)
        if start < 0:
            return None
        pos = start + len(self.prefix)
        captures: list[str] = []
        last = self.stars - 1
        for index, literal in enumerate(self.literals):
            if index == last and not literal:
                captures.append(text[pos:])
                break
            found = text.find(literal, pos)
            if found < 0:
                return None
            captures.append(text[pos:found])
            pos = found + len(literal)
        return captures
