"""The one exception the sandbox raises for bad input or a broken environment."""

from __future__ import annotations


class SandboxError(RuntimeError):
    """Something the sandbox cannot do; the message names what and where."""
