"""The ingest pipeline's Lambda handlers: a small, complete example of "bring your own services".

One module per service, each with a Lambda-shaped ``handler(event, context)``::

    POST /documents -> intake-api --DocumentReceived--> (rule) parse queue (standard SQS)
      -> parser --DocumentParsed | DocumentRejected--> indexer --DocumentIndexed--> notifier
    reindex-requests queue -> reindexer --ReindexRequested--> indexer --DocumentReindexed--> notifier
    nightly schedule -> retention-sweeper (no workflow)

The three modules the sandbox looks for (docs/services.md, "The handler contract"):
``runtime`` (how events and notifications leave: ``set_transport``, ``set_clock``), ``faults``
(``set_fault``, ``clear_faults``, ``set_sleeper``) and ``state`` (``tables``, ``set_client``,
``reset_all``: the handled keys live in a DynamoDB table every execution environment shares).

No module calls ``logging_config.configure(name)`` at import: several handlers share one process
in the sandbox and in tests, and a process-wide name set at import would label every line with
the last service imported. A deployed function is named by ``OBSKIT_SERVICE``; in process, the
runner names each invocation (the sandbox does; :func:`runtime.as_service` does it elsewhere).
"""

from __future__ import annotations

#: The catalog's services that have a module here (the fault switch refuses any other name).
SERVICES = (
    "intake-api",
    "parser",
    "indexer",
    "notifier",
    "reindexer",
    "retention-sweeper",
)
