"""Serializer building blocks every API shares."""

from typing import Any

from rest_framework import serializers


def nullable_list(item: type[serializers.Serializer], **kwargs: Any) -> serializers.ListSerializer:
    """``item(many=True, allow_null=True, **kwargs)`` as it should be: the list may be null, its items may not.

    DRF hands ``allow_null`` to the items as well as to the list, so ``item(many=True, allow_null=True)`` takes
    ``[null]`` and passes ``None`` on to code that expects an object (a 500). Errors keep the same shape and paths
    (``entitlements[0].id``)."""
    return serializers.ListSerializer(child=item(), allow_null=True, **kwargs)
