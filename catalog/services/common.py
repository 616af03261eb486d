"""Small helpers shared by the catalog services."""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction

from catalog.errors import DuplicateCatalogId

ModelT = TypeVar("ModelT", bound=models.Model)


def create_unique(create: Callable[[], ModelT], *, label: str, ref_id: str) -> ModelT:
    """Run ``create`` in a savepoint; a unique-id violation (even from a concurrent request) becomes a 409."""
    try:
        with transaction.atomic():
            return create()
    except IntegrityError as error:
        raise DuplicateCatalogId(f"{label} with id {ref_id} already exists", field="id") from error


def apply_changes(instance: models.Model, changes: Mapping[str, Any], allowed: set[str]) -> list[str]:
    """Set the present keys of ``changes`` (absent keys are untouched; ``None`` clears) and return their names."""
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unexpected fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(instance, name, value)
    return list(changes)
