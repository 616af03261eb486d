"""What other apps call when something that moves credits happened (imported by ``subscriptions``).

Only queuing lives here, so importing this module imports nothing of the credits app's services: credits
depends on subscriptions, not the other way round.
"""

from django.db import transaction


def recurring_grants_schedule(*, subscription_id: int) -> None:
    """After the current transaction commits, issue the subscription's RECURRING grants of the current cadence
    period (``credits.tasks.grant_recurring_credits``; idempotent, so calling this on every change is safe).
    ``robust``: a failure is logged and never fails the subscription change; the periodic sweep catches up."""

    def enqueue() -> None:
        from credits.tasks import grant_recurring_credits

        grant_recurring_credits.delay([subscription_id])

    transaction.on_commit(enqueue, robust=True)
