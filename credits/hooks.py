"""What the credits app does when another app's data changes, registered in ``CreditsConfig.ready``.

Only queuing lives here (tasks by name, through ``config.task_queue``): the work itself is a task, which calls the
service, so a change in another app never waits for credits and never fails because of them.
"""

from config.task_queue import enqueue_on_commit


def recurring_grants_schedule(*, subscription_id: int) -> None:
    """A subscription was provisioned, updated or started (``subscriptions.change_listeners``): after the current
    transaction commits, issue its RECURRING grants of the current cadence period
    (``credits.tasks.grant_recurring_credits``; idempotent, so calling this on every change is safe).
    ``robust``: a failure is logged and never fails the subscription change; the periodic sweep catches up."""
    enqueue_on_commit("credits.tasks.grant_recurring_credits", [subscription_id], robust=True)
