"""The lock (constraints.txt) that `make` installs from: it pins every dependency pyproject.toml
names, each pin inside pyproject's bounds, and moto (whose internals the sandbox patches) stays
below its next minor version."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO_ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (REPO_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"constraints.txt: {line!r} is not an exact pin (name==version)"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = list(project["dependencies"])
    for extra in ("dev", "bench"):
        texts += project["optional-dependencies"][extra]
    return [Requirement(text) for text in texts]


def test_every_dependency_is_pinned_inside_its_bounds() -> None:
    pins = _pins()
    for requirement in _requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in constraints.txt"
        assert pins[name] in requirement.specifier, (
            f"constraints.txt pins {name}=={pins[name]} outside pyproject.toml's {requirement}"
        )


def test_moto_is_bounded_below_its_next_minor_version() -> None:
    (moto,) = [r for r in _requirements() if canonicalize_name(r.name) == "moto"]
    pinned = _pins()["moto"]
    next_minor = Version(f"{pinned.major}.{pinned.minor + 1}")
    assert next_minor not in moto.specifier, f"{moto} lets moto {next_minor} in"
