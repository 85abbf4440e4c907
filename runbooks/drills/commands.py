"""Run a runbook command literally, as an operator would, against the sandbox endpoint.

A step's command is the text an operator pastes into a shell. The drill runs it as a process of
its own (never by calling the CLI in the drill's process: a command that only works in-process
proves nothing): forked from a warm interpreter that has already imported the AWS CLI and obskit
(:mod:`runbooks.drills.command_server`, same script, argv and environment), or as a new
interpreter where that cannot be. With:
- fake credentials and the region of the catalog, and ``AWS_ENDPOINT_URL`` pointing at the sandbox;
- ``aws``: the real AWS CLI, with ``--endpoint-url`` added too (AWS CLI v1 does not honour
  ``AWS_ENDPOINT_URL`` for every service). If it is not installed the step fails with a message
  that says so: no stand-in pretends a command ran.
- ``obskit``: the console script next to the running interpreter (the venv's), else on PATH.
- a fresh working directory per drill (see :attr:`CommandEnv.workdir`);
- ``${AWS_ACCOUNT_ID}`` (and any ``${VAR}`` the environment defines) expanded as a shell would.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from runbooks.drills import command_server
from runbooks.drills.model import StepResult

COMMAND_TIMEOUT_S = 180.0
TERMINAL_COLUMNS = 400
"""The operator's terminal width (a wide one): tables (``obskit query``) print whole cells, not cells cut
across lines, so a name in them can be found by ``Step.expect``."""
BYTECODE_CACHE = Path(tempfile.gettempdir()) / f"obskit-drill-pycache-{os.getuid()}"
"""Where the commands keep compiled bytecode when the caller's environment disables it."""
OUTPUT_KEEP = 200_000
"""How much of a command's output (its end) is kept for ``Step.expect`` to be checked on."""
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class CommandError(ValueError):
    """A step's command cannot be run at all (empty, unbalanced quotes, unknown program)."""


@dataclass(frozen=True)
class CommandEnv:
    """Where commands go: the sandbox endpoint, its region and account."""

    endpoint_url: str
    region: str
    account_id: str
    workdir: Path | None = None
    """The operator's working directory: a fresh one per drill, so files a tool keeps there
    (``obskit dlq replay``'s journal) never leak from one drill, or one run, into the next."""
    catalog_file: str | None = None
    """The drilled catalog, as ``$OBSKIT_CATALOG``: an ``obskit`` step written without
    ``--catalog`` reads the system being drilled, never the embedded example."""

    def environ(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            env.pop(key, None)
        env.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint_url,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
                "AWS_ACCOUNT_ID": self.account_id,
                "AWS_PAGER": "",
                **({"OBSKIT_CATALOG": self.catalog_file} if self.catalog_file else {}),
                "NO_COLOR": "1",
                "COLUMNS": str(TERMINAL_COLUMNS),
            }
        )
        scripts = str(Path(sys.executable).parent)
        env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
        # Fast start-up: a drill runs hundreds of commands, each a new interpreter. Where the
        # caller's environment forbids writing bytecode, every one would compile obskit's
        # modules again; they keep it in a cache of their own instead (not in the source tree).
        if env.pop("PYTHONDONTWRITEBYTECODE", None) and "PYTHONPYCACHEPREFIX" not in env:
            env["PYTHONPYCACHEPREFIX"] = str(BYTECODE_CACHE)
        return env


def expand(word: str, env: Mapping[str, str]) -> str:
    """``$VAR`` / ``${VAR}`` → its value; an undefined variable is an error, not an empty word."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in env:
            raise CommandError(f"variable ${{{name}}} is not set (in {word!r})")
        return env[name]

    return _VAR.sub(value, word)


def argv_for(command: str, env: CommandEnv, environ: Mapping[str, str]) -> list[str]:
    """The argv a shell would build for ``command``, with the program resolved."""
    try:
        words = shlex.split(command)
    except ValueError as error:
        raise CommandError(f"cannot parse command {command!r}: {error}") from None
    if not words:
        raise CommandError("empty command")
    program, rest = words[0], [expand(w, environ) for w in words[1:]]
    if program == "aws":
        beside = Path(sys.executable).parent / "aws"  # the AWS CLI installed with obskit
        found = str(beside) if beside.exists() else shutil.which("aws", path=environ.get("PATH"))
        if found is None:
            raise CommandError(
                f"the AWS CLI (`aws`) is not installed, so {command!r} cannot run; install it "
                "(pip install awscli) and run the drill again"
            )
        return [found, "--endpoint-url", env.endpoint_url, *rest]
    if program == "obskit":
        local = Path(sys.executable).parent / "obskit"
        found = str(local) if local.exists() else shutil.which("obskit", path=environ.get("PATH"))
        if found is None:
            raise CommandError("the `obskit` console script is not installed (pip install -e .)")
        return [found, *rest]
    raise CommandError(f"{command!r}: drills run `aws` and `obskit` commands only, not {program!r}")


def run_command(
    command: str, env: CommandEnv, *, timeout_s: float = COMMAND_TIMEOUT_S
) -> StepResult:
    """Run ``command``; a command that cannot start is a failed step with exit code 127."""
    environ = env.environ()
    try:
        argv = argv_for(command, env, environ)
    except CommandError as error:
        return StepResult(command, 127, False, str(error))
    server = command_server.shared_server(argv[0], environ)
    if server is not None:
        try:
            finished = server.run(argv, environ, env.workdir, timeout_s)
        except (OSError, RuntimeError, ValueError):
            finished = _run_process(argv, environ, env.workdir, timeout_s)
    else:
        finished = _run_process(argv, environ, env.workdir, timeout_s)
    if finished is None:
        return StepResult(command, 124, False, f"timed out after {timeout_s:g} s")
    output = (finished.stdout + finished.stderr)[-OUTPUT_KEEP:]
    return StepResult(command, finished.returncode, finished.returncode == 0, output)


def _run_process(
    argv: list[str], environ: Mapping[str, str], cwd: Path | None, timeout_s: float
) -> command_server.Finished | None:
    """``argv`` as a new interpreter; ``None`` if it timed out."""
    try:
        done = subprocess.run(
            argv,
            env=dict(environ),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    return command_server.Finished(done.returncode, done.stdout, done.stderr)


def warm_command_servers() -> None:
    """Start this process's command servers for ``aws`` and ``obskit`` now, so processes forked
    from it (drill variants, :mod:`runbooks.drills.variants`) share them instead of each
    starting its own."""
    env = CommandEnv("http://127.0.0.1:1", "us-east-1", "000000000000")
    environ = env.environ()
    for program in ("aws", "obskit"):
        try:
            argv = argv_for(program, env, environ)
        except CommandError:
            continue
        command_server.shared_server(argv[0], environ)
