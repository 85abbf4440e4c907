"""Opening log files safely: what a path is, gzip, and reads that fail half way.

The readers in :mod:`insights_queries.sources` turn bytes into events; this module gets them the
bytes without ever raising anything but :class:`SourceError`, and without ever blocking:

- a path is checked before any file is opened, and one that is not a regular file is named for
  what it is ("is a directory", "is not a regular file (a FIFO)"): opening a FIFO would wait
  for a writer forever, and "not found" would send the operator looking in the wrong place;
- a gzip file that is truncated or corrupt half way yields the bytes before the damage, and the
  damage is recorded (:attr:`Blocks.damage`) so the caller can say what was lost instead of
  printing a zlib traceback or click's bare ``Aborted!`` (which is what an ``EOFError`` becomes).
"""

from __future__ import annotations

import gzip
import io
import stat
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
GZIP_PIECE = 1024 * 1024  # decompressed bytes per read of a gzip stream


class SourceError(ValueError):
    """A log file that cannot be read at all (missing, not a file, unreadable, broken document)."""


def path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a log file, or ``None`` when it is a regular file.

    ``stat`` follows symbolic links and never opens the file, so a FIFO cannot block here.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "not found"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory (give the log files in it)"
    kind = (
        "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a character device"
        if stat.S_ISCHR(mode)
        else "a block device"
        if stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a special file"
    )
    return f"is not a regular file ({kind})"


def check_paths(paths: Sequence[Path]) -> None:
    """Raise one :class:`SourceError` naming every path that is not a readable regular file."""
    missing: list[str] = []
    others: list[str] = []
    for path in paths:
        problem = path_problem(path)
        if problem == "not found":
            missing.append(str(path))
        elif problem is not None:
            others.append(f"{path} {problem}")
    parts = ([f"log file(s) not found: {', '.join(missing)}"] if missing else []) + others
    if parts:
        raise SourceError("; ".join(parts))


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip (read them through :class:`Blocks`)."""
    problem = path_problem(path)
    if problem is not None:
        raise SourceError(f"log file {path} {problem}")
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot read log file {path}: {exc.strerror or exc}") from None
    try:
        magic = raw.peek(2)[:2] if isinstance(raw, io.BufferedReader) else b""
    except OSError as exc:
        raw.close()
        raise SourceError(f"cannot read log file {path}: {exc.strerror or exc}") from None
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


class Blocks:
    """Reads a stream in blocks; a read that fails ends the stream and records why.

    ``damage`` is ``None`` while all went well, else one phrase (``gzip data ends early: the
    file is truncated``) and ``offset`` the uncompressed bytes read before it.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.damage: str | None = None
        self.offset = 0

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all with -1); ``b""`` at the end or after damage.

        A gzip stream is read a piece at a time (``read1``) so that the bytes decompressed
        before the damage are returned, not lost with the exception.
        """
        if self.damage is not None:
            return b""
        if not isinstance(self.stream, gzip.GzipFile):
            return self._guarded(self.stream.read, size)
        parts: list[bytes] = []
        wanted = size
        while wanted != 0:
            piece = self._guarded(
                self.stream.read1, GZIP_PIECE if wanted < 0 else min(wanted, GZIP_PIECE)
            )
            if not piece:
                break
            parts.append(piece)
            if wanted > 0:
                wanted -= len(piece)
        return b"".join(parts)

    def _guarded(self, read: Callable[[int], bytes], size: int) -> bytes:
        try:
            data = read(size)
        except EOFError:
            self.damage = "gzip data ends early: the file is truncated"
            return b""
        except zlib.error as exc:
            self.damage = f"gzip data is corrupt ({_zlib_reason(exc)})"
            return b""
        except gzip.BadGzipFile as exc:
            self.damage = f"gzip data is corrupt ({exc})"
            return b""
        except OSError as exc:
            self.damage = f"read failed ({exc.strerror or exc})"
            return b""
        self.offset += len(data)
        return data

    def describe_damage(self, path: Path, lines: int) -> str:
        """One line: which file, what went wrong, where (bytes and lines read), what was kept."""
        return (
            f"{path}: {self.damage} after {self.offset:,} bytes ({lines:,} lines); "
            "the lines before it were read"
        )


def _zlib_reason(exc: zlib.error) -> str:
    """``invalid bit length repeat`` from ``Error -3 while decompressing data: invalid ...``."""
    text = str(exc)
    return text.rsplit(": ", 1)[-1] if ": " in text else text


def strip_bom(head: bytes) -> tuple[bytes, int]:
    """``head`` without a leading UTF-8 byte order mark, and how many bytes that removed.

    Editors on Windows write one; left in place it hides line 1's opening ``{`` and the line's
    fields are lost.
    """
    if head.startswith(UTF8_BOM):
        return head[len(UTF8_BOM) :], len(UTF8_BOM)
    return head, 0
