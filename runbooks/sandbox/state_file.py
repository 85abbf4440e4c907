"""What ``obskit sandbox up`` leaves behind for ``run``, ``status`` and ``down``: one small JSON file.

The file lives in the user's temporary directory (``$OBSKIT_SANDBOX_STATE`` overrides), never in
the repository. It holds the endpoint, the moto_server process id, the catalog file, the seed and
the simulated clock, so successive ``sandbox run`` calls continue the same timeline.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from runbooks.sandbox.errors import SandboxError

ENV_VAR = "OBSKIT_SANDBOX_STATE"


@dataclass
class SandboxState:
    endpoint_url: str
    pid: int | None
    catalog: str | None
    seed: int
    clock: float


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


def is_moto_process(pid: int) -> bool:
    """True when ``pid`` runs moto_server (so ``down`` never signals an unrelated process)."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        return b"moto" in cmdline.read_bytes()
    except OSError:
        return False


def stop_server(state: SandboxState) -> bool:
    """Terminate the sandbox's moto_server; False when it was not running."""
    if state.pid is None or not is_moto_process(state.pid):
        return False
    os.kill(state.pid, signal.SIGTERM)
    return True


def remove(path: Path | None = None) -> None:
    (path or state_path()).unlink(missing_ok=True)
