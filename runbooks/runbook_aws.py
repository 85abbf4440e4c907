"""Parse an ``aws ...`` command line against botocore's service model, as the AWS CLI would.

The AWS CLI builds its commands from the same service models botocore ships: the operation
``FilterLogEvents`` is ``aws logs filter-log-events`` and its member ``LogGroupName`` is
``--log-group-name``. So a runbook command can be checked without the CLI installed: the service
must exist, the operation must be one of its operations (``aws logs filter-events`` is not), every
option must be a member of the operation's input (or a CLI global option), and every required
member must be given. Boolean members take ``--name`` / ``--no-name``; list members take several
values. CLI-only customisations (``aws logs tail``, ``aws s3 cp``) are not in the models and are
reported as unknown, on purpose: runbook steps use the API-shaped commands.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from functools import cache

import botocore.session
from botocore import xform_name
from botocore.exceptions import UnknownServiceError
from botocore.model import OperationModel, ServiceModel

# AWS CLI v2 global options: those that take a value, and flags.
GLOBAL_VALUE_OPTIONS = frozenset(
    {
        "--region",
        "--endpoint-url",
        "--output",
        "--query",
        "--profile",
        "--color",
        "--ca-bundle",
        "--cli-read-timeout",
        "--cli-connect-timeout",
        "--cli-binary-format",
        "--cli-input-json",
        "--cli-input-yaml",
        "--starting-token",
        "--page-size",
        "--max-items",
    }
)
GLOBAL_FLAGS = frozenset(
    {
        "--debug",
        "--no-verify-ssl",
        "--no-paginate",
        "--no-sign-request",
        "--no-cli-pager",
        "--cli-auto-prompt",
        "--no-cli-auto-prompt",
    }
)

# The AWS CLI renames a few members whose natural option would clash with a global option
# (awscli's ``argrename`` customisation), e.g. SNS Subscribe's ``Endpoint`` is
# ``--notification-endpoint`` because ``--endpoint-url`` is global. Only the ones runbooks use.
POSITIONAL_ARGUMENTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("lambda", "invoke"): ("outfile",),
}
"""Operations the AWS CLI gives positional arguments of its own, not in the API model: ``aws
lambda invoke`` writes the response to a required ``outfile``
(https://docs.aws.amazon.com/cli/latest/reference/lambda/invoke.html). The check reads them
right after the operation name, where the runbook writes them."""

ARGUMENT_RENAMES: dict[tuple[str, str, str], str] = {
    ("sns", "subscribe", "Endpoint"): "--notification-endpoint",
    ("sns", "create-platform-endpoint", "Attributes"): "--attributes",
}


@dataclass(frozen=True)
class AwsCommand:
    """A parsed ``aws`` command: service, operation (API name) and member → values."""

    service: str
    operation: str
    params: dict[str, list[str]] = field(default_factory=dict)


class AwsCommandError(ValueError):
    """The command does not exist or does not parse; the message says which word and why."""


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def service_model(service: str) -> ServiceModel:
    try:
        return _session().get_service_model(service)
    except UnknownServiceError:
        raise AwsCommandError(f"unknown AWS CLI service 'aws {service}'") from None


def _operation(model: ServiceModel, cli_name: str) -> OperationModel:
    for name in model.operation_names:
        if xform_name(name, "-") == cli_name:
            return model.operation_model(name)
    raise AwsCommandError(
        f"'aws {model.service_name} {cli_name}' does not exist: no such operation in the "
        f"{model.service_name} API"
    )


def parse_aws_command(command: str) -> AwsCommand:
    """Parse ``command`` (one shell command line starting with ``aws``) or raise AwsCommandError."""
    try:
        words = shlex.split(command)
    except ValueError as error:
        raise AwsCommandError(f"not a valid shell command: {error}") from None
    if len(words) < 3 or words[0] != "aws":
        raise AwsCommandError("expected 'aws <service> <operation> [options]'")
    model = service_model(words[1])
    operation = _operation(model, words[2])
    shape = operation.input_shape
    members = dict(shape.members) if shape is not None else {}
    by_option = {_option(words[1], words[2], name): name for name in members}
    params: dict[str, list[str]] = {}
    rest = words[3:]
    for positional in POSITIONAL_ARGUMENTS.get((words[1], words[2]), ()):
        if not rest or rest[0].startswith("--"):
            raise AwsCommandError(
                f"'aws {words[1]} {words[2]}' requires its {positional} argument right after "
                "the operation name"
            )
        rest = rest[1:]
    i = 0
    cli_input = False
    while i < len(rest):
        word = rest[i]
        if not word.startswith("--"):
            raise AwsCommandError(f"unexpected argument {word!r} (options start with --)")
        values: list[str] = []
        j = i + 1
        while j < len(rest) and not rest[j].startswith("--"):
            values.append(rest[j])
            j += 1
        if word in GLOBAL_FLAGS:
            if values:
                raise AwsCommandError(f"{word} takes no value")
        elif word in GLOBAL_VALUE_OPTIONS:
            if len(values) != 1:
                raise AwsCommandError(f"{word} takes one value")
            cli_input = cli_input or word.startswith("--cli-input")
        elif word in by_option:
            name = by_option[word]
            _check_values(word, members[name].type_name, values)
            params[name] = values
        elif word.startswith("--no-") and f"--{word[5:]}" in by_option:
            name = by_option[f"--{word[5:]}"]
            if members[name].type_name != "boolean":
                raise AwsCommandError(f"{word}: only boolean options have a --no- form")
            if values:
                raise AwsCommandError(f"{word} takes no value")
            params[name] = ["false"]
        else:
            known = ", ".join(sorted(by_option)) or "none"
            raise AwsCommandError(
                f"unknown option {word} for 'aws {words[1]} {words[2]}' (its options: {known})"
            )
        i = j
    if shape is not None and not cli_input:
        missing = [
            _option(words[1], words[2], name)
            for name in shape.required_members
            if name not in params
        ]
        if missing:
            raise AwsCommandError(f"'aws {words[1]} {words[2]}' requires {', '.join(missing)}")
    return AwsCommand(words[1], operation.name, params)


def _option(service: str, operation: str, member: str) -> str:
    renamed = ARGUMENT_RENAMES.get((service, operation, member))
    return renamed or f"--{xform_name(member, '-')}"


def _check_values(option: str, type_name: str, values: list[str]) -> None:
    if type_name == "boolean":
        if values:
            raise AwsCommandError(f"{option} is a flag: write {option} or --no-{option[2:]}")
        return
    if not values:
        raise AwsCommandError(f"{option} needs a value")
    if type_name not in {"list", "map"} and len(values) > 1:
        raise AwsCommandError(f"{option} takes one value, got {len(values)}")
