"""Start runbook commands from a warm interpreter: the same script, argv and environment, each in a
process of its own.

A drill runs hundreds of ``aws`` and ``obskit`` commands. Started as new interpreters, each spends
0.3-0.6 CPU-seconds importing Python, botocore and the AWS CLI before doing anything (measured in
docs/drills.md), which made the drill suite several times slower than the sandbox it drives.
This server imports those modules once, then *forks* a child per command. The child is a real
process, as a subprocess is: it gets the command's environment, working directory, argv, standard
input from ``/dev/null`` and its own stdout and stderr files, runs the very console script the
subprocess would run (``runpy.run_path`` on it, as ``__main__``), and exits with the script's exit
code. Nothing a command does reaches the next one: the server itself never runs a command, so each
child starts from the same freshly imported state.

What differs from a new interpreter, and why it does not change a command's answer:
- the modules are already imported: only modules that read the environment *at import* could tell,
  and none of obskit's, botocore's or the AWS CLI's read anything a step sets (a test compares both
  ways of running on every kind of step; the server only serves a script whose ``#!`` line is this
  interpreter, and restarts when ``PYTHONPATH`` changes, so the code imported is the code the
  subprocess would import);
- ``random`` is reseeded in every child (botocore's retry jitter uses it); the string hash seed is
  the server's for every child (a fresh interpreter draws one per process), so the order of a set
  printed by a command is the same from command to command, as it could be by chance.

Only Linux forks here (``os.fork`` after imports is what Linux supports well); elsewhere, or with
``OBSKIT_DRILL_COMMANDS=subprocess``, every command is a new interpreter as before.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import random
import runpy
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

MODE_ENV = "OBSKIT_DRILL_COMMANDS"
"""``subprocess`` runs every command as a new interpreter; anything else (default) uses the server
where it can."""
WARM_MODULES: dict[str, tuple[str, ...]] = {
    "aws": ("awscli.clidriver", "awscli.handlers"),
    "obskit": (
        "tools.cli",
        "tools.query_cli",
        "tools.trace_cli",
        "tools.dlq_cli",
        "tools.replay_cli",
        "tools.saved_queries",
        "botocore.session",
        "rich.console",
        "rich.table",
    ),
}
"""What each program's server imports before it serves (a missing one is skipped): the AWS CLI
with its plugin handlers; the ``obskit`` subcommands runbook steps use. One server per program,
since importing ``awscli`` makes ``import botocore`` load the AWS CLI's own copy of botocore: an
``obskit`` command forked after it would run other code than its new interpreter does."""
SERVED_PROGRAMS = frozenset(WARM_MODULES)


@dataclass(frozen=True)
class Finished:
    """How a command ended: its exit code and what it wrote to each stream."""

    returncode: int
    stdout: str
    stderr: str


def serves(script: str) -> bool:
    """Whether ``script`` is a console script of this interpreter the server can run.

    Another ``aws`` on the PATH (AWS CLI v2, a binary) or a script for another Python runs as a
    subprocess, since the server has not imported its code."""
    path = Path(script)
    if path.name not in SERVED_PROGRAMS:
        return False
    try:
        with path.open("rb") as handle:
            first = handle.readline(4096)
    except OSError:
        return False
    return first.strip() == b"#!" + os.fsencode(sys.executable)


def fork_available() -> bool:
    return sys.platform == "linux" and os.environ.get(MODE_ENV, "") != "subprocess"


class CommandServer:
    """A warm interpreter for one console script that forks one child per command."""

    def __init__(self, script: str, environ: Mapping[str, str]) -> None:
        self.script = script
        self.key = _server_key(environ)
        self._process = subprocess.Popen(
            [sys.executable, __file__, script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(environ),
            text=True,
            bufsize=1,
            cwd=os.path.dirname(script),
        )
        assert self._process.stdout is not None
        self._replies = LineReader(self._process.stdout.fileno())
        self._lock = threading.Lock()
        ready = self._read_line(timeout_s=120.0)
        if not isinstance(ready, dict) or not ready.get("ready"):
            self.close()
            raise RuntimeError(f"the command server did not start: {ready!r}")
        self.imported_environ: dict[str, list[str | None]] = ready["environ"]
        """What importing the warm modules changed in ``os.environ``: name -> [before, after]
        (``awscli`` extends ``AWS_DATA_PATH``). A child applies the *after* values, which is
        what its own imports would have done only if the command's *before* values are the
        same: :meth:`fits` checks that."""

    def fits(self, environ: Mapping[str, str]) -> bool:
        """Whether a command with ``environ`` would import what this server imported."""
        if not self.alive() or self.key != _server_key(environ):
            return False
        return all(
            environ.get(name) == before for name, (before, _) in self.imported_environ.items()
        )

    def alive(self) -> bool:
        return self._process.poll() is None

    def run(
        self,
        argv: Sequence[str],
        environ: Mapping[str, str],
        cwd: Path | None,
        timeout_s: float,
    ) -> Finished | None:
        """Run ``argv``; ``None`` if it timed out (the child is killed)."""
        with self._lock, tempfile.TemporaryDirectory(prefix="obskit-step-") as scratch:
            out, err = Path(scratch, "stdout"), Path(scratch, "stderr")
            child_environ = dict(environ)
            for name, (_, after) in self.imported_environ.items():
                if after is None:
                    child_environ.pop(name, None)
                else:
                    child_environ[name] = after
            request = {
                "argv": list(argv),
                "env": child_environ,
                "cwd": str(cwd) if cwd is not None else os.getcwd(),
                "stdout": str(out),
                "stderr": str(err),
            }
            assert self._process.stdin is not None
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            started = self._read_line(timeout_s=30.0)
            if not isinstance(started, dict) or "pid" not in started:
                raise RuntimeError(f"the command server did not start the command: {started!r}")
            pid = int(started["pid"])
            ended = self._read_line(timeout_s=timeout_s)
            if ended is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                self._read_line(timeout_s=30.0)
                return None
            return Finished(int(ended["returncode"]), _text(out), _text(err))

    def close(self) -> None:
        if self._process.poll() is None:
            with contextlib.suppress(OSError):
                assert self._process.stdin is not None
                self._process.stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def _read_line(self, *, timeout_s: float) -> Any:
        line = self._replies.read_line(timeout_s)
        return None if line is None else json.loads(line)


class LineReader:
    """Lines from a pipe, each within a timeout.

    Why not ``select`` on the pipe, then ``readline`` on its file object: the file object reads
    ahead. When the server's two replies (``pid``, then ``returncode`` of a command that ended at
    once) arrive together, ``readline`` takes both into its buffer and returns the first; the
    pipe is then empty, so ``select`` waits out the whole timeout for a line already read, and
    every later reply is read one request late. Here the buffer is ours, and looked at first.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._pending = b""

    def read_line(self, timeout_s: float) -> str | None:
        """The next line (without its newline); ``None`` if none came within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._fd], [], [], left)[0]:
                return None
            chunk = os.read(self._fd, 65536)
            if not chunk:
                raise RuntimeError("the command server stopped")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line.decode()


_servers: dict[str, CommandServer] = {}


def shared_server(script: str, environ: Mapping[str, str]) -> CommandServer | None:
    """This process's server for ``script`` under ``environ``, started on first use; ``None``
    where commands must be new interpreters (not Linux, or ``OBSKIT_DRILL_COMMANDS=subprocess``,
    or a script the server cannot run)."""
    if not fork_available() or not serves(script):
        return None
    server = _servers.get(script)
    if server is not None and not server.fits(environ):
        server.close()
        del _servers[script]
        server = None
    if server is None:
        try:
            server = CommandServer(script, environ)
        except (OSError, RuntimeError, ValueError):
            return None
        if not server.fits(environ):
            server.close()
            return None
        _servers[script] = server
        atexit.register(server.close)
    return server


def _server_key(environ: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(environ.get(name, "") for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH"))


def _text(path: Path) -> str:
    """The stream as ``subprocess.run(text=True)`` gives it: UTF-8, universal newlines."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- the server side ----------------------------------------------------------------------------


def _serve(script: str) -> None:
    import importlib

    sys.path[0] = os.path.dirname(script)  # as for ``python script``: its directory first
    before = dict(os.environ)
    for name in WARM_MODULES.get(Path(script).name, ()):
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    changed = {
        name: [before.get(name), os.environ.get(name)]
        for name in sorted(set(before) | set(os.environ))
        if before.get(name) != os.environ.get(name)
    }
    replies = sys.stdout
    _say(replies, {"ready": True, "environ": changed})
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child never returns
            _child(request)
        _say(replies, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        _say(replies, {"returncode": os.waitstatus_to_exitcode(status)})


def _say(replies: IO[str], message: dict[str, Any]) -> None:
    replies.write(json.dumps(message) + "\n")
    replies.flush()


def _child(request: dict[str, Any]) -> None:
    code = 1
    try:
        os.setsid()  # its own process group: a timeout kills it and anything it started
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 1)
        os.dup2(os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
        _fresh_standard_streams()
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        random.seed()
        script = request["argv"][0]
        sys.argv = list(request["argv"])
        sys.path[0] = str(Path(script).parent)
        code = _run_script(script)
    except BaseException:  # noqa: BLE001 - the child must always exit with a code
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code & 0xFF)


def _fresh_standard_streams() -> None:
    """The streams a new interpreter makes for files: block-buffered stdout, line-buffered stderr."""
    encoding = os.environ.get("PYTHONIOENCODING") or "utf-8"
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding=encoding)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding=encoding
    )
    sys.stderr = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
        encoding=encoding,
        errors="backslashreplace",
        line_buffering=True,
    )
    for name in ("stdin", "stdout", "stderr"):
        setattr(sys, f"__{name}__", getattr(sys, name))


def _run_script(script: str) -> int:
    """Run ``script`` as ``python script`` would, and the exit code Python would give."""
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as stop:
        return _exit_code(stop.code)
    except BaseException:  # noqa: BLE001 - an uncaught error is exit code 1, as in Python
        traceback.print_exc()
        return 1
    return 0


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    _serve(sys.argv[1])
