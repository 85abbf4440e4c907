"""The logger against its floor and its rivals, in one run: ``python -m bench logging``.

What is measured, for each of obskit's ``logging_config``, AWS Lambda Powertools' ``Logger``,
structlog (native, orjson renderer) and stdlib ``logging`` + python-json-logger:

* ns per ``info()`` with five fields inside an event context (the four workflow IDs bound the way
  each library binds context: ``event_context``, ``append_keys``, ``bind_contextvars``, a filter);
* ns per "rich" ``info()``: the same five fields plus a nested dict, a list of dicts and a field
  named ``event_type`` (a key the line already has, so obskit keeps it as ``field_event_type``) —
  what a service logs when it logs an order or a payload, not only scalars;
* ns per disabled ``debug()`` (level INFO);
* bytes per line for the same content;
* import time (a fresh interpreter per sample, best of several).

The floor is ``orjson.dumps(dict)`` of the same content plus ``write`` and ``flush`` of the line —
every logger here flushes each line, as a Lambda may be frozen right after the handler returns. The
floor of a disabled ``debug()`` is an empty function called with the same five keyword arguments
(stdlib's rival takes them as one ``extra`` dict, which is why it can be below that floor).
All of them write to the same place, ``/dev/null`` (binary or text, as each library writes), so
the numbers are the loggers' own cost. Times are the best of several repeats of a tight loop,
in CPU time of this process (user + system, so the writes count): on a machine shared with other
builds, the time this process spends waiting for a core would otherwise land on whichever
contender was running. Compare the ratios, not the absolute numbers, across machines.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, NamedTuple

import orjson

REPEAT_SECONDS = 0.15  # each timed repeat runs about this long, whatever the contender's speed
REPEATS = 7
IMPORT_SAMPLES = 7
MESSAGE = "order placed"
FIELDS: dict[str, Any] = {
    "symbol": "AAPL",
    "qty": 10,
    "price": 187.25,
    "side": "buy",
    "order_id": "ord-000123",
}
DETAIL: dict[str, Any] = {
    "event_id": "5b0c7d34-1f7e-4a36-9d5e-2f0c3a9d8e11",
    "event_type": "RebalancePlanned",
    "correlation_id": "workflow-2a4425f1-8c7e-4387-a8e1-2cf4a6512a3a",
    "causation_id": "bc93b3a9-77aa-4f7c-8d51-0a2b6c1d9e07",
}
IDS = {k: DETAIL[k] for k in ("correlation_id", "causation_id", "event_id", "event_type")}
RICH_FIELDS: dict[str, Any] = {
    **FIELDS,
    "order": {"account": "paper", "limits": {"max_qty": 100, "tif": "day"}},
    "legs": [{"symbol": "SPY", "qty": 3}, {"symbol": "TLT", "qty": 2}],
    "event_type": "OrderPlaced",
}

Call = Callable[[], None]

#: The clock of every call timing: this process's CPU time (see the module docstring).
_clock = time.process_time_ns


class Target(NamedTuple):
    name: str
    holds: bool
    figure: str


def _loops_for(call: Call) -> int:
    """How many calls make one repeat last about REPEAT_SECONDS (after a warm-up)."""
    start = _clock()
    for _ in range(200):
        call()
    estimate = max((_clock() - start) / 200, 1.0)
    return max(1000, int(REPEAT_SECONDS * 1e9 / estimate))


def _ns_per_call(call: Call, loops: int) -> float:
    start = _clock()
    for _ in range(loops):
        call()
    return (_clock() - start) / loops


def _best_ns_interleaved(calls: dict[str, Call]) -> dict[str, float]:
    """Best-of-REPEATS ns per call for each call, the repeats taken in turns.

    Taking turns spreads a noisy neighbour's load over every contender alike, so the ratios of
    one run stay meaningful on a shared machine.
    """
    loops = {name: _loops_for(call) for name, call in calls.items()}
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(REPEATS):
        for name, call in calls.items():
            best[name] = min(best[name], _ns_per_call(call, loops[name]))
    return best


def _env() -> dict[str, str]:
    """The environment for import timing: bytecode caches allowed, as on a deployed function.

    With ``PYTHONDONTWRITEBYTECODE`` set, a source tree recompiles on every import while
    site-packages (the rivals) ship compiled: that would time the compiler, not the import.
    """
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _import_once_ms(statement: str) -> float:
    """CPU time of ``statement`` in a fresh interpreter, in ms (interpreter start excluded): like
    the calls, what the import costs, not how long the process waited for a core."""
    code = (
        "import time\nstart = time.process_time()\n"
        f"{statement}\n"
        "print((time.process_time() - start) * 1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_env()
    ).stdout
    return float(out.strip())


def _import_ms(statements: dict[str, str], samples: int = IMPORT_SAMPLES) -> dict[str, float]:
    """Best import time of each statement; contenders take turns, as for the calls."""
    for statement in statements.values():
        _import_once_ms(statement)  # writes the bytecode caches; not counted
    best = dict.fromkeys(statements, float("inf"))
    for _ in range(samples):
        for name, statement in statements.items():
            best[name] = min(best[name], _import_once_ms(statement))
    return best


# --- one setup per contender: (info call, disabled debug call, one line's bytes) -------------


class Contender:
    def __init__(
        self, name: str, info: Call, debug: Call, line: bytes, imports: str, rich: Call
    ) -> None:
        self.name, self.info, self.debug, self.line, self.imports = name, info, debug, line, imports
        self.rich = rich


def _discard(message: str, /, **fields: Any) -> None:
    """What any disabled call costs at least: a Python call with the same arguments."""


def _floor(devnull_b: Any, record: dict[str, Any], rich_record: dict[str, Any]) -> Contender:
    """info: serialize the same content and write the line; debug: an empty call, same arguments."""
    dumps, write, flush = orjson.dumps, devnull_b.write, devnull_b.flush

    def info() -> None:
        write(dumps(record) + b"\n")
        flush()

    def debug() -> None:
        _discard(MESSAGE, **FIELDS)

    def rich() -> None:
        write(dumps(rich_record) + b"\n")
        flush()

    return Contender(
        "floor (orjson+write)", info, debug, orjson.dumps(record), "import orjson", rich
    )


def _obskit(devnull_b: Any) -> tuple[Contender, dict[str, Any], dict[str, Any]]:
    """obskit's logger; also returns its lines' content (plain, rich), which the floor serializes."""
    import logging_config

    log = logging_config.get_logger("bench")
    buffer = io.BytesIO()
    logging_config.configure("bench", level="INFO", stream=buffer, env={})
    with logging_config.event_context(DETAIL):
        log.info(MESSAGE, **FIELDS)
        log.info(MESSAGE, **RICH_FIELDS)
    line, rich_line = buffer.getvalue().rstrip(b"\n").split(b"\n")
    logging_config.configure("bench", level="INFO", stream=devnull_b, env={})

    def info() -> None:
        log.info(MESSAGE, **FIELDS)

    def debug() -> None:
        log.debug(MESSAGE, **FIELDS)

    def rich() -> None:
        log.info(MESSAGE, **RICH_FIELDS)

    contender = Contender("obskit", info, debug, line, "import logging_config", rich)
    return contender, orjson.loads(line), orjson.loads(rich_line)


def _powertools(devnull_t: Any) -> Contender:
    from aws_lambda_powertools import Logger

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    log = Logger(service="bench", level="INFO", logger_handler=handler)
    log.append_keys(**IDS)
    log.info(MESSAGE, **FIELDS)
    line = buffer.getvalue().rstrip("\n").encode("utf-8")
    handler.setStream(devnull_t)

    def info() -> None:
        log.info(MESSAGE, **FIELDS)

    def debug() -> None:
        log.debug(MESSAGE, **FIELDS)

    def rich() -> None:
        log.info(MESSAGE, **RICH_FIELDS)

    return Contender(
        "powertools", info, debug, line, "from aws_lambda_powertools import Logger", rich
    )


def _structlog(devnull_b: Any) -> Contender:
    import structlog

    def build(stream: Any) -> Any:
        return structlog.wrap_logger(
            structlog.BytesLogger(stream),
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.JSONRenderer(serializer=orjson.dumps),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
            cache_logger_on_first_use=True,
        )

    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service="bench", **IDS)
    buffer = io.BytesIO()
    build(buffer).info(MESSAGE, **FIELDS)
    line = buffer.getvalue().rstrip(b"\n")
    log = build(devnull_b)

    def info() -> None:
        log.info(MESSAGE, **FIELDS)

    def debug() -> None:
        log.debug(MESSAGE, **FIELDS)

    def rich() -> None:
        log.info(MESSAGE, **RICH_FIELDS)

    return Contender("structlog+orjson", info, debug, line, "import structlog", rich)


_STDLIB_IDS: ContextVar[dict[str, str] | None] = ContextVar("bench_stdlib_ids", default=None)


class _IdsFilter(logging.Filter):
    """How a stdlib service adds the bound IDs to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_STDLIB_IDS.get() or {}).items():
            setattr(record, key, value)
        return True


def _stdlib(devnull_t: Any) -> Contender:
    from pythonjsonlogger.json import JsonFormatter

    def build(stream: Any) -> logging.Logger:
        log = logging.getLogger(f"bench.stdlib.{id(stream)}")
        log.handlers.clear()
        log.propagate = False
        log.setLevel(logging.INFO)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{message}{name}",
                style="{",
                rename_fields={"asctime": "timestamp", "levelname": "level"},
                static_fields={"service": "bench"},
            )
        )
        handler.addFilter(_IdsFilter())
        log.addHandler(handler)
        return log

    _STDLIB_IDS.set(dict(IDS))
    buffer = io.StringIO()
    build(buffer).info(MESSAGE, extra=FIELDS)
    line = buffer.getvalue().rstrip("\n").encode("utf-8")
    log = build(devnull_t)

    def info() -> None:
        log.info(MESSAGE, extra=FIELDS)

    def debug() -> None:
        log.debug(MESSAGE, extra=FIELDS)

    def rich() -> None:
        log.info(MESSAGE, extra=RICH_FIELDS)

    return Contender(
        "stdlib+pythonjsonlogger",
        info,
        debug,
        line,
        "import logging\nfrom pythonjsonlogger.json import JsonFormatter",
        rich,
    )


def _import_profile(statement: str, top: int = 6) -> str:
    """The modules that cost ``statement`` the most import time (self time, -X importtime)."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        env=_env(),
    ).stderr
    costs: list[tuple[int, str]] = []
    for line in err.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            costs.append((int(parts[0]), parts[2].strip()))
    costs.sort(reverse=True)
    return ", ".join(f"{name} {us / 1000:.1f} ms" for us, name in costs[:top])


def _hot_path_profile(call: Call, top: int = 6) -> str:
    """Where one obskit call spends its time (cProfile, inside an event context)."""
    import cProfile
    import pstats

    import logging_config

    profiler = cProfile.Profile()
    with logging_config.event_context(DETAIL):
        profiler.enable()
        for _ in range(5000):
            call()
        profiler.disable()
    stats = pstats.Stats(profiler)
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
    return ", ".join(
        f"{func[2]} ({func[0].rsplit('/', 1)[-1]}) {tottime / 5000 * 1e9:.0f} ns"
        for func, (_cc, _nc, tottime, _ct, _callers) in rows[:top]
    )


def _diagnose(targets: list[Target], obskit: Contender, powertools: Contender) -> list[str]:
    """For each failing target, where the cost comes from."""
    failing = {t.name for t in targets if not t.holds}
    notes = []
    if failing & {"≤ 4× the floor", "≥ 8× faster than Powertools", "≥ 2× faster than structlog"}:
        notes.append("obskit info() self time per call: " + _hot_path_profile(obskit.info))
    if failing & {RICH_VS_PLAIN, RICH_VS_POWERTOOLS}:
        notes.append("obskit rich info() self time per call: " + _hot_path_profile(obskit.rich))
    if "lines no longer than Powertools'" in failing:
        ours, theirs = orjson.loads(obskit.line), orjson.loads(powertools.line)
        extra = {k: len(orjson.dumps({k: v})) - 1 for k, v in ours.items() if k not in theirs}
        longer = {
            k: len(orjson.dumps(v)) - len(orjson.dumps(theirs[k]))
            for k, v in ours.items()
            if k in theirs and len(orjson.dumps(v)) != len(orjson.dumps(theirs[k]))
        }
        notes.append(f"obskit keys Powertools lacks (bytes): {extra}; values longer: {longer}")
    if "import below Powertools Logger's" in failing:
        notes.append("obskit import, top self times: " + _import_profile(obskit.imports))
    return notes


class Measured(NamedTuple):
    name: str
    info_ns: float
    debug_ns: float
    line_bytes: int
    import_ms: float
    rich_ns: float


RICH_VS_PLAIN = "rich call ≤ 2× the plain call"
RICH_VS_POWERTOOLS = "rich call ≥ 5× faster than Powertools'"


def _targets(floor: Measured, ours: Measured, pt: Measured, sl: Measured) -> list[Target]:
    """The issues' seven targets, each with whether it holds and the figure behind it."""
    ratio = ours.info_ns / floor.info_ns
    return [
        Target("≤ 4× the floor", ratio <= 4, f"{ratio:.2f}×"),
        Target(
            "≥ 8× faster than Powertools",
            pt.info_ns >= 8 * ours.info_ns,
            f"{pt.info_ns / ours.info_ns:.1f}×",
        ),
        Target(
            "≥ 2× faster than structlog",
            sl.info_ns >= 2 * ours.info_ns,
            f"{sl.info_ns / ours.info_ns:.1f}×",
        ),
        Target(
            "lines no longer than Powertools'",
            ours.line_bytes <= pt.line_bytes,
            f"{ours.line_bytes} vs {pt.line_bytes} bytes",
        ),
        Target(
            "import below Powertools Logger's",
            ours.import_ms < pt.import_ms,
            f"{ours.import_ms:.1f} vs {pt.import_ms:.1f} ms",
        ),
        Target(
            RICH_VS_PLAIN, ours.rich_ns <= 2 * ours.info_ns, f"{ours.rich_ns / ours.info_ns:.2f}×"
        ),
        Target(
            RICH_VS_POWERTOOLS,
            pt.rich_ns >= 5 * ours.rich_ns,
            f"{pt.rich_ns / ours.rich_ns:.1f}×",
        ),
    ]


def run() -> dict[str, Any]:
    with open(os.devnull, "wb") as devnull_b, open(os.devnull, "w") as devnull_t:
        obskit, content, rich_content = _obskit(devnull_b)
        contenders = [
            _floor(devnull_b, content, rich_content),
            obskit,
            _powertools(devnull_t),
            _structlog(devnull_b),
            _stdlib(devnull_t),
        ]
        calls: dict[str, Call] = {}
        for contender in contenders:
            calls[f"{contender.name} info"] = contender.info
            calls[f"{contender.name} debug"] = contender.debug
            calls[f"{contender.name} rich"] = contender.rich
        import logging_config

        with logging_config.event_context(DETAIL):  # obskit's calls run in a real event context
            best = _best_ns_interleaved(calls)
    imports = _import_ms({c.name: c.imports for c in contenders})
    measured = [
        Measured(
            c.name,
            best[f"{c.name} info"],
            best[f"{c.name} debug"],
            len(c.line),
            imports[c.name],
            best[f"{c.name} rich"],
        )
        for c in contenders
    ]
    floor, ours, pt, sl, _std = measured
    rows = [
        {
            "logger": m.name,
            "info() ns": round(m.info_ns),
            "× floor": round(m.info_ns / floor.info_ns, 2),
            "debug() off ns": round(m.debug_ns),
            "rich() ns": round(m.rich_ns),
            "rich × plain": round(m.rich_ns / m.info_ns, 2),
            "bytes/line": m.line_bytes,
            "import ms": round(m.import_ms, 1),
        }
        for m in measured
    ]
    targets = _targets(floor, ours, pt, sl)
    notes = [f"target {t.name}: {'HOLDS' if t.holds else 'FAILS'} ({t.figure})" for t in targets]
    notes.append(
        f"calls: best of {REPEATS} repeats of ~{REPEAT_SECONDS}s of CPU time each, contenders "
        "taking turns; "
        f"imports: best of {IMPORT_SAMPLES} fresh interpreters"
    )
    notes.extend(_diagnose(targets, obskit, contenders[2]))
    notes.append("obskit line: " + obskit.line.decode("utf-8"))
    notes.append("Powertools line: " + contenders[2].line.decode("utf-8"))
    return {
        "title": "ns per call, bytes per line, import time (lower is better)",
        "rows": rows,
        "notes": notes,
        "targets": {t.name: {"holds": t.holds, "figure": t.figure} for t in targets},
    }
