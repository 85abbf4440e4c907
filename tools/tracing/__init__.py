"""The ``obskit trace`` machinery: find one workflow's lines, rebuild it, and show it.

One module per job: :mod:`matching` decides whether a line belongs to the workflow and turns it
into a :class:`model.Line`; :mod:`sources` reads local files with the query engine's readers;
:mod:`cloudwatch` asks CloudWatch (Logs Insights, or FilterLogEvents as the fallback);
:mod:`analysis` rebuilds the causation tree and checks it against the catalog; the ``render_*``
modules print it as text, JSON, a mermaid sequence diagram or a self-contained HTML page.
"""
