"""``X-API-KEY`` authentication, the only mechanism the Stigg client speaks."""

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from config.api_keys import api_key_find_active
from config.models import ApiKey


class ApiKeyAuthentication(BaseAuthentication):
    header = "X-API-KEY"

    def authenticate(self, request: Request) -> tuple[None, ApiKey] | None:
        raw_key = request.headers.get(self.header)
        if not raw_key:
            return None
        api_key = api_key_find_active(raw_key)
        if api_key is None:
            raise AuthenticationFailed("Invalid or missing API key")
        return (None, api_key)

    def authenticate_header(self, request: Request) -> str:
        # A value here makes DRF answer 401 rather than 403 when the key is missing.
        return self.header


class HasApiKey:
    """Permission: the request carried a valid key (there are no user accounts on the API)."""

    def has_permission(self, request: Request, view: object) -> bool:
        return request.auth is not None

    def has_object_permission(self, request: Request, view: object, obj: object) -> bool:
        return True
