"""``parse`` globs: the same captures as AWS's documented lazy regex twin, in linear time."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from insights_queries.engine import run
from insights_queries.glob import Glob


def regex_twin(glob: str) -> re.Pattern[str]:
    """The glob as CWL_QuerySyntax-Parse writes it: ``(.*?)`` per star, the last one greedy
    when nothing follows it (a lazy group at the end would capture nothing)."""
    pieces = glob.split("*")
    out = [re.escape(pieces[0])]
    for index, literal in enumerate(pieces[1:], start=1):
        last = index == len(pieces) - 1
        out.append("(.*)" if last and not literal else "(.*?)")
        out.append(re.escape(literal))
    return re.compile("".join(out), re.DOTALL)


@settings(max_examples=300, deadline=None)
@given(
    glob=st.lists(st.text(alphabet="ab,", max_size=2), min_size=2, max_size=4).map("*".join),
    text=st.text(alphabet="ab,\n", max_size=12),
)
def test_glob_captures_what_the_lazy_regex_twin_captures(glob: str, text: str) -> None:
    m = regex_twin(glob).search(text)
    assert Glob(glob).match(text) == (None if m is None else list(m.groups()))


def test_a_glob_that_does_not_match_a_long_line_does_not_backtrack() -> None:
    # as a regex, four lazy stars on a 5,000-character line ran for minutes (found by fuzzing)
    line = "9" * 5000
    rows = run('parse @message "*9*9*9*x" as p, q, r, s | display p', [{"@message": line}])
    assert rows.column("p") == [None]


def test_stars_next_to_each_other() -> None:
    assert Glob("x**y").match("x123y") == ["", "123"]
    assert Glob("x**").match("x123") == ["", "123"]
