"""Keep the generated part of ``docs/queries.md`` current: the query reference of the catalog.

The doc is hand-written except between two markers, where the reference produced by
:func:`insights_queries.library.render_markdown` for the embedded catalog goes (headings moved one
level down to sit under the doc's own). ``python -m insights_queries.docs [DOC]`` rewrites it;
a test fails when it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

BEGIN = "<!-- BEGIN GENERATED QUERY REFERENCE (python -m insights_queries.docs) -->"
END = "<!-- END GENERATED QUERY REFERENCE -->"
DEFAULT_DOC = Path(__file__).resolve().parent.parent / "docs" / "queries.md"


def generated_reference(catalog_path: Path | None = None) -> str:
    """The reference for the catalog at ``catalog_path`` (default: the embedded one)."""
    from catalog import load_catalog
    from insights_queries.library import build_queries, render_markdown

    catalog = load_catalog(catalog_path)
    title = f"Reference: the generated queries of `{catalog.system}`"
    text = render_markdown(build_queries(catalog), title=title)
    return _demote_headings(text)


def _demote_headings(markdown: str) -> str:
    out: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        out.append("#" + line if line.startswith("#") and not fenced else line)
    return "\n".join(out)


def splice(doc: str, reference: str) -> str:
    """``doc`` with the text between the markers replaced by ``reference``."""
    start, end = doc.find(BEGIN), doc.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the doc lacks the markers {BEGIN!r} ... {END!r}")
    return doc[: start + len(BEGIN)] + "\n\n" + reference.strip() + "\n\n" + doc[end:]


def main(argv: list[str]) -> int:
    doc_path = Path(argv[0]) if argv else DEFAULT_DOC
    doc = doc_path.read_text(encoding="utf-8")
    updated = splice(doc, generated_reference())
    if updated != doc:
        doc_path.write_text(updated, encoding="utf-8")
        print(f"updated {doc_path}")
    else:
        print(f"{doc_path} is current")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
