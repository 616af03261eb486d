"""The base of every API view: authentication from settings, helpers to read bodies and answer envelopes."""

from typing import Any, ClassVar

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView


class ApiView(APIView):
    """One operation per view. Subclasses translate HTTP into one service call and back.

    ``request_serializers`` maps a method to its input serializer, for ``body()`` and the OpenAPI schema.
    """

    request_serializers: ClassVar[dict[str, type[serializers.Serializer]]] = {}

    def body(self, request: Request, serializer_class: type[serializers.Serializer] | None = None) -> dict:
        """The validated body: absent keys stay absent (PATCH), ``null`` stays ``None``.

        Never ``partial=True``: DRF would apply it to nested objects too and drop their required keys. Update
        serializers declare every top-level key optional instead.
        """
        serializer_class = serializer_class or self.request_serializers[str(request.method).lower()]
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return plain_data(serializer.validated_data)


def plain_data(value: Any) -> Any:
    """OrderedDicts and ReturnDicts into plain dicts and lists, so services and JSON fields see plain data."""
    if isinstance(value, dict):
        return {key: plain_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_data(item) for item in value]
    return value
