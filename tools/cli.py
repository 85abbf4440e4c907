"""The ``obskit`` command line.

Subcommands live in their own modules and are imported only when they run, so a broken or missing
subcommand never takes the others down with it, and ``obskit --help`` imports none of them: it
prints the one-line summaries kept here (a test holds them equal to each command's own help).
"""

from __future__ import annotations

import importlib
import importlib.util

import click

# command name -> (module, attribute). Each module owns one job.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "catalog": ("tools.catalog_cli", "catalog"),
    "generate": ("tools.generate_cli", "generate"),
    "deploy": ("tools.deploy_cli", "deploy"),
    "diff": ("tools.deploy_cli", "diff"),
    "query": ("tools.query_cli", "query"),
    "trace": ("tools.trace_cli", "trace"),
    "sandbox": ("tools.sandbox_cli", "sandbox"),
    "runbook": ("tools.runbook_cli", "runbook"),
    "dlq": ("tools.dlq_cli", "dlq"),
    "replay": ("tools.replay_cli", "replay"),
    "drill": ("tools.drill_cli", "drill"),
    "logs": ("tools.logs_cli", "logs"),
    "ready": ("tools.ready_cli", "ready"),
    "baseline": ("tools.baseline_cli", "baseline"),
    "demo": ("tools.demo_cli", "demo"),
}


SUMMARIES: dict[str, str] = {
    "catalog": "Check the system catalog, or print its JSON Schema.",
    "generate": "Generate dashboards, alarms, composite alarms and query definitions from the "
    "catalog.",
    "deploy": "Apply the catalog's dashboards, alarms, composite alarms, metric filters and "
    "queries.",
    "diff": "Show what differs between the catalog's monitoring and what is deployed.",
    "query": "Run a Logs Insights QUERY on log FILES, or on CloudWatch when no file is given.",
    "trace": "Trace one workflow by CORRELATION_ID across every log group, from FILES or "
    "CloudWatch.",
    "sandbox": "Run the catalog's system locally on moto_server, with real alarm evaluation.",
    "runbook": "Render RUNBOOK.md (--out DIR) from the catalog's incident scenarios, or check it.",
    "dlq": "Inspect and replay dead-letter queues (SQS redrive, EventBridge and Lambda DLQs).",
    "replay": "Replay events from an EventBridge archive.",
    "drill": "Incident drills: inject a fault in the sandbox, check detection, run the runbook.",
    "logs": "Log volume, cost and what to turn down.",
    "ready": "Check the observability, operational-readiness and performance checklists.",
    "baseline": "Write a baseline of latency (per hop, end to end, per service) and throughput.",
    "demo": "Run the example system end to end in the local sandbox (moto_server on loopback).",
}
"""Each subcommand's one-line help, as its own docstring starts (for ``obskit --help``)."""


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from :data:`SUMMARIES`, without importing any subcommand."""
        rows = [(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        present = [
            name
            for name, (module, _attr) in SUBCOMMANDS.items()
            if importlib.util.find_spec(module) is not None
        ]
        return sorted(present)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None or importlib.util.find_spec(target[0]) is None:
            return None
        module = importlib.import_module(target[0])
        command = getattr(module, target[1])
        if not isinstance(command, click.Command):
            raise TypeError(f"{target[0]}.{target[1]} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="obskit")
def cli() -> None:
    """obskit: observability and runbooks for event-driven services on AWS.

    Every command works on the embedded Alchemiser example unless --catalog names another
    catalog, and talks to AWS through boto3 (honouring --endpoint-url / AWS_ENDPOINT_URL).
    """


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
