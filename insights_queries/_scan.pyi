"""Types of the C reader of a block of JSON lines (``_scan.c``)."""

from typing import Any

VERSION: int

def scan_lines(
    data: bytes, start: int, end: int, keys: tuple[bytes, ...], needles: tuple[bytes, ...] = (), /
) -> tuple[int, list[list[Any]], list[tuple[int, int, int]], list[int]]: ...
def count_pairs(keys: list[Any], values: list[Any], into: dict[Any, dict[Any, int]], /) -> None: ...
def line_spans(
    data: Any, start: int, end: int, needles: tuple[bytes, ...], /
) -> list[tuple[int, int]]: ...
