"""Telling a local stand-in for AWS from a real account, by address and by what it answers."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from sandbox.moto_server import MotoServer
from tools.readiness.target_kind import local_endpoint_reason, local_probe_answer


def test_no_endpoint_is_aws_and_loopback_is_local() -> None:
    assert local_endpoint_reason(None) is None
    assert "loopback" in (local_endpoint_reason("http://127.0.0.1:5000") or "")
    assert "loopback" in (local_endpoint_reason("http://[::1]:4566") or "")
    assert "localhost" in (local_endpoint_reason("http://localhost:4566") or "")


def test_an_unreachable_remote_endpoint_may_be_an_account() -> None:
    # .invalid never resolves (RFC 2606): the probe fails and nothing says it is local
    assert local_endpoint_reason("https://vpce.invalid", probe_timeout_s=0.2) is None


def test_moto_is_recognised_by_its_own_api(moto_server: MotoServer) -> None:
    assert "/moto-api/" in (local_probe_answer(moto_server.endpoint_url) or "")


def test_a_server_that_answers_no_probe_is_not_called_local() -> None:
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # answers 501 to everything
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert local_probe_answer(f"http://127.0.0.1:{server.server_port}") is None
    finally:
        server.shutdown()
        server.server_close()
