"""The byte prefilter learns from regexes, ``in``, ``ispresent`` and ``parse``, and never drops a match."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights_queries.engine import run
from insights_queries.local import query_files
from insights_queries.parser import parse
from insights_queries.prefilter import Folded, required_needles
from insights_queries.regex_literals import UNICODE_FOLDING_LETTERS
from insights_queries.sources import LogFiles


def needles(query: str) -> list[bytes] | None:
    return required_needles(parse(query))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("filter message like /timeout/", [b"\\u", b"timeout"]),
        ("filter message =~ /retry (\\d+) after timeout/", [b"\\u", b" after timeout"]),
        ('filter message =~ "conn.*refused"', [b"\\u", b"refused"]),
        ("filter message like /(database|queue) timeout/", [b" timeout", b"\\u"]),
        ("filter message like /(database|queue)\\d/", [b"\\u", b"database", b"queue"]),
        ("filter message like /(?:ab)+cde?/", [b"\\u", b"ab"]),
        ('filter level in ["ERROR", "WARN"]', [b"ERROR", b"WARN", b"\\u"]),
        ("filter ispresent(error_type)", [b'"error_type"', b"\\u"]),
        ("filter ispresent(extra.order_id)", [b'"extra.order_id"', b'"order_id"', b"\\u"]),
        (
            # the parse matched (its literal parts), or the line had the field already
            'parse @message "order * placed by *" as order, user | filter user = "u1"',
            [b" placed by ", b'"user"', b"\\u"],
        ),
        (
            'parse @message "order * placed by *" as order, user | filter ispresent(order)',
            [b" placed by ", b'"order"', b"\\u"],
        ),
        ("parse @message /took (?<ms>\\d+) ms/ | filter ms > 100", [b'"ms"', b"\\u", b"took "]),
        # @message is the line itself: any ASCII text may be looked for
        ('filter @message like /"level":"ERROR"/', [b'"level":"ERROR"', b"\\u"]),
        # another field's text may be re-serialised: JSON punctuation and numbers are cut away
        ('filter extra like /"a":1,"b"/', [b"\\u", b"a"]),
    ],
)
def test_needles_of_each_kind(query: str, expected: list[bytes]) -> None:
    assert needles(query) == sorted(expected)


def test_case_insensitive_regex_gives_a_folded_needle() -> None:
    found = needles("filter message like /(?i)TimeOut/")
    assert found == [b"\\u", b"meout"]  # cut at the i, which (?i) matches to İ and ı too
    assert isinstance(found[1], Folded)
    # case-sensitive needs of the same text are searched folded when another branch is folded
    both = needles("filter a like /error/ or b like /(?i)error/")
    assert both is not None and all(isinstance(n, Folded) for n in both if n != b"\\u")


@pytest.mark.parametrize(
    "query",
    [
        "filter message like /a?b*/",  # nothing is required
        "filter message like /x|.*/",  # one branch requires nothing
        "filter message not like /timeout/",
        "filter ispresent(@requestId)",  # Lambda platform lines have no key for it
        "filter ispresent(a.0)",  # a list index: no key
        "filter extra like /123/",  # a number's text may be spelled 1.23e2 in the line
        'parse @message "*" as a | filter a = "x"',  # a glob with no literal part
        'parse @message "x=*" as a | filter not ispresent(a)',  # true when the parse failed
        "filter message like /(unclosed/",  # not a regex: the engine reports it
    ],
)
def test_no_needles_when_a_line_without_them_could_match(query: str) -> None:
    try:
        result = needles(query)
    except Exception:  # a query the parser rejects needs no needles
        return
    assert result is None or query.startswith("parse") and b'"a"' not in result, result


def test_the_letters_case_folding_reaches_beyond_ascii_are_known() -> None:
    """Python's (?i) matches these ASCII letters to non-ASCII ones an ASCII search cannot see."""
    reaching = set()
    for code in range(0x80, 0x2200):  # every case pair of an ASCII letter lies below U+2200
        ch = chr(code)
        for letter in string.ascii_letters:
            if re.fullmatch(re.escape(letter), ch, re.IGNORECASE):
                reaching.add(letter)
    assert re.fullmatch("k", "\u212a", re.IGNORECASE)  # Kelvin sign, above the scanned range
    assert reaching | {"k", "K"} == set(UNICODE_FOLDING_LETTERS)


_WORDS = [
    "timeout",
    "TIMEOUT",
    "TimeOut",
    "ti\u212ameout",
    "tımeout",
    "queue",
    "order 7 placed by u1",
]
_values = st.one_of(
    st.sampled_from(_WORDS + ["a/b", "caf\u00e9", "x\\y", 'say "hi"', "1e2", "100"]),
    st.integers(-5, 200),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from([1, "timeout", 1.5]), max_size=2),
    st.lists(st.sampled_from(["queue", 1]), max_size=2),
)
_QUERIES = [
    "filter message like /timeout/",
    "filter message like /(?i)timeout/",
    "filter message =~ /(?i)ti.?meout|queue/",
    "filter message like /(?i:TIME)out/",
    "filter @message like /(?i)timeout/",
    'filter message in ["queue", "timeout"]',
    "filter ispresent(error)",
    "filter ispresent(extra.a)",
    'filter extra like /"a":1/',
    "filter extra like /1.5/",
    'parse message "order * placed by *" as order, user | filter ispresent(user)',
    'parse message "* placed by *" as order, error | filter error = "u1"',
    "parse message /(?<word>[a-z]+)out/ | filter word like /time/",
]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(
        st.dictionaries(
            st.sampled_from(["message", "error", "extra", "user"]), _values, max_size=3
        ),
        max_size=20,
    ),
    ascii_only=st.booleans(),
    spaced=st.booleans(),
    query=st.sampled_from(_QUERIES),
)
def test_prefiltered_result_equals_unfiltered_result(
    tmp_path: Path, records: list[dict[str, Any]], ascii_only: bool, spaced: bool, query: str
) -> None:
    path = tmp_path / "p.jsonl"
    separators = (", ", ": ") if spaced else (",", ":")
    path.write_text(
        "".join(
            json.dumps(r, ensure_ascii=ascii_only, separators=separators) + "\n" for r in records
        )
    )
    shown = query + " | display message, error, extra, user, order, word"
    fast = query_files(shown, [path])
    slow = run(parse(shown), LogFiles([path]))
    assert fast.rows == slow.rows
    assert fast.statistics.records_scanned <= len(records)


def test_each_kind_skips_the_lines_it_may_skip(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        {"message": "db TIMEOUT after 3 ms"},
        {"message": "all good", "error": "boom"},
        {"message": "order 1 placed by u1"},
        {"message": "nothing here"},
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    for query, kept in [
        ("filter message like /(?i)timeout after \\d/", 1),
        ("filter ispresent(error)", 1),
        ('filter message in ["all good", "nothing here"]', 2),
        ('parse message "order * placed by *" as order, user | filter ispresent(user)', 1),
    ]:
        result = query_files(query + " | display message", [path])
        assert len(result.rows) == kept, query
        assert result.statistics.records_scanned == kept, query  # the others were never read


def test_folded_needles_keep_lines_python_folds_beyond_ascii(tmp_path: Path) -> None:
    path = tmp_path / "unicode.jsonl"
    # long s (U+017F) folds to s, dotless i (U+0131) to i, the Kelvin sign (U+212A) to k
    words = ["TIMEOUTS", "timeout\u017f", "t\u0131meouts", "time outs", "tiMeouTs", "\u212aey"]
    path.write_text("".join(json.dumps({"m": w}, ensure_ascii=False) + "\n" for w in words))
    queries = (
        "filter m like /(?i)timeouts/",
        "filter m like /(?i)TI(?-i:meout)/",
        "filter m =~ /(?i)key/",
    )
    for query in queries:
        fast = query_files(query + " | display m", [path])
        assert fast.rows == run(parse(query + " | display m"), LogFiles([path])).rows, query
    assert len(query_files("filter m like /(?i)timeouts/", [path]).rows) == 4
    assert len(query_files("filter m like /(?i)key/", [path]).rows) == 1


def test_like_text_on_an_object_field_keeps_lines_spelled_with_spaces(tmp_path: Path) -> None:
    """An object's text is compact (``{"a":1}``); the line may have ``{"a": 1}``: keep it."""
    path = tmp_path / "spaced.jsonl"
    path.write_text('{"extra": {"a": 1, "b": 2}}\n{"extra": {"c": 3}}\n')
    result = query_files('filter extra like ":1,"', [path])
    assert len(result.rows) == 1
