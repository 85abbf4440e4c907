"""The options every obskit command spells the same way, declared once.

``--catalog`` / ``--stage`` say which system a command works on; ``--endpoint-url`` /
``--profile`` / ``--region`` say where AWS is (boto3's ordinary credential chain, optionally
another endpoint such as the sandbox's). One declaration keeps their names, defaults, environment
variables and help identical across commands.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

CATALOG_HELP = "Catalog YAML file (default: $OBSKIT_CATALOG, else the embedded Alchemiser example)."
STAGE_HELP = "Stage to resolve {stage} with (default: the catalog file's)."
ENDPOINT_HELP = "AWS endpoint, e.g. the sandbox's (default: $AWS_ENDPOINT_URL, else AWS)."
PROFILE_HELP = "AWS credentials profile (default: the ordinary credential chain)."
REGION_HELP = "AWS region (default: the catalog's)."


def catalog_option(command: F) -> F:
    """``--catalog PATH`` (as ``catalog_path``)."""
    return click.option(
        "--catalog",
        "catalog_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=CATALOG_HELP,
    )(command)


def stage_option(command: F) -> F:
    """``--stage NAME``."""
    return click.option("--stage", default=None, help=STAGE_HELP)(command)


def endpoint_url_option(command: F) -> F:
    """``--endpoint-url URL`` (also ``$AWS_ENDPOINT_URL``)."""
    return click.option(
        "--endpoint-url", default=None, envvar="AWS_ENDPOINT_URL", help=ENDPOINT_HELP
    )(command)


def profile_option(command: F) -> F:
    """``--profile NAME``."""
    return click.option("--profile", default=None, help=PROFILE_HELP)(command)


def region_option(command: F) -> F:
    """``--region NAME``."""
    return click.option("--region", default=None, help=REGION_HELP)(command)


def catalog_options(command: F) -> F:
    """``--catalog`` and ``--stage``."""
    return catalog_option(stage_option(command))


def aws_options(command: F) -> F:
    """``--endpoint-url``, ``--profile`` and ``--region``."""
    return endpoint_url_option(profile_option(region_option(command)))
