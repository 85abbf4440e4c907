"""The catalog's JSON Schema, for editors (completion and validation while typing the YAML).

The schema is generated from the models, so it can never disagree with the loader on field names
or types; cross-checks (unknown references, queue timeouts, ...) are beyond JSON Schema and stay in
``obskit catalog check``. A copy is kept beside the models (``catalog.schema.json``) so the example
catalogs can point editors at it with a ``yaml-language-server`` comment.
"""

from __future__ import annotations

import json
from pathlib import Path

from catalog.models import Catalog

SCHEMA_FILE = Path(__file__).resolve().parent / "catalog.schema.json"


def catalog_json_schema() -> str:
    """The JSON Schema as text: sorted keys, two-space indent, newline-terminated (deterministic)."""
    document = Catalog.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "obskit catalog"
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
