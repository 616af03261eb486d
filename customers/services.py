"""Customer writes: provision, update, archive, unarchive, and the resources subscriptions are scoped to.

Every function is atomic, keyword-only and takes ``now`` from its caller.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from catalog import enums as catalog_enums
from catalog.errors import CouponNotFound
from catalog.models import Coupon
from config.decision_cache import invalidate_customer
from config.ids import validate_external_id
from customers.errors import (
    CouponNotActive,
    CustomerIdArchived,
    CustomerNotFound,
    DuplicateCustomerId,
    InvalidCustomerInput,
)
from customers.models import Customer, CustomerResource

UPDATABLE_FIELDS = {
    "name",
    "email",
    "billing_id",
    "billing_currency",
    "coupon_ref_id",
    "language",
    "timezone",
    "metadata",
    "passthrough",
    "integrations",
}


def _active_coupon(ref_id: str | None) -> Coupon | None:
    """The coupon a customer may be given; ``None`` or ``""`` means none.

    The coupon row is locked (``FOR NO KEY UPDATE``) until the caller commits, so a concurrent ``coupon_archive``
    (which locks it ``FOR UPDATE``) either happens first and is seen, or waits for this customer to be written.
    """
    if not ref_id:
        return None
    coupon = Coupon.objects.select_for_update(no_key=True).filter(ref_id=ref_id).first()
    if coupon is None:
        raise CouponNotFound(f"Coupon {ref_id} not found", field="couponId")
    if coupon.status != catalog_enums.CouponStatus.ACTIVE:
        raise CouponNotActive(f"coupon {ref_id} is {coupon.status.lower()} and cannot be applied", field="couponId")
    return coupon


def _validate_integrations(integrations: Sequence[Mapping[str, Any]]) -> None:
    """A customer has at most one link per integration."""
    seen: set[str] = set()
    for index, integration in enumerate(integrations):
        if integration["id"] in seen:
            raise InvalidCustomerInput("links the same integration twice", field=f"integrations[{index}].id")
        seen.add(integration["id"])


def _validate_email(email: str | None) -> None:
    """An email is an email address; ``None`` or ``""`` means none."""
    if not email:
        return
    try:
        validate_email(email)
    except DjangoValidationError as error:
        raise InvalidCustomerInput(f"{email!r} is not an email address", field="email") from error


def _provisioned_again(existing: Customer, profile: Mapping[str, Any], coupon_ref_id: str | None) -> Customer:
    """A provision for an id that is taken: the same request again gets the customer it made; anything else is 409."""
    if existing.is_archived:
        raise CustomerIdArchived(
            f"Customer id {existing.ref_id} belongs to an archived customer and cannot be reused; unarchive it instead",
            field="id",
        )
    existing_coupon_ref_id = existing.coupon.ref_id if existing.coupon else None
    unchanged = existing_coupon_ref_id == coupon_ref_id and all(
        getattr(existing, name) == value for name, value in profile.items()
    )
    if not unchanged:
        raise DuplicateCustomerId(
            f"Customer with id {existing.ref_id} already exists with different details; update it instead",
            field="id",
        )
    return existing


@transaction.atomic
def customer_provision(
    *,
    ref_id: str,
    now: datetime,
    name: str | None = None,
    email: str | None = None,
    billing_id: str | None = None,
    billing_currency: str | None = None,
    coupon_ref_id: str | None = None,
    language: str | None = None,
    timezone: str | None = None,
    metadata: dict[str, str] | None = None,
    default_payment_method: dict[str, Any] | None = None,
    passthrough: dict[str, Any] | None = None,
    integrations: list[dict[str, Any]] | None = None,
) -> Customer:
    """Create the customer ``ref_id``; safe to retry.

    Idempotency key: the customer id (unique across all customers, archived ones included). When the id is taken
    by an active customer whose details equal this request's, that customer is returned unchanged (a retried
    request, even one racing the first); with different details it is ``DuplicateCustomerId`` (409; use update).
    An archived customer's id is ``CustomerIdArchived`` (409): ids are never reused.
    Errors: ``InvalidInput`` (bad id, an email that is not one, an integration linked twice), ``CouponNotFound``
    (404) and ``CouponNotActive`` (400) for ``couponId``. Locks the coupon, if any, until commit.
    """
    validate_external_id(ref_id)
    _validate_email(email)
    coupon_ref_id = coupon_ref_id or None
    profile: dict[str, Any] = {
        "name": name,
        "email": email,
        "billing_id": billing_id,
        "billing_currency": billing_currency,
        "language": language,
        "timezone": timezone,
        "metadata": metadata or {},
        "default_payment_method": default_payment_method,
        "passthrough": passthrough,
        "integrations": integrations or [],
    }
    _validate_integrations(profile["integrations"])
    existing = Customer.objects.select_related("coupon").filter(ref_id=ref_id).first()
    if existing is None:
        coupon = _active_coupon(coupon_ref_id)
        # A check of this id may have been answered ``CustomerNotFound``.
        invalidate_customer(ref_id)
        try:
            with transaction.atomic():
                return Customer.objects.create(ref_id=ref_id, coupon=coupon, **profile, created_at=now, updated_at=now)
        except IntegrityError:
            # A concurrent provision of the same id committed first; it is now visible (READ COMMITTED).
            existing = Customer.objects.select_related("coupon").filter(ref_id=ref_id).first()
            if existing is None:
                raise
    return _provisioned_again(existing, profile, coupon_ref_id)


@transaction.atomic
def customer_update(*, customer: Customer, changes: Mapping[str, Any], now: datetime) -> Customer:
    """Change the present fields of an active customer; absent keys are untouched.

    ``metadata`` and ``integrations`` are replaced whole (``None`` empties them); ``None`` clears any other field;
    ``coupon_ref_id`` ``None`` or ``""`` removes the coupon, otherwise it must name an active coupon (keeping the
    coupon the customer already has is always allowed). Locks the customer row.
    Errors: ``CustomerNotFound`` (archived meanwhile), ``CouponNotFound``, ``CouponNotActive``,
    ``InvalidCustomerInput`` (an email that is not one, an integration linked twice).
    """
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"unexpected fields: {sorted(unknown)}")
    if "email" in changes:
        _validate_email(changes["email"])
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_archived:
        raise CustomerNotFound(f"Customer {customer.ref_id} not found")
    changes = dict(changes)
    if "coupon_ref_id" in changes:
        coupon_ref_id = changes.pop("coupon_ref_id") or None
        current_ref_id = customer.coupon.ref_id if customer.coupon else None
        if coupon_ref_id != current_ref_id:
            customer.coupon = _active_coupon(coupon_ref_id)
    if "metadata" in changes and changes["metadata"] is None:
        changes["metadata"] = {}
    if "integrations" in changes:
        changes["integrations"] = changes["integrations"] or []
        _validate_integrations(changes["integrations"])
    for name, value in changes.items():
        setattr(customer, name, value)
    customer.updated_at = now
    customer.save()
    return customer


@transaction.atomic
def customers_import(*, customers: Sequence[Mapping[str, Any]], now: datetime) -> list[Customer]:
    """Provision every customer of an import (``customer_provision``'s keyword arguments each), all or nothing.

    An id twice in one import is ``InvalidCustomerInput`` naming the second; any customer's error rolls the whole
    import back. Safe to retry, as ``customer_provision`` is (the idempotency key of each is its id).
    """
    seen: set[str] = set()
    for index, customer in enumerate(customers):
        if customer["ref_id"] in seen:
            raise InvalidCustomerInput(f"{customer['ref_id']} is imported twice", field=f"customers[{index}].id")
        seen.add(customer["ref_id"])
    return [customer_provision(**customer, now=now) for customer in customers]


@transaction.atomic
def customer_payment_method_detach(*, customer: Customer, now: datetime) -> Customer:
    """Forget the customer's default payment method. Idempotent (a customer without one is returned unchanged);
    locks the customer row. Errors: ``CustomerNotFound`` (archived meanwhile)."""
    customer = Customer.objects.select_related("coupon").select_for_update(of=("self",)).get(pk=customer.pk)
    if customer.is_archived:
        raise CustomerNotFound(f"Customer {customer.ref_id} not found")
    if customer.default_payment_method is None:
        return customer
    customer.default_payment_method = None
    customer.updated_at = now
    customer.save(update_fields=["default_payment_method", "updated_at"])
    return customer


class ArchiveCascade(Protocol):
    """What a higher app ends when a customer is archived (the subscriptions app: every subscription it has)."""

    def __call__(self, *, customer: Customer, now: datetime) -> object: ...


# Apps above this one register here, from their ``AppConfig.ready()``, what archiving a customer ends for them:
# this app may not import them. Keyed by app label, in registration order.
_archive_cascades: dict[str, ArchiveCascade] = {}


def register_archive_cascade(app_label: str, cascade: ArchiveCascade) -> None:
    """Have ``customer_archive`` call ``cascade`` inside its transaction, under the customer lock it holds
    (provisioning takes the same lock, so nothing new is provisioned for the customer meanwhile). Registering
    again for the same app replaces its cascade (an app's ``ready()`` may run more than once)."""
    _archive_cascades[app_label] = cascade


@transaction.atomic
def customer_archive(*, customer: Customer, now: datetime) -> Customer:
    """Archive a customer: clear its personal data (name, email), hide it from the API, and run the registered
    archive cascades (``register_archive_cascade``: the subscriptions app cancels its subscriptions).

    Idempotent: an archived customer is returned unchanged. Locks the customer row. The id stays taken for good.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_archived:
        return customer
    customer.name = None
    customer.email = None
    customer.archived_at = now
    customer.updated_at = now
    customer.save(update_fields=["name", "email", "archived_at", "updated_at"])
    invalidate_customer(customer.ref_id)
    for cascade in _archive_cascades.values():
        cascade(customer=customer, now=now)
    return customer


@transaction.atomic
def customer_unarchive(*, customer: Customer, now: datetime) -> Customer:
    """Make an archived customer active again (its cleared name and email stay cleared). Idempotent; locks the row."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if not customer.is_archived:
        return customer
    customer.archived_at = None
    customer.updated_at = now
    customer.save(update_fields=["archived_at", "updated_at"])
    invalidate_customer(customer.ref_id)
    return customer


@transaction.atomic
def customer_resource_get_or_create(*, customer: Customer, ref_id: str, now: datetime) -> CustomerResource:
    """The customer's resource ``ref_id``, created on first use (subscriptions call this with their ``resourceId``).

    Idempotency key: (customer, resource id), enforced by a unique constraint; concurrent callers all get the one
    row (``get_or_create`` retries the read when its insert loses the race). Precondition: the customer is active.
    Errors: ``InvalidInput`` for an id that is not a valid external id.
    """
    validate_external_id(ref_id, field="resourceId")
    resource, created = CustomerResource.objects.get_or_create(
        customer=customer, ref_id=ref_id, defaults={"created_at": now, "updated_at": now}
    )
    if created:
        # A check scoped to this resource may have been answered ``CustomerResourceNotFound``.
        invalidate_customer(customer.ref_id)
    return resource
