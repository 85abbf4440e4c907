"""``obskit generate``: writes, --check detects stale/extra/missing, broken catalogs print exactly
what is wrong and where (file:line of the override)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tools.cli import cli

PAYMENTS = Path(__file__).resolve().parent.parent / "dashboards" / "data" / "payments-catalog.yaml"


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "out"
    result = _run("generate", "--catalog", str(PAYMENTS), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_generate_writes_every_kind_of_file(generated: Path) -> None:
    files = _snapshot(generated)
    assert "template.yaml" in files
    assert "dashboards/payments-test.json" in files
    assert "alarms/payments-test-ledger-errors.json" in files
    assert "composite-alarms/payments-test-workflow-payment-unhealthy.json" in files
    if "queries.md" in files:  # the query library is present
        assert any(p.startswith("queries/payments/") for p in files)


def test_generate_twice_gives_the_same_bytes(generated: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert _run("generate", "--catalog", str(PAYMENTS), "--out", str(again)).exit_code == 0
    assert _snapshot(again) == _snapshot(generated)


def test_check_passes_when_current_and_lists_every_difference(
    generated: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert _run("generate", "--catalog", str(PAYMENTS), "--out", str(out)).exit_code == 0
    ok = _run("generate", "--catalog", str(PAYMENTS), "--out", str(out), "--check")
    assert ok.exit_code == 0 and "up to date" in ok.output

    (out / "alarms" / "payments-test-ledger-errors.json").write_text("{}\n")
    (out / "dashboards" / "payments-test.json").unlink()
    (out / "alarms" / "payments-test-renamed-errors.json").write_text("{}\n")
    (out / "notes.txt").write_text("not ours\n")
    (out / "template-2.yaml").write_text("{}\n")  # a stack split no longer needed
    stale = _run("generate", "--catalog", str(PAYMENTS), "--out", str(out), "--check")
    assert stale.exit_code == 1
    lines = stale.output.splitlines()
    assert "missing: dashboards/payments-test.json" in lines
    assert "stale:   alarms/payments-test-ledger-errors.json" in lines
    assert "extra:   alarms/payments-test-renamed-errors.json" in lines
    assert "extra:   template-2.yaml" in lines
    assert not any("notes.txt" in line for line in lines)

    rewrite = _run("generate", "--catalog", str(PAYMENTS), "--out", str(out))
    assert rewrite.exit_code == 0 and "(4 changed)" in rewrite.output
    assert not (out / "alarms" / "payments-test-renamed-errors.json").exists()
    assert (out / "notes.txt").exists()
    assert _snapshot(out) == {**_snapshot(generated), "notes.txt": b"not ours\n"}


def test_stage_option_renames_everything(tmp_path: Path) -> None:
    out = tmp_path / "prod"
    result = _run("generate", "--catalog", str(PAYMENTS), "--out", str(out), "--stage", "prod")
    assert result.exit_code == 0, result.output
    names = {p.name for p in (out / "alarms").iterdir()}
    assert "payments-prod-ledger-errors.json" in names
    assert not [n for n in names if "-test-" in n]
    # The override key "{system}-{stage}-ledger-errors" follows the stage.
    ledger = json.loads((out / "alarms" / "payments-prod-ledger-errors.json").read_text())
    assert (ledger["Threshold"], ledger["EvaluationPeriods"]) == (5, 5)


BASE = PAYMENTS.read_text(encoding="utf-8")
BASE = BASE[: BASE.index("alarm_overrides:")]


@pytest.mark.parametrize(
    ("overrides", "anchor", "message"),
    [
        (
            "  payments-test-ledgr-errors:\n    threshold: 5\n",
            "payments-test-ledgr-errors:",
            "alarm_overrides: unknown alarm 'payments-test-ledgr-errors' "
            "(did you mean 'payments-test-ledger-errors'?)",
        ),
        (
            "  payments-test-ledger-errors:\n    treshold: 5\n",
            "treshold:",
            "alarm_overrides['payments-test-ledger-errors']: unknown field 'treshold' "
            "(did you mean 'threshold'?); fields: actions_enabled, alarm_actions, "
            "comparison_operator, datapoints_to_alarm, description, dimensions, "
            "evaluate_low_sample_count_percentile, evaluation_periods, "
            "insufficient_data_actions, metric_name, metrics, namespace, ok_actions, period, "
            "statistic, summary, tags, threshold, treat_missing_data, unit",
        ),
        (
            "  payments-test-ledger-errors:\n    threshold: lots\n",
            "threshold:",
            "alarm_overrides['payments-test-ledger-errors']: threshold: Input should be a valid "
            "number, unable to parse string as a number",
        ),
        (
            "  payments-test-ledger-errors:\n    comparison_operator: GreaterThan\n",
            "comparison_operator:",
            "alarm_overrides['payments-test-ledger-errors']: comparison_operator: Input should be "
            "'GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', "
            "'LessThanOrEqualToThreshold', 'LessThanLowerOrGreaterThanUpperThreshold', "
            "'LessThanLowerThreshold' or 'GreaterThanUpperThreshold'",
        ),
        (
            "  payments-test-ledger-errors:\n    period: 45\n",
            "payments-test-ledger-errors:",
            "alarm 'payments-test-ledger-errors': period: 45 is not 10, 20, 30 or a multiple of 60",
        ),
        (
            "  payments-test-ledger-errors:\n    datapoints_to_alarm: 4\n",
            "payments-test-ledger-errors:",
            "alarm 'payments-test-ledger-errors': datapoints_to_alarm: 4 must be between 1 and "
            "evaluation_periods (3)",
        ),
        (
            "  payments-test-intake-dlq-not-empty:\n    period: 3600\n    evaluation_periods: 169\n",
            "payments-test-intake-dlq-not-empty:",
            "alarm 'payments-test-intake-dlq-not-empty': evaluation_periods: period 3600 s × 169 "
            "evaluation periods = 608400 s, more than 604800 s",
        ),
        (
            "  payments-test-ledger-errors:\n    ok_actions: [a, b, c, d, e, f]\n",
            "payments-test-ledger-errors:",
            "alarm 'payments-test-ledger-errors': ok_actions: 6 actions, at most 5",
        ),
        (
            "  payments-test-workflow-payment-unhealthy:\n"
            '    rule: ALARM("payments-test-ledger-errors") OR ALARM("payments-test-gone")\n',
            "payments-test-workflow-payment-unhealthy:",
            "composite alarm 'payments-test-workflow-payment-unhealthy': rule: names alarm(s) "
            "that do not exist: payments-test-gone",
        ),
        (
            "  payments-test-workflow-payment-unhealthy:\n"
            '    rule: ALARM("payments-test-ledger-errors") AND\n',
            "payments-test-workflow-payment-unhealthy:",
            "composite alarm 'payments-test-workflow-payment-unhealthy': rule: "
            "'ALARM(\"payments-test-ledger-errors\") AND': expected ALARM(...), OK(...), "
            "INSUFFICIENT_DATA(...), TRUE, FALSE, NOT or '(', found 'end of rule' at character 41",
        ),
    ],
)
def test_broken_catalogs_print_the_exact_error(
    tmp_path: Path, overrides: str, anchor: str, message: str
) -> None:
    text = BASE + "alarm_overrides:\n" + overrides
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.strip().startswith(anchor))
    result = CliRunner().invoke(
        cli, ["generate", "--catalog", str(catalog), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"{catalog}:{line}: {message}"]
    assert not (tmp_path / "o").exists()


def test_catalog_errors_pass_through_with_their_location(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(BASE.replace("consumes: [PaymentCaptured]", "consumes: [PaymentCapturd]"))
    result = CliRunner().invoke(
        cli, ["generate", "--catalog", str(catalog), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "unknown event type 'PaymentCapturd' (did you mean 'PaymentCaptured'?)" in result.output
    assert str(catalog) in result.output
