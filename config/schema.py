"""OpenAPI generation for one-operation-per-view APIs.

Views name their input serializer per method in ``request_serializers``; every response is the contract's
``{"data": ...}`` envelope, documented as an object. Operation ids come from the view class names.
"""

import re
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes


class ContractAutoSchema(AutoSchema):
    def get_request_serializer(self) -> Any:
        serializers = getattr(self.view, "request_serializers", {})
        return serializers.get(self.method.lower())

    def get_response_serializers(self) -> Any:
        return OpenApiTypes.OBJECT

    def get_operation_id(self) -> str:
        name = re.sub(r"View$", "", self.view.__class__.__name__)
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        return f"{snake}_{self.method.lower()}"

    def get_tags(self) -> list[str]:
        parts = [part for part in self.path.split("/") if part and not part.startswith("{")]
        return [parts[2] if len(parts) > 2 else parts[-1]]


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents ``X-API-KEY`` so the docs page can send it."""

    target_class = "config.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "X-API-KEY"}
