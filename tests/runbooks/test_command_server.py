"""Runbook commands forked from the warm command server answer exactly as new interpreters do.

Each command runs both ways against a real moto_server: the exit code, stdout and stderr must be
the same bytes. The kinds cover what runbook steps do: an ``aws`` call that answers, one that fails
on the server (non-zero exit, error on stderr), a usage error of the AWS CLI, ``obskit`` reading and
writing in its working directory, an ``obskit`` error, and a ``${VAR}`` from the environment.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from runbooks.drills import command_server
from runbooks.drills.commands import CommandEnv, run_command

pytestmark = pytest.mark.skipif(
    not command_server.fork_available(), reason="the command server forks (Linux)"
)

COMMANDS = [
    "aws sqs list-queues",
    "aws sqs get-queue-attributes --queue-url ${QUEUE_URL} --attribute-names All",
    "aws sqs get-queue-attributes --queue-url http://nowhere/000000000000/missing "
    "--attribute-names All",
    "aws lambda get-function-configuration --function-name no-such-function",
    "aws sqs no-such-operation",
    "aws cloudwatch describe-alarms --alarm-names missing-alarm --output text",
    "obskit dlq inspect drill-dlq",
    "obskit dlq inspect no-such-queue",
    "obskit query --help",
    "obskit no-such-command",
]


@pytest.fixture
def env(aws_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CommandEnv]:
    sqs = boto3.client("sqs", endpoint_url=aws_endpoint, region_name="us-east-1")
    url = sqs.create_queue(QueueName="drill-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody='{"detail-type": "X", "id": "1"}')
    monkeypatch.setenv("QUEUE_URL", url)
    yield CommandEnv(aws_endpoint, "us-east-1", "123456789012", workdir=tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_forked_command_answers_as_a_new_interpreter(
    command: str, env: CommandEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    forked = run_command(command, env)
    monkeypatch.setenv(command_server.MODE_ENV, "subprocess")
    fresh = run_command(command, env)
    assert (forked.exit_code, _without_ages(forked.output)) == (
        fresh.exit_code,
        _without_ages(fresh.output),
    )


def _without_ages(output: str) -> str:
    """A message's age (``obskit dlq inspect``'s "oldest age") counts wall-clock seconds: the
    second run of a command may read more, and an age with one more digit (9 s, then 10 s on a
    loaded machine) widens its column (commands print 400 columns wide, so nothing folds), so
    runs of padding and rules count as one."""
    masked = re.sub(r"\b\d+ s\b", "N s", output)
    return re.sub(r"([ ─━])\1+", r"\1", masked)


def test_ages_and_the_column_widths_they_make_are_masked() -> None:
    """The comparison must not depend on how long the machine took between the two runs."""
    narrow = "┃ oldest age ┃\n│ 9 s        │\n└────────────┘"
    wide = "┃ oldest age  ┃\n│ 10 s        │\n└─────────────┘"
    assert _without_ages(narrow) == _without_ages(wide)
    assert _without_ages("│ 9 s │ X │") != _without_ages("│ 9 s │ Y │")


def test_the_server_runs_what_it_serves_and_nothing_leaks_between_commands(
    env: CommandEnv, tmp_path: Path
) -> None:
    environ = env.environ()
    aws = str(Path(command_server.sys.executable).parent / "aws")
    server = command_server.shared_server(aws, environ)
    assert server is not None
    assert command_server.serves(aws)
    assert not command_server.serves("/bin/true")
    script = tmp_path / "obskit"
    script.write_text("#!/usr/bin/env python3\nprint('another python')\n")
    assert not command_server.serves(str(script))
    # A variable one command's process sets is gone for the next: every child starts afresh.
    first = server.run(
        [aws, "--endpoint-url", env.endpoint_url, "sqs", "list-queues"], environ, tmp_path, 60
    )
    assert first is not None and first.returncode == 0 and "drill-dlq" in first.stdout
    environ_without_region = {k: v for k, v in environ.items() if "REGION" not in k}
    second = server.run(
        [aws, "--endpoint-url", env.endpoint_url, "sqs", "list-queues"],
        environ_without_region,
        tmp_path,
        60,
    )
    assert second is not None and second.returncode != 0
    assert "region" in second.stderr.lower()


def test_a_command_past_its_timeout_is_killed(env: CommandEnv, tmp_path: Path) -> None:
    environ = env.environ()
    sleeper = tmp_path / "bin" / "obskit"
    sleeper.parent.mkdir()
    sleeper.write_text(f"#!{command_server.sys.executable}\nimport time\ntime.sleep(600)\n")
    server = command_server.shared_server(str(sleeper), environ)
    assert server is not None
    assert server.run([str(sleeper)], environ, tmp_path, 1.0) is None
    obskit = str(Path(command_server.sys.executable).parent / "obskit")
    again = command_server.shared_server(obskit, environ)
    assert again is not None and again is not server
    done = again.run([obskit, "--help"], environ, tmp_path, 60)
    assert done is not None and done.returncode == 0 and "Usage" in done.stdout


def test_replies_that_arrive_together_are_each_read_at_once() -> None:
    """A command that ends at once makes the server's two replies (``pid``, ``returncode``)
    arrive in one read: the second must be there for the next read, not after the timeout (it
    was: the drill's command "timed out", and every later reply was read one request late)."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b'{"pid": 1}\n{"returncode": 2}\n{"pid"')
        reader = command_server.LineReader(read_end)
        assert reader.read_line(timeout_s=5) == '{"pid": 1}'
        assert reader.read_line(timeout_s=0) == '{"returncode": 2}'  # already read: no wait
        assert reader.read_line(timeout_s=0) is None  # half a line: not a reply yet
        os.write(write_end, b": 3}\n")
        assert reader.read_line(timeout_s=5) == '{"pid": 3}'
        os.close(write_end)
        with pytest.raises(RuntimeError, match="stopped"):
            reader.read_line(timeout_s=5)
    finally:
        os.close(read_end)
        with contextlib.suppress(OSError):
            os.close(write_end)
