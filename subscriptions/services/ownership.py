"""Who holds a subscription: delegating it to another customer (S10) and transferring it to another resource of
the same customer (S11).

Delegation makes another customer the one who uses the subscription (its entitlements become that customer's)
while the customer who had it keeps paying: it becomes ``paying_customer`` (and its credit balance pays the
invoices). Delegating back to the paying customer undoes it. A transfer moves the subscription to another resource
of its customer, for products with multiple subscriptions (provisioning rule 5); usage already reported stays with
the resource it was reported for.

Neither starts a new subscription, so neither replaces anything (provisioning rule 4 is for new subscriptions): a
destination slot that already holds a subscription of the same kind (live or waiting to start, trial or not) is a
409 ``SUBSCRIPTION_SLOT_TAKEN``, and nothing moves. The period, invoices and scheduled updates travel with the
subscription.
"""

from datetime import datetime

from django.db import transaction

from config.decision_cache import invalidate_customers
from config.ids import validate_external_id
from customers.errors import CustomerNotFound
from customers.models import Customer
from customers.selectors import customer_get
from customers.services import customer_resource_get_or_create
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.errors import InvalidSubscriptionInput, SubscriptionNotUpdatable, SubscriptionSlotTaken
from subscriptions.models import CURRENT_STATUSES, LIVE_STATUSES, Subscription, SubscriptionStatusEvent
from subscriptions.services.common import lock_customer, slot


def _check_movable(subscription: Subscription, *, field: str) -> None:
    if subscription.status not in CURRENT_STATUSES:
        raise SubscriptionNotUpdatable(
            f"subscription {subscription.ref_id} is {subscription.status} and cannot be moved",
            details={"status": subscription.status},
        )
    if subscription.replaced_by_id is not None:
        raise SubscriptionNotUpdatable(
            f"subscription {subscription.ref_id} ends when the subscription replacing it starts; it stays in its "
            "slot until then",
            field=field,
        )
    if Subscription.objects.filter(replaced_by=subscription, status__in=LIVE_STATUSES).exists():
        raise SubscriptionNotUpdatable(
            f"subscription {subscription.ref_id} is to replace another subscription in its slot when it starts",
            field=field,
        )


def _check_slot_free(subscription: Subscription, *, customer_id: int, resource_key: str, field: str) -> None:
    """The destination slot holds no subscription that the partial unique constraints would clash with."""
    same_kind = Status.NOT_STARTED if subscription.status == Status.NOT_STARTED else LIVE_STATUSES
    statuses = [same_kind] if isinstance(same_kind, str) else list(same_kind)
    taken = (
        slot(customer_id=customer_id, product_id=subscription.product_id, resource_key=resource_key)
        .filter(status__in=statuses, is_trial=subscription.is_trial)
        .exclude(pk=subscription.pk)
        .order_by("pk")
        .first()
    )
    if taken is not None:
        raise SubscriptionSlotTaken(
            f"subscription {taken.ref_id} already holds that slot for product {subscription.product.ref_id}",
            field=field,
            details={"subscriptionId": taken.ref_id},
        )


def _record(subscription: Subscription, *, reason: str, actor: str, now: datetime) -> None:
    """An audit row in the subscription's history; the status does not change."""
    SubscriptionStatusEvent.objects.create(
        subscription=subscription,
        from_status=subscription.status,
        to_status=subscription.status,
        reason=reason[:255],
        actor=actor,
        occurred_at=now,
    )


def _lock_customers(*customer_ids: int) -> dict[int, Customer]:
    """Lock several customers in primary-key order (two delegations between the same customers cannot deadlock)."""
    return {pk: lock_customer(pk, active=False) for pk in sorted(set(customer_ids))}


@transaction.atomic
def subscription_delegate(
    *, subscription_id: int, target_customer_ref_id: str, now: datetime, actor: str
) -> Subscription:
    """Make ``target_customer_ref_id`` the customer who uses the subscription; the one who paid keeps paying.

    Locks both customers (primary-key order), then the subscription, and decides on the locked rows. The
    subscription's resource, if any, is created for the target under the same id. Idempotent: delegating to the
    customer who has it already changes nothing; delegating to the paying customer gives it back (no paying
    customer any more).
    Errors: ``CustomerNotFound`` (404, ``targetCustomerId``; also for an archived customer);
    ``SubscriptionNotUpdatable`` (409) for a subscription that has ended or whose slot is bound up with another's
    start; ``SubscriptionSlotTaken`` (409) when the target already has such a subscription to the product (for
    that resource). Nothing is written on an error.
    """
    target = customer_get(target_customer_ref_id, field="targetCustomerId")
    customer_id = Subscription.objects.values_list("customer_id", flat=True).get(pk=subscription_id)
    target = _lock_customers(customer_id, target.pk)[target.pk]
    if target.is_archived:  # archived while this request was on its way
        raise CustomerNotFound(f"Customer {target.ref_id} not found", field="targetCustomerId")
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    if subscription.customer_id == target.pk:
        return subscription
    _check_movable(subscription, field="targetCustomerId")
    _check_slot_free(
        subscription, customer_id=target.pk, resource_key=subscription.resource_key, field="targetCustomerId"
    )
    payer_id = subscription.paying_customer_id or subscription.customer_id
    previous = subscription.customer.ref_id
    if subscription.resource is not None:
        subscription.resource = customer_resource_get_or_create(
            customer=target, ref_id=subscription.resource.ref_id, now=now
        )
    subscription.customer = target
    subscription.paying_customer_id = None if payer_id == target.pk else payer_id
    subscription.updated_at = now
    subscription.save(update_fields=["customer", "paying_customer", "resource", "updated_at"])
    _record(subscription, reason=f"delegated from customer {previous} to {target.ref_id}", actor=actor, now=now)
    invalidate_customers([previous, target.ref_id])
    return subscription


@transaction.atomic
def subscription_transfer(
    *, subscription_id: int, destination_resource_ref_id: str, now: datetime, actor: str
) -> Subscription:
    """Move the subscription to another resource of its customer (created on first use).

    Locks the customer, then the subscription, and decides on the locked rows. Idempotent: a transfer to the
    resource it is on changes nothing.
    Errors: ``InvalidSubscriptionInput`` (400, ``destinationResourceId``) for an id that is not a valid external id
    or a product with one subscription per customer (rule 5: it takes no resource); ``SubscriptionNotUpdatable``
    (409) as for delegation; ``SubscriptionSlotTaken`` (409) when the destination resource already has such a
    subscription to the product. Nothing is written on an error.
    """
    field = "destinationResourceId"
    validate_external_id(destination_resource_ref_id, field=field)
    customer_id = Subscription.objects.values_list("customer_id", flat=True).get(pk=subscription_id)
    customer = lock_customer(customer_id, active=False)
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    if subscription.resource_key == destination_resource_ref_id:
        return subscription
    if not subscription.product.multiple_subscriptions:
        raise InvalidSubscriptionInput(
            f"product {subscription.product.ref_id} allows one subscription per customer: its subscriptions have "
            "no resource to transfer to",
            field=field,
        )
    _check_movable(subscription, field=field)
    _check_slot_free(subscription, customer_id=customer.pk, resource_key=destination_resource_ref_id, field=field)
    previous = subscription.resource_key
    subscription.resource = customer_resource_get_or_create(
        customer=customer, ref_id=destination_resource_ref_id, now=now
    )
    subscription.resource_key = destination_resource_ref_id
    subscription.updated_at = now
    subscription.save(update_fields=["resource", "resource_key", "updated_at"])
    _record(
        subscription,
        reason=f"transferred from resource {previous} to {destination_resource_ref_id}",
        actor=actor,
        now=now,
    )
    invalidate_customers([customer.ref_id])
    return subscription
