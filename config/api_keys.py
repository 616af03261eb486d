"""Services for API keys: the one write path for the admin, the command and the tests."""

import hashlib
import secrets
from datetime import datetime

from django.db import transaction

from config.models import ApiKey

KEY_PREFIX = "mbo_"


def digest_of(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, name: str, now: datetime) -> tuple[ApiKey, str]:
    """Create a key and return it with the raw secret, which is shown once and never stored."""
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        name=name, prefix=raw_key[: len(KEY_PREFIX) + 6], key_digest=digest_of(raw_key), created_at=now
    )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey, now: datetime) -> ApiKey:
    """Revoke a key; revoking twice keeps the first revocation time."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now)
    api_key.refresh_from_db()
    return api_key


def api_key_find_active(raw_key: str) -> ApiKey | None:
    return ApiKey.objects.filter(key_digest=digest_of(raw_key), revoked_at__isnull=True).first()
