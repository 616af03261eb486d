"""GraphQL inputs checked by REST v1's input serializers, so both doors accept and refuse the same things."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from config.views import plain_data

ErrorRenamer = Callable[[Any], Any]


def validated(
    serializer_class: type[serializers.Serializer],
    data: Mapping[str, Any],
    *,
    rename_errors: ErrorRenamer | None = None,
) -> dict[str, Any]:
    """``data`` as REST's serializer validates it (plain dicts and lists). A refusal is a DRF ``ValidationError``
    (``VALIDATION_ERROR`` naming the field, ``config.graphql.errors``), its field names passed through
    ``rename_errors`` where the GraphQL input names them differently from REST."""
    serializer = serializer_class(data=dict(data))
    if not serializer.is_valid():
        errors = serializer.errors
        raise ValidationError(rename_errors(errors) if rename_errors else errors)
    return dict(plain_data(serializer.validated_data))
