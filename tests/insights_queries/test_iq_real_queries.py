"""Queries people actually run, from public sources, parsed and run by the local engine.

``data/real_queries.json`` holds each query with the URL it was taken from: AWS's documentation
(sample queries, command pages), the AWS Serverless Land snippets (aws-samples/serverless-
snippets) and public gists. Every one must parse, survive render → parse unchanged, and run on a
small sample of the log kinds they were written for; for several the answer is computed here
independently from the same sample. Queries needing a feature obskit lacks (IP functions) or
holding placeholders (``N1``) were left out of the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from insights_queries import parse, render
from insights_queries.engine import Result, run
from insights_queries.timestamps import Millis

CORPUS = json.loads((Path(__file__).parent / "data" / "real_queries.json").read_text())
BY_NAME = {entry["name"]: entry for entry in CORPUS}
DAY = 1_765_929_600_000  # 2025-12-17 00:00 UTC


def at(minute: int) -> Millis:
    return Millis(DAY + minute * 60_000)


def lambda_events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for i in range(12):
        rid = f"req-{i:02d}"
        stream = f"2025/12/17/[$LATEST]stream{i % 6}"
        report: dict[str, Any] = {
            "@timestamp": at(i * 7),
            "@type": "REPORT",
            "@requestId": rid,
            "@logStream": stream,
            "@duration": 10.5 * (i + 1),
            "@billedDuration": 11 * (i + 1),
            "@memorySize": 128_000_000,
            "@maxMemoryUsed": (60 + i) * 1_000_000,
            "@message": f"REPORT RequestId: {rid}\tDuration: {10.5 * (i + 1)} ms",
        }
        if i % 4 == 0:
            report["@initDuration"] = 200.0 + i
            report["@message"] += "\tInit Duration: 200 ms"
        events.append(report)
        events.append({"@timestamp": at(i * 7), "@message": f"START RequestId: {rid}"})
    events.append({"@timestamp": at(3), "@message": "Task timed out after 3.00 seconds"})
    events.append({"@timestamp": at(4), "@message": "RequestId: x Error: Runtime exited"})
    events.append({"@timestamp": at(5), "@message": "Process exited before completing request"})
    for i, level in enumerate(["ERR", "INFO", "ERR", "WARN", "ERR"]):
        events.append(
            {
                "@timestamp": at(50 + i),
                "Timestamp": str(at(50 + i)),
                "LogLevel": level,
                "Message": f"message {i}",
                "@message": f'{{"LogLevel": "{level}"}}',
            }
        )
    events.append({"@timestamp": at(61), "@message": "ValueError exception in handler"})
    events.append({"@timestamp": at(62), "@message": "Traceback (most recent call last):"})
    events.append({"@timestamp": at(125), "@message": "java.lang.NullPointerException at x"})
    return events


API_CALLS = [
    # status (as API Gateway's JSON access logs write it: a string), ip, path, method, key
    ("200", "10.0.0.1", "/orders", "GET", "k1"),
    ("200", "10.0.0.2", "/orders", "POST", "k1"),
    ("404", "10.0.0.1", "/missing", "GET", "k2"),
    ("403", "10.0.0.3", "/admin", "GET", "k2"),
    ("401", "10.0.0.3", "/admin", "POST", "k3"),
    ("500", "10.0.0.1", "/orders", "POST", "k1"),
    ("502", "10.0.0.4", "/pay", "POST", "k3"),
    ("200", "10.0.0.1", "/pay", "POST", "k1"),
]


def api_events() -> list[dict[str, Any]]:
    out = []
    for i, (status, ip, path, method, key) in enumerate(API_CALLS):
        fields = {
            "status": status,
            "ip": ip,
            "path": path,
            "httpMethod": method,
            "apiKey": key,
            "integrationLatency": 20 + i,
            "responseLatency": 30 + 5 * i,
        }
        out.append({"@timestamp": at(10 + i), "@message": orjson.dumps(fields).decode(), **fields})
    return out


def other_events() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = [
        # CloudTrail
        {
            "eventSource": "ec2.amazonaws.com",
            "eventName": "StartInstances",
            "awsRegion": "us-east-2",
        },
        {
            "eventSource": "ec2.amazonaws.com",
            "eventName": "StopInstances",
            "awsRegion": "eu-west-1",
        },
        {
            "eventSource": "iam.amazonaws.com",
            "eventName": "CreateUser",
            "awsRegion": "us-east-1",
            "requestParameters": {"userName": "alice"},
            "responseElements": {"user": {"arn": "arn:aws:iam::123456789012:user/alice"}},
        },
        {
            "eventSource": "cloudtrail.amazonaws.com",
            "eventName": "UpdateTrail",
            "awsRegion": "us-east-1",
            "errorCode": "AccessDenied",
            "errorMessage": "not allowed",
        },
        # EventBridge, as the event archive or a log target stores events
        {"source": "orders", "detail-type": "OrderPlaced", "detail": {"id": 1}},
        {"source": "orders", "detail-type": "OrderShipped", "detail": {"id": 2}},
        {
            "source": "aws.codepipeline",
            "detail-type": "CodePipeline Stage Execution State Change",
            "detail": {"pipeline": "p", "stage": "Build", "state": "SUCCEEDED"},
        },
        {
            "source": "aws.s3",
            "detail": {
                "eventSource": "s3.amazonaws.com",
                "eventName": "PutObject",
                "requestParameters": {"bucketName": "b1"},
            },
        },
        {
            "source": "aws.sts",
            "detail": {
                "eventSource": "sts.amazonaws.com",
                "eventName": "AssumeRole",
                "requestParameters": {"roleArn": "arn:r"},
                "userIdentity": {"userName": "bob"},
            },
        },
        # Route 53 resolver / query logs
        {
            "queryType": "A",
            "resolverIp": "192.0.2.1",
            "queryName": "a.example.com",
            "responseCode": "NOERROR",
        },
        {
            "queryType": "AAAA",
            "resolverIp": "192.0.2.1",
            "queryName": "b.example.com",
            "responseCode": "SERVFAIL",
        },
        {
            "queryType": "A",
            "resolverIp": "192.0.2.2",
            "queryName": "b.example.com",
            "responseCode": "SERVFAIL",
        },
        # VPC flow logs
        {
            "srcAddr": "10.1.0.1",
            "dstAddr": "10.1.0.2",
            "bytes": 1000,
            "packets": 10,
            "protocol": 6,
            "logStatus": "OK",
        },
        {
            "srcAddr": "10.1.0.1",
            "dstAddr": "10.1.0.2",
            "bytes": 500,
            "packets": 4,
            "protocol": 17,
            "logStatus": "OK",
        },
        {
            "srcAddr": "10.1.0.3",
            "dstAddr": "10.1.0.2",
            "bytes": 0,
            "packets": 0,
            "protocol": 6,
            "logStatus": "SKIPDATA",
        },
        # SNS SMS delivery status
        {
            "delivery": {
                "destination": "+15550100",
                "smsType": "Transactional",
                "priceInUSD": 0.00645,
            },
            "status": "SUCCESS",
        },
        {"delivery": {"destination": "+15550101", "smsType": "Promotional"}, "status": "FAILURE"},
        # filter page examples
        {"range": 5000, "accountId": 123456789012},
        {"range": 100, "accountId": 123456789012},
        # unnest page examples
        {
            "events": [{"name": "exception"}, {"name": "user action"}],
            "accounts": [{"type": "internal", "id": "i1"}, {"type": "external", "id": "e1"}],
        },
    ]
    out: list[dict[str, Any]] = []
    for i, record in enumerate(records):
        out.append({"@timestamp": at(70 + i), "@message": orjson.dumps(record).decode(), **record})
    spans = [{"accountId": "a", "droppedSpans": 3}, {"accountId": "b", "droppedSpans": 1}]
    out.append(
        {"@timestamp": at(95), "@message": "spans", "trimmedData": orjson.dumps(spans).decode()}
    )
    for i in range(6):
        text = f"user=u{i % 2}, method:{'GET' if i % 3 else 'PUT'}, latency := {10 * i}"
        out.append({"@timestamp": at(100 + i), "@message": text})
    out.append({"@timestamp": at(110), "@message": "2 123 eni-0a1b2c accepted"})
    out.append({"@timestamp": at(111), "@message": "{'fieldsA': 'logs', 'fieldsB': ['a1']}"})
    out.append(
        {
            "@timestamp": at(112),
            "@message": '1.2.3.4 (5.6.7.8) - - [17/Dec/2025] "POST /api/answer/9 HTTP/1.1" 200 51'
            ' "https://x" "Mozilla/5.0 (iPhone; CPU) AppleWebKit/605 (KHTML) Mobile"',
        }
    )
    return out


def sample() -> list[dict[str, Any]]:
    return lambda_events() + api_events() + other_events()


def run_named(name: str, events: list[dict[str, Any]] | None = None) -> Result:
    """Run a corpus query on ``events`` (one log group's worth), by default the whole sample."""
    return run(BY_NAME[name]["query"], sample() if events is None else events)


def having(key: str) -> list[dict[str, Any]]:
    """The sample's events of one kind: those carrying ``key``, as one log group would."""
    return [e for e in other_events() if key in e]


def test_the_corpus_is_large_and_sourced() -> None:
    assert len(CORPUS) >= 40
    assert all(e["source"].startswith("https://") and e["query"].strip() for e in CORPUS)


@pytest.mark.parametrize("entry", CORPUS, ids=[e["name"] for e in CORPUS])
def test_each_query_parses_round_trips_and_runs(entry: dict[str, str]) -> None:
    query = parse(entry["query"])
    assert parse(render(query)) == query
    result = run(query, sample())
    assert result.columns
    assert result.statistics.records_scanned == len(sample())


def test_last_100_errors_with_double_equals() -> None:
    rows = run_named("lambda-last-100-errors").rows
    assert [r["Message"] for r in rows] == ["message 4", "message 2", "message 0"]


def test_highest_billed_with_sort_by() -> None:
    billed = run_named("lambda-100-highest-billed-invocations").column("@billedDuration")
    assert billed == sorted((11 * (i + 1) for i in range(12)), reverse=True)


def test_api_gateway_4xx_and_top_ips() -> None:
    statuses = run_named("apigw-last-4xx-errors", api_events()).column("status")
    assert statuses == ["401", "403", "404"]  # newest first
    top = {r["ip"]: r["requestCount"] for r in run_named("apigw-top-10-ips", api_events()).rows}
    expected: dict[str, int] = {}
    for _, ip, *_ in API_CALLS:
        expected[ip] = expected.get(ip, 0) + 1
    assert top == expected
    denied = run_named("apigw-paths-with-most-401-403", api_events()).rows
    assert sorted((r["status"], r["path"]) for r in denied) == [
        ("401", "/admin"),
        ("403", "/admin"),
    ]


def test_cold_starts() -> None:
    rows = run_named("lambda-total-innvocations-vs-coldstarts").rows
    assert rows == [{"TotalInvocations": 12, "TotalColdStarts": 3}]
    cold = run_named("lambda-cold-starts-count-and-duration").rows
    assert sum(r["coldStarts"] for r in cold) == 3


def test_case_insensitive_regex_from_a_gist() -> None:
    messages = run_named("gist-python-lambda-errors", lambda_events()).column("@message")
    # "exception" (any case) twice, "Error", "Traceback", "Timed out" (any case)
    assert len(messages) == 5


def test_cloudtrail_new_users_nested_fields() -> None:
    rows = run_named("cloudtrail-find-newly-created-users").rows
    assert rows == [
        {
            "awsRegion": "us-east-1",
            "requestParameters.userName": "alice",
            "responseElements.user.arn": "arn:aws:iam::123456789012:user/alice",
        }
    ]


def test_route53_resolvers_and_servfail() -> None:
    top = run_named("route53-dns-resolvers-with-highest-request", having("resolverIp")).rows
    assert top == [
        {"resolverIp": "192.0.2.1", "numRequests": 2},
        {"resolverIp": "192.0.2.2", "numRequests": 1},
    ]
    failed = run_named("docs-route53-servfail").rows
    assert failed == [{"queryName": "b.example.com", "count(*)": 2}]


def test_unnest_examples() -> None:
    assert run_named("docs-unnest-events").column("event.name") == ["exception", "user action"]
    internal = run_named("docs-unnest-filter").rows
    assert len(internal) == 1  # of the two accounts, the internal one
    spans = run_named("docs-unnest-aggregate").rows
    assert spans == [{"account.accountId": "a", "n": 3}, {"account.accountId": "b", "n": 1}]


def test_documented_glob_and_its_regex_twin_agree() -> None:
    glob = {
        (r["@method"], r["@user"]): r["avg(@latency)"] for r in run_named("docs-parse-glob").rows
    }
    twin = {
        (r["method2"], r["user2"]): r["avg(latency2)"]
        for r in run_named("docs-parse-regex-twin").rows
    }
    assert glob == twin
    assert glob[("GET", "u1")] == 30  # lines 1 and 5: latencies 10 and 50


def test_lazy_glob_on_the_documented_nested_json() -> None:
    rows = run_named("docs-parse-nested-json").rows
    parsed = [r for r in rows if r.get("fld")]
    assert [(r["fld"], r["array"]) for r in parsed] == [("logs", "a1")]


def test_vpc_flow_logs() -> None:
    udp = run_named("docs-vpc-udp").rows
    assert udp == [{"srcAddr": "10.1.0.1", "count(*)": 1}]
    top = run_named("vpc-top-15-packet-transfers", having("packets")).rows
    assert top[0] == {"srcAddr": "10.1.0.1", "dstAddr": "10.1.0.2", "packetsTransferred": 14}
