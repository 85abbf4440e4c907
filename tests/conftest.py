"""Fixtures shared by every test package: paths to the shared fixtures and a real moto_server."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings

from sandbox.clock import START_ENV
from sandbox.moto_server import MotoServer

# Property tests draw the same examples on every run: CI's verdict never depends on a random seed
# (a failing example found while developing goes into a regression test of its own).
settings.register_profile("obskit", derandomize=True, database=None)
settings.load_profile("obskit")

PINNED_WEEKDAY = 3
"""The suite's sandboxes start on a Wednesday (ISO weekday) at 06:55 UTC unless CI pins another day."""


def pinned_sandbox_start(wall_now: float, weekday: int = PINNED_WEEKDAY) -> str:
    """The latest ``weekday`` 06:55 UTC at least a day before ``wall_now``: the same weekday and
    hour whatever the date, and inside CloudWatch Logs' 14-day window."""
    day = datetime.fromtimestamp(wall_now, tz=UTC).replace(
        hour=6, minute=55, second=0, microsecond=0
    )
    day -= timedelta(days=1)
    while day.isoweekday() != weekday:
        day -= timedelta(days=1)
    return day.strftime("%Y-%m-%dT%H:%M:%SZ")


def pytest_configure(config: pytest.Config) -> None:
    """Pin every sandbox's clock start (``$OBSKIT_SANDBOX_START``), so no test depends on the date
    or weekday it runs on; CI runs the sandbox tests once per weekday with its own pins."""
    os.environ.setdefault(START_ENV, pinned_sandbox_start(time.time()))
    # ``obskit trace`` caches compiled catalogs in the user's cache directory: never the real one.
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="obskit-test-cache-")


REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("OBSKIT_SHARED_DIR", REPO_ROOT.parent / "shared"))
EXAMPLE_CATALOG = REPO_ROOT / "examples" / "alchemiser" / "catalog.yaml"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.fail(f"the shared folder is missing: expected it at {SHARED_DIR}")
    return SHARED_DIR


@pytest.fixture(scope="session")
def alchemiser_capture(shared_dir: Path) -> Path:
    """The real 8,193-line CloudWatch capture of one Alchemiser workflow."""
    return shared_dir / "fixtures" / "alchemiser" / "workflow-2025-12-17.json"


@pytest.fixture(scope="session")
def example_catalog_path() -> Path:
    return EXAMPLE_CATALOG


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto_server on a free loopback port for the whole session (started and stopped here)."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def aws_endpoint(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean moto_server endpoint with fake credentials in the environment."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_server.endpoint_url
