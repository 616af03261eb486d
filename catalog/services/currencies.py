"""Custom credit currencies."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from catalog.errors import DuplicateCatalogId, InUse
from catalog.models import CustomCurrency
from catalog.selectors import custom_currency_associated_versions, custom_currency_get
from catalog.services.common import create_unique
from config.ids import validate_external_id

UPDATABLE_FIELDS = {"display_name", "description", "metadata", "symbol", "unit_singular", "unit_plural"}


def custom_currency_create(
    *,
    ref_id: str,
    display_name: str,
    now: datetime,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    symbol: str | None = None,
    unit_singular: str | None = None,
    unit_plural: str | None = None,
) -> CustomCurrency:
    """Create a currency. 409 while an active currency has the id."""
    validate_external_id(ref_id)
    return create_unique(
        lambda: CustomCurrency.objects.create(
            ref_id=ref_id,
            display_name=display_name,
            description=description,
            metadata=metadata or {},
            symbol=symbol,
            unit_singular=unit_singular,
            unit_plural=unit_plural,
            created_at=now,
            updated_at=now,
        ),
        label="Custom currency",
        ref_id=ref_id,
    )


@transaction.atomic
def custom_currency_update(*, currency: CustomCurrency, changes: Mapping[str, Any], now: datetime) -> CustomCurrency:
    currency = CustomCurrency.objects.select_for_update().get(pk=currency.pk)
    for name in UPDATABLE_FIELDS & set(changes):
        value = changes[name]
        setattr(currency, name, {} if name == "metadata" and value is None else value)
    currency.updated_at = now
    currency.save()
    return currency


@transaction.atomic
def custom_currency_archive(*, currency: CustomCurrency, now: datetime) -> CustomCurrency:
    """Archive a currency. 409 while a plan or add-on version that is not archived uses it. Idempotent."""
    currency = CustomCurrency.objects.select_for_update().get(pk=currency.pk)
    if currency.archived_at is not None:
        return currency
    users = [version.package.ref_id for version in custom_currency_associated_versions(currency)]
    if users:
        raise InUse(f"Custom currency {currency.ref_id} is used by {', '.join(sorted(set(users)))}")
    currency.archived_at = now
    currency.updated_at = now
    currency.save(update_fields=["archived_at", "updated_at"])
    return currency


@transaction.atomic
def custom_currency_unarchive(*, currency: CustomCurrency, now: datetime) -> CustomCurrency:
    """Restore an archived currency. 409 if another active currency took its id meanwhile."""
    currency = CustomCurrency.objects.select_for_update().get(pk=currency.pk)
    if currency.archived_at is None:
        return currency
    if CustomCurrency.objects.filter(ref_id=currency.ref_id, archived_at__isnull=True).exists():
        raise DuplicateCatalogId(f"An active custom currency already has the id {currency.ref_id}", field="id")
    currency.archived_at = None
    currency.updated_at = now
    currency.save(update_fields=["archived_at", "updated_at"])
    return currency


def custom_currency_unarchive_by_id(*, ref_id: str, now: datetime) -> CustomCurrency:
    """Restore the most recently archived currency with this id (contract CC5), as the API addresses it.

    409 ``DUPLICATE_ID`` while an active currency holds the id (the id was reused after the archive). An id whose
    only currency is active is returned unchanged (idempotent); an unknown id is 404.
    """
    archived = (
        CustomCurrency.objects.filter(ref_id=ref_id, archived_at__isnull=False).order_by("-archived_at", "-pk").first()
    )
    if archived is None:
        return custom_currency_get(ref_id)
    return custom_currency_unarchive(currency=archived, now=now)
