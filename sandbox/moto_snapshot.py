"""Save everything a moto_server holds, and put it back later: a reset to a set-up system.

Every drill starts from the same system: the catalog's queues, topics, buses, rules, log groups,
alarms, dashboards, query definitions and metric filters, none of them touched yet. Building that
through the API costs about a hundred requests (1.5 s of client and server CPU) per drill. Instead,
the drill runner builds it once per server, saves moto's state here, and before each later drill
restores the saved copy, which is what a reset followed by the same hundred requests would leave.

moto keeps every service's state in its ``BackendDict`` objects (account → region → backend);
``BackendDict._instances`` lists those in use, which is exactly what moto's own reset clears. A
snapshot is a deep copy of their contents; the ``BackendDict`` objects themselves (module-level
registries some models refer to) are kept, never copied, so a restored model still finds the live
registry. Locks and conditions are made anew, unlocked. A restore deep-copies the snapshot again (so it
can be restored any number of times), resets every backend that was not in use when it was
taken, and swaps the copies in, all under moto's backend lock.

This runs inside the server process (``python -m sandbox.moto_server``), behind two routes:
``POST /obskit-api/snapshot`` and ``POST /obskit-api/restore`` (:func:`wsgi_routes`).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

SNAPSHOT_PATH = "/obskit-api/snapshot"
RESTORE_PATH = "/obskit-api/restore"

_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))

Saved = list[tuple[Any, dict[str, Any]]]
"""(the live ``BackendDict``, a deep copy of its contents) per service in use."""


class SnapshotError(RuntimeError):
    """Restore asked for before any snapshot was taken."""


@contextmanager
def _copying_rules() -> Iterator[None]:
    """While copying: a ``BackendDict`` stays itself, a lock becomes a new unlocked lock."""
    from moto.core.base_backend import BackendDict

    dispatch: dict[type, Callable[..., Any]] = copy._deepcopy_dispatch  # type: ignore[attr-defined]
    rules: dict[type, Callable[..., Any]] = dict.fromkeys(_LOCK_TYPES, _new_lock)
    rules[threading.Condition] = _new_condition
    saved = {kind: dispatch.get(kind) for kind in rules}
    had_hook = "__deepcopy__" in BackendDict.__dict__
    dispatch.update(rules)
    BackendDict.__deepcopy__ = _itself  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for kind, previous in saved.items():
            if previous is None:
                dispatch.pop(kind, None)
            else:
                dispatch[kind] = previous
        if not had_hook:
            del BackendDict.__deepcopy__  # type: ignore[attr-defined]


def _new_lock(lock: Any, memo: dict[int, Any]) -> Any:
    return threading.RLock() if isinstance(lock, _LOCK_TYPES[1]) else threading.Lock()


def _new_condition(condition: threading.Condition, memo: dict[int, Any]) -> Any:
    """A condition keeps its lock's bound methods: copied one by one they would still be the old
    lock's, so a new condition on a new lock instead (no thread waits on it during a copy)."""
    return threading.Condition(_new_lock(condition._lock, memo))  # type: ignore[attr-defined]


def _itself(self: Any, memo: dict[int, Any]) -> Any:
    return self


def _copy(state: Saved) -> Saved:
    with _copying_rules():
        copied: Saved = copy.deepcopy(state)
    return copied


class MotoSnapshots:
    """Saved states of this process's moto, each restorable any number of times.

    The unnamed slot holds the set-up every drill starts from; named slots hold other moments
    (a drill up to its detection, which the mutants of its runbook continue from)."""

    def __init__(self) -> None:
        self._saved: dict[str, Saved] = {}

    @property
    def taken(self) -> bool:
        return "" in self._saved

    def save(self, slot: str = "") -> int:
        """Copy the state of every backend in use; returns how many services it holds."""
        from moto.core.base_backend import backend_lock

        with backend_lock:
            live: Saved = [(registry, dict(registry)) for registry in _in_use()]
            self._saved[slot] = _copy(live)
        return len(self._saved[slot])

    def restore(self, slot: str = "") -> int:
        """Put the state saved in ``slot`` back; returns how many services it holds."""
        from moto.core.base_backend import backend_lock
        from moto.core.model_instances import reset_model_data

        saved = self._saved.get(slot)
        if saved is None:
            where = f" in slot {slot!r}" if slot else ""
            raise SnapshotError(
                f"no snapshot taken{where} yet: POST /obskit-api/snapshot{'/' + slot if slot else ''} first"
            )
        fresh = _copy(saved)
        kept = {id(registry) for registry, _ in fresh}
        with backend_lock:
            in_use = _in_use()
            for registry in in_use:
                if id(registry) not in kept:
                    _reset(registry.values())
                    registry.clear()
            for registry, contents in fresh:
                dict.clear(registry)
                dict.update(registry, contents)
            in_use[:] = [registry for registry, _ in fresh]
        reset_model_data()
        return len(fresh)


def _in_use() -> list[Any]:
    """moto's list of the ``BackendDict`` objects in use (the list itself, to change in place)."""
    from moto.core.base_backend import BackendDict

    registries: list[Any] = vars(BackendDict)["_instances"]
    return registries


def _reset(account_backends: Iterable[Any]) -> None:
    for account_backend in account_backends:
        account_backend.reset()


def wsgi_routes(app: Callable[..., Any], snapshots: MotoSnapshots) -> Callable[..., Any]:
    """``app`` (moto's WSGI application) with the snapshot and restore routes in front."""

    def routed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        route, slot = _route(path)
        if route is None:
            return app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "405 Method Not Allowed", f"POST {path}\n")
        try:
            count = snapshots.save(slot) if route == SNAPSHOT_PATH else snapshots.restore(slot)
        except SnapshotError as error:
            return _answer(start_response, "409 Conflict", f"{error}\n")
        return _answer(start_response, "200 OK", f"{count} services\n")

    return routed


def _route(path: str) -> tuple[str | None, str]:
    """(the snapshot or restore route, the slot named after it: ``/obskit-api/restore/NAME``)."""
    for route in (SNAPSHOT_PATH, RESTORE_PATH):
        if path == route:
            return route, ""
        if path.startswith(route + "/") and len(path) > len(route) + 1:
            return route, path[len(route) + 1 :]
    return None, ""


def _answer(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
