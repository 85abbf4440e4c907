"""DLQ inspection and replay (``obskit dlq``): read dead-letter queues without losing anything,
and put their events back where they were going, exactly once per run and safely re-runnable."""
