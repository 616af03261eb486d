"""Scheduled updates after they are made: cancelling them (S8, S9) and running them when due (the job's item).

Rows are made by ``services.updates.change_apply`` (a deferred downgrade, a migration at period end). They only
move out of ``SCHEDULED``: to ``DONE`` when run, ``CANCELED`` when cancelled, superseded or outlived by the
subscription, ``FAILED`` when the change is refused by then (the catalog changed under it). While one is due, the
subscription is not renewed (``selectors.renewal_due``), so a period-end downgrade is in place before the next
period is invoiced.
"""

import logging
from datetime import datetime

from django.db import transaction

from config.errors import DomainError, InvalidInput
from subscriptions.enums import ScheduleStatus
from subscriptions.models import CURRENT_STATUSES, Subscription, SubscriptionScheduledUpdate
from subscriptions.services.changes import Timing, subscription_change
from subscriptions.services.update_requests import request_from_payloads
from subscriptions.services.updates import change_apply, scheduled_updates_finish

logger = logging.getLogger(__name__)

RUN_ACTOR = "job:scheduled-updates"
# S8 cancels SCHEDULED updates, S9 PENDING_PAYMENT ones.
CANCELLABLE_STATUSES = frozenset({ScheduleStatus.SCHEDULED, ScheduleStatus.PENDING_PAYMENT})


def _finish(rows: list[SubscriptionScheduledUpdate], *, status: str, now: datetime, outcome: str) -> None:
    updates = SubscriptionScheduledUpdate.objects.filter(pk__in=[row.pk for row in rows])
    scheduled_updates_finish(updates, status=status, now=now, actor=RUN_ACTOR, outcome=outcome)


@transaction.atomic
def scheduled_updates_cancel(*, subscription_id: int, status: str, now: datetime, actor: str) -> int:
    """Cancel the subscription's updates that are ``status`` (``SCHEDULED`` for S8, ``PENDING_PAYMENT`` for S9;
    there are none of the latter without a payment provider). Locks the subscription row; idempotent (cancelling
    again finds nothing). Returns how many were cancelled."""
    if status not in CANCELLABLE_STATUSES:
        raise InvalidInput(f"scheduled updates that are {status} cannot be cancelled", field="status")
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    updates = SubscriptionScheduledUpdate.objects.filter(subscription=subscription, status=status)
    return scheduled_updates_finish(updates, status=ScheduleStatus.CANCELED, now=now, actor=actor, outcome="cancelled")


def _run(
    subscription: Subscription, rows: list[SubscriptionScheduledUpdate], *, moment: datetime, now: datetime
) -> str:
    """Run the updates due at one moment together, as one change made at that moment. Returns their new status."""
    ended = subscription.status not in CURRENT_STATUSES or (
        subscription.cancellation_date is not None and subscription.cancellation_date <= moment
    )
    if ended:
        _finish(rows, status=ScheduleStatus.CANCELED, now=now, outcome="the subscription ended first")
        return ScheduleStatus.CANCELED
    request = request_from_payloads([row.payload for row in rows])
    try:
        with transaction.atomic():
            change = subscription_change(subscription=subscription, request=request, at=moment, timing=Timing.NOW)
            change_apply(
                change, now=now, actor=RUN_ACTOR, invoice_key=f"scheduled-update:{rows[0].pk}", supersede=False
            )
    except DomainError as error:
        logger.warning("scheduled update(s) %s of %s refused: %s", [row.pk for row in rows], subscription, error)
        _finish(rows, status=ScheduleStatus.FAILED, now=now, outcome=error.message)
        return ScheduleStatus.FAILED
    _finish(rows, status=ScheduleStatus.DONE, now=now, outcome="done")
    return ScheduleStatus.DONE


@transaction.atomic
def subscription_run_scheduled_updates(*, subscription_id: int, now: datetime) -> int:
    """Run the subscription's scheduled updates that are due, earliest moment first; those due at one moment run
    together, as one change made at that moment (prorated then; a positive net invoiced with key
    ``scheduled-update:{first row}``).

    Locks the subscription row, then its due rows, and re-checks on them that they are still ``SCHEDULED``, so two
    workers (or a job run twice) run each update once. Updates of a subscription that has ended, or ends by then,
    are ``CANCELED``; a change refused by then (``DomainError``) is ``FAILED`` with the reason, and the others
    still run. Returns how many rows left ``SCHEDULED``.
    """
    subscription = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None:
        return 0
    finished = 0
    while True:
        due = list(
            SubscriptionScheduledUpdate.objects.select_for_update()
            .filter(subscription=subscription, status=ScheduleStatus.SCHEDULED, execute_at__lte=now)
            .order_by("execute_at", "pk")
        )
        if not due:
            return finished
        moment = due[0].execute_at
        rows = [row for row in due if row.execute_at == moment]
        _run(subscription, rows, moment=moment, now=now)
        finished += len(rows)
        subscription.refresh_from_db()
