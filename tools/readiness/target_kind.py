"""Is ``--endpoint-url`` a real AWS account, or a local stand-in (obskit's sandbox, moto_server,
LocalStack)? The readiness items that only a real deployment can prove must not pass on the
sandbox's own resources: its log groups hold lines the sandbox wrote, and its subscriptions are
confirmed by moto without anyone reading them."""

from __future__ import annotations

import functools
import ipaddress
import urllib.error
import urllib.request
from urllib.parse import urlsplit

LOCAL_PROBES = ("/moto-api/", "/_localstack/health")
"""Paths only a local stand-in answers: moto_server's dashboard API, LocalStack's health check."""


@functools.lru_cache(maxsize=16)
def local_endpoint_reason(endpoint_url: str | None, *, probe_timeout_s: float = 1.0) -> str | None:
    """Why ``endpoint_url`` is not a real AWS account, or None when it may be one.

    No endpoint (the SDK's own regional endpoints) is AWS. A loopback address, ``localhost``, or
    an endpoint that answers a stand-in's own path is local. Remembered per endpoint, so the
    readiness items that ask probe it once.
    """
    if not endpoint_url:
        return None
    host = urlsplit(endpoint_url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return f"{endpoint_url} is on this machine (localhost)"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return f"{endpoint_url} is on this machine (a loopback address)"
    except ValueError:
        pass
    return local_probe_answer(endpoint_url, probe_timeout_s)


def local_probe_answer(endpoint_url: str, timeout_s: float = 1.0) -> str | None:
    """Why ``endpoint_url`` is a local stand-in, judged by the paths only one answers (for an
    endpoint reached under another name, e.g. a tunnel or a container's address); else None."""
    for path in LOCAL_PROBES:
        try:
            with urllib.request.urlopen(endpoint_url.rstrip("/") + path, timeout=timeout_s):
                return f"{endpoint_url} answers {path}: a local stand-in for AWS"
        except (urllib.error.URLError, OSError, ValueError):
            continue
    return None
