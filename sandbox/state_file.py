"""What ``obskit sandbox up`` leaves behind for ``run``, ``status`` and ``down``: one small JSON file.

The file lives in the user's temporary directory (``$OBSKIT_SANDBOX_STATE`` overrides), never in
the repository. It holds the endpoint, the moto_server process id, the catalog file, the seed and
the simulated clock, so successive ``sandbox run`` calls continue the same timeline, and the
Lambda gateway in front of the endpoint (its URL and process id), the endpoint commands use.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sandbox.errors import SandboxError

ENV_VAR = "OBSKIT_SANDBOX_STATE"


@dataclass
class SandboxState:
    endpoint_url: str
    pid: int | None
    catalog: str | None
    seed: int
    clock: float
    gateway_url: str | None = None
    gateway_pid: int | None = None
    runs: int = 0
    """How many ``sandbox run`` calls this sandbox has had: each draws its IDs from its own seed."""
    workflows: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per workflow, ``started`` / ``completed`` / ``failed`` summed over every run."""
    alarm_transitions: dict[str, int] = field(default_factory=dict)
    """Per alarm, its changes into or out of ALARM summed over every run."""

    def add_run(self, workflows: dict[str, dict[str, int]], transitions: dict[str, int]) -> None:
        """Count one more ``sandbox run``: its workflows and alarm transitions."""
        self.runs += 1
        for name, counts in workflows.items():
            total = self.workflows.setdefault(name, {"started": 0, "completed": 0, "failed": 0})
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value
        for name, count in transitions.items():
            self.alarm_transitions[name] = self.alarm_transitions.get(name, 0) + count


def run_seed(seed: int, run: int) -> int:
    """The seed of the ``run``-th ``sandbox run`` on one sandbox: the sandbox's seed for the first,
    then one derived from both, so IDs never repeat from one run to the next (a repeated
    correlation ID would merge two workflows in ``obskit trace``) and stay reproducible."""
    if run == 0:
        return seed
    digest = hashlib.sha256(f"obskit-sandbox-run:{seed}:{run}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def state_path() -> Path:
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured)
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"obskit-sandbox-{uid}.json"


def save(state: SandboxState, path: Path | None = None) -> Path:
    target = path or state_path()
    target.write_text(json.dumps(asdict(state), indent=2), encoding="utf-8")
    return target


def load(path: Path | None = None) -> SandboxState:
    source = path or state_path()
    if not source.exists():
        raise SandboxError(f"no sandbox is up ({source} does not exist): run `obskit sandbox up`")
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        return SandboxState(**data)
    except (ValueError, TypeError) as error:
        raise SandboxError(f"{source}: not a sandbox state file ({error})") from None


def _runs(pid: int, marker: bytes) -> bool:
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        return marker in cmdline.read_bytes()
    except OSError:
        return False


def is_moto_process(pid: int) -> bool:
    """True when ``pid`` runs moto_server (so ``down`` never signals an unrelated process)."""
    return _runs(pid, b"moto")


def is_gateway_process(pid: int) -> bool:
    """True when ``pid`` runs the sandbox's Lambda gateway."""
    return _runs(pid, b"lambda_gateway")


def stop_server(state: SandboxState) -> bool:
    """Terminate the sandbox's moto_server (and its gateway); False when it was not running."""
    if state.gateway_pid is not None and is_gateway_process(state.gateway_pid):
        os.kill(state.gateway_pid, signal.SIGTERM)
    if state.pid is None or not is_moto_process(state.pid):
        return False
    os.kill(state.pid, signal.SIGTERM)
    return True


def remove(path: Path | None = None) -> None:
    (path or state_path()).unlink(missing_ok=True)
