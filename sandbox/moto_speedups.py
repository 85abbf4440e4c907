"""Make moto cheaper per request without changing an answer.

Every drill makes hundreds of requests to moto_server, and on a small machine its CPU is what the
drills wait for. Profiling it showed three kinds of waste, each fixed here in the server process
(``python -m sandbox.moto_server`` calls :func:`speed_up_moto` before moto's service modules are
imported, since they bind moto's helpers by name):

- **pure functions recomputed per request** (:func:`memoize_moto`): the list of moto's service
  packages (a directory listing and ~200 ``stat`` calls per request), the CamelCase to snake_case
  conversion of names and the public methods of a response class (per request and per queue
  attribute), and the parsing of EventBridge input paths (a parser table built per event and
  target). Cached: same input, same value.
- **time helpers** (:func:`faster_time_helpers`): SQS asks ``unix_time()`` for every message of a
  queue on every receive and attribute read, and each call imported ``UTC`` and built the epoch
  again. The replacements compute the same values with both made once.
- **every queue attribute computed three times per message received**
  (:func:`faster_sqs_retention_check`): before handing out each message, moto's SQS checks it is
  still within the queue's retention period by asking for the queue's attributes, which counts
  the visible, in-flight and delayed messages, a pass over the whole queue, three times. The
  check now reads the retention period off the queue: same comparison, same answer.
- **DynamoDB expressions parsed again for every request** (:func:`memoize_dynamodb_expressions`):
  the example services' idempotency claims and fan-in parts send the same few condition and
  update expressions hundreds of times a drill, with other values each time. moto parses an
  ``UpdateExpression`` twice per UpdateItem and lexes a ``ConditionExpression`` twice; both
  depend on the expression's text alone (the values are substituted later, on moto's own copy
  of the tree: its validator deep-copies the parsed expression before changing anything), so
  they are cached by text. An expression moto refuses raises again every time (an exception is
  never cached).
- **every request routed four times** (:func:`route_each_request_once`): moto asks which
  operation a request is (matching its method, path and target against the service's routes) to
  parse it, to run it and to serialize the answer. The answer is kept on the request's handler
  for that request: the same request, the same operation.
- **every DynamoDB attribute value serialized member by member** (:func:`faster_attribute_values`):
  moto's response serializer looks up each of an ``AttributeValue``'s ten members (``S``, ``N``,
  ``B``, ``M``, ...) in the value, through its alias machinery, for every attribute of every
  item it returns. A value that is one string ``S`` or ``N`` (what the example's items hold) is
  what the serializer would write, so it is written as it is; anything else takes moto's way.
- **a 2048-bit RSA key per SNS subscription** (:func:`share_sns_signing_key`): moto signs every
  notification, and generates each subscription's key on its first one; a drill's fresh
  subscriptions made that a quarter of a second each. One key per server process instead: every
  notification still carries a valid signature and the certificate that checks it.

If moto's internals move, what is not where it was is simply left alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any

_PURE = (
    ("moto.core.utils", "camelcase_to_underscores"),
    ("moto.core.utils", "method_names_from_class"),
    ("moto.core.responses", "camelcase_to_underscores"),
    ("moto.core.responses", "method_names_from_class"),
    ("jsonpath_ng.ext", "parse"),
)
"""Functions whose result depends only on their (hashable) arguments, by module."""

EXPRESSIONS_CACHED = 512
"""Distinct DynamoDB expression texts kept parsed (a drill uses a handful)."""

_EPOCH = dt.datetime(1970, 1, 1)
"""What ``moto.core.utils.utcfromtimestamp(0)`` returns: the naive UTC epoch."""


def speed_up_moto() -> list[str]:
    """All of this module's speed-ups; returns what each replaced."""
    return [
        *memoize_moto(),
        *faster_time_helpers(),
        *faster_sqs_retention_check(),
        *share_sns_signing_key(),
        *memoize_dynamodb_expressions(),
        *route_each_request_once(),
        *faster_attribute_values(),
    ]


def _memoized(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with a cache; arguments that cannot be hashed go straight through."""
    cached = functools.cache(function)

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return cached(*args, **kwargs)
        except TypeError:
            if any(not isinstance(a, Hashable) for a in (*args, *kwargs.values())):
                return function(*args, **kwargs)
            raise

    return call


def memoize_moto() -> list[str]:
    """Cache moto's pure per-request helpers in this process; returns what it cached."""
    done: list[str] = []
    backends = importlib.import_module("moto.backends")
    listing = getattr(backends, "list_of_moto_modules", None)
    if callable(listing):
        modules = tuple(listing())  # moto's installed service packages: fixed while it runs
        setattr(backends, "list_of_moto_modules", lambda: iter(modules))  # noqa: B010
        done.append("moto.backends.list_of_moto_modules")
    cached: dict[object, Callable[..., Any]] = {}
    for module_name, name in _PURE:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        original = getattr(module, name, None)
        if not callable(original):
            continue
        if original not in cached:
            cached[original] = _memoized(original)
        setattr(module, name, cached[original])
        done.append(f"{module_name}.{name}")
    return done


def utcnow() -> dt.datetime:
    """The current UTC time, naive, as moto's ``utcnow``."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def utcfromtimestamp(value: float) -> dt.datetime:
    """The naive UTC datetime of a POSIX timestamp, as moto's ``utcfromtimestamp``."""
    return dt.datetime.fromtimestamp(value, tz=dt.UTC).replace(tzinfo=None)


def unix_time(moment: dt.datetime | None = None) -> float:
    """Seconds since the epoch of a naive UTC datetime (now if none), as moto's ``unix_time``."""
    delta = (moment or utcnow()) - _EPOCH
    return (delta.days * 86400) + (delta.seconds + (delta.microseconds / 1e6))


def unix_time_millis(moment: dt.datetime | None = None) -> float:
    return unix_time(moment) * 1000.0


_TIME_HELPERS: dict[str, Callable[..., Any]] = {
    "utcnow": utcnow,
    "utcfromtimestamp": utcfromtimestamp,
    "unix_time": unix_time,
    "unix_time_millis": unix_time_millis,
}


def faster_time_helpers() -> list[str]:
    """Put this module's time helpers in ``moto.core.utils``; returns what it replaced."""
    try:
        utils = importlib.import_module("moto.core.utils")
    except ImportError:
        return []
    done: list[str] = []
    for name, replacement in _TIME_HELPERS.items():
        if callable(getattr(utils, name, None)):
            setattr(utils, name, replacement)
            done.append(f"moto.core.utils.{name}")
    return done


def _method(module_name: str, class_name: str, name: str) -> tuple[Any, Callable[..., Any]] | None:
    """The class ``class_name`` of ``module_name`` and its method ``name``; None if moto moved
    either (the speed-up is then left out)."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    owner = getattr(module, class_name, None)
    original = getattr(owner, name, None)
    if owner is None or not callable(original):
        return None
    return owner, original


def share_sns_signing_key() -> list[str]:
    """One signing key for every SNS subscription of this process; returns what it replaced."""
    found = _method("moto.sns.models", "Subscription", "private_key")
    if found is None:
        return []
    subscription, original = found
    shared: list[Any] = []

    def private_key(self: Any) -> Any:
        if not shared:
            shared.append(original(self))
        return shared[0]

    subscription.private_key = private_key
    return ["moto.sns.models.Subscription.private_key"]


def faster_sqs_retention_check() -> list[str]:
    """SQS's per-message retention check without recomputing every queue attribute."""
    found = _method("moto.sqs.models", "SQSBackend", "is_message_valid_based_on_retention_period")
    if found is None:
        return []
    backend, original = found

    def is_message_valid_based_on_retention_period(
        self: Any, queue_name: str, message: Any
    ) -> bool:
        period = getattr(self.get_queue(queue_name), "message_retention_period", None)
        if not isinstance(period, int):  # not where it was: ask moto's own way
            return bool(original(self, queue_name, message))
        return bool(period + message.sent_timestamp / 1000 > unix_time())

    backend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period
    return ["moto.sqs.models.SQSBackend.is_message_valid_based_on_retention_period"]


def memoize_dynamodb_expressions() -> list[str]:
    """Cache the parsing of DynamoDB expressions by their text; returns what it cached."""
    done: list[str] = []
    try:
        expressions = importlib.import_module("moto.dynamodb.parsing.expressions")
        comparisons = importlib.import_module("moto.dynamodb.comparisons")
    except ImportError:
        return done
    update_parser = getattr(expressions, "UpdateExpressionParser", None)
    make = getattr(update_parser, "make", None)
    if update_parser is not None and callable(make):
        parse_update = functools.lru_cache(maxsize=EXPRESSIONS_CACHED)(make)

        def make_cached(cls: type, expression: Any) -> Any:
            if cls is update_parser and isinstance(expression, str):
                return parse_update(expression)  # moto only reads it, or deep-copies it first
            return make.__func__(cls, expression)

        update_parser.make = classmethod(make_cached)
        done.append("moto.dynamodb.parsing.expressions.UpdateExpressionParser.make")
    condition_parser = getattr(comparisons, "ConditionExpressionParser", None)
    lex = getattr(condition_parser, "_lex_condition_expression", None)
    if condition_parser is not None and callable(lex):

        @functools.lru_cache(maxsize=EXPRESSIONS_CACHED)
        def lex_text(expression: str) -> tuple[Any, ...]:
            # the lexer reads nothing but the text; its nodes are tuples moto never changes
            return tuple(lex(condition_parser(expression, None, None)))

        def lex_cached(self: Any) -> deque[Any]:
            expression = self.condition_expression
            if not isinstance(expression, str):
                return deque(lex(self))
            return deque(lex_text(expression))

        condition_parser._lex_condition_expression = lex_cached
        done.append("moto.dynamodb.comparisons.ConditionExpressionParser._lex_condition_expression")
    return done


def route_each_request_once() -> list[str]:
    """moto's operation lookup made once per request; returns what it replaced."""
    found = _method("moto.core.responses", "BaseResponse", "_get_action")
    if found is None:
        return []
    base, original = found

    def _get_action(self: Any) -> Any:
        request = getattr(self, "normalized_request", None)
        known = self.__dict__.get("_sandbox_action")
        if request is not None and known is not None and known[0] is request:
            return known[1]
        action = original(self)  # also sets self.uri_match, kept with the instance
        if request is not None:
            self._sandbox_action = (request, action)
        return action

    base._get_action = _get_action
    return ["moto.core.responses.BaseResponse._get_action"]


_STRING_ATTRIBUTES = frozenset({"S", "N"})
"""DynamoDB ``AttributeValue`` members whose value is a string, written as they are."""


def faster_attribute_values() -> list[str]:
    """A one-string DynamoDB attribute value serialized without moto's per-member walk."""
    found = _method("moto.core.serialize", "JSONSerializer", "_serialize_type_structure")
    if found is None:
        return []
    serializer, original = found

    def _serialize_type_structure(
        self: Any, serialized: Any, value: Any, shape: Any, key: str
    ) -> None:
        if key and _one_string(value, shape) and not _transformed(self):
            serialized[self.get_serialized_name(shape, key)] = dict(value)
            return
        original(self, serialized, value, shape, key)

    serializer._serialize_type_structure = _serialize_type_structure
    return ["moto.core.serialize.JSONSerializer._serialize_type_structure"]


def _one_string(value: Any, shape: Any) -> bool:
    """Whether ``value`` is a DynamoDB attribute value holding one string (``S`` or ``N``)."""
    if getattr(shape, "name", None) != "AttributeValue" or type(value) is not dict:
        return False
    if len(value) != 1:
        return False
    ((name, member),) = value.items()
    return name in _STRING_ATTRIBUTES and type(member) is str


def _transformed(serializer: Any) -> bool:
    """Whether the response class rewrites some values on their way out (then moto's way)."""
    picker = getattr(serializer, "_value_picker", None)
    return bool(getattr(picker, "response_transformers", None)) or picker is None
