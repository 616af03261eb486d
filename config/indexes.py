"""Index types the models declare beyond Django's own."""

from typing import Any

from django.db import models


class BlockRangeIndex(models.Index):
    """A BRIN index (a summary per block range: a few pages, nearly free to keep up on append-only tables whose rows
    arrive in the indexed column's order)."""

    suffix = "brin"

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        return super().create_sql(model, schema_editor, using=" USING brin", **kwargs)
