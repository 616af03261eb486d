"""Index types that degrade gracefully on the embedded database (SQLite), so one model and one migration serve both."""

from typing import Any

from django.db import models


class BrinWherePossible(models.Index):
    """A BRIN index on PostgreSQL (a summary per block range: a few pages, nearly free to keep up on append-only
    tables whose rows arrive in the indexed column's order); a plain B-tree elsewhere."""

    suffix = "brin"

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor == "postgresql":
            using = " USING brin"
        return super().create_sql(model, schema_editor, using=using, **kwargs)
