"""The one place where periodic jobs are declared.

Celery beat reads its schedule from here and ``manage.py tick`` runs every job listed here once, in-process.
Each job is a Celery task name plus how often beat runs it; later apps append their sweepers to ``PERIODIC_JOBS``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    every_seconds: float


PERIODIC_JOBS: list[PeriodicJob] = [
    # Subscriptions, in the order ``tick`` runs them: starts first (they may replace what a later job would end),
    # scheduled updates after the ends (the updates of a subscription that ended are cancelled, not run), renewals
    # last (they pick up the periods that trial conversions opened, and wait for the updates due by then).
    PeriodicJob("subscription-starts", "subscriptions.tasks.sweep_subscription_starts", every_seconds=60),
    PeriodicJob("subscription-trial-ends", "subscriptions.tasks.sweep_trial_ends", every_seconds=60),
    PeriodicJob("subscription-cancellations", "subscriptions.tasks.sweep_scheduled_cancellations", every_seconds=60),
    PeriodicJob("subscription-scheduled-updates", "subscriptions.tasks.sweep_scheduled_updates", every_seconds=60),
    PeriodicJob("subscription-renewals", "subscriptions.tasks.sweep_renewals", every_seconds=60),
    # Plan migrations (publishing with ALL_CUSTOMERS) drive themselves; this resumes those whose tasks were lost.
    PeriodicJob("plan-migrations-stalled", "subscriptions.tasks.sweep_stalled_plan_migrations", every_seconds=300),
    # Entitlements: evaluation already ignores ended promotions; this writes their ``Expired`` status.
    PeriodicJob("promotion-expiries", "entitlements.tasks.sweep_promotion_expiries", every_seconds=60),
    # Metering: usage idempotency keys deduplicate for 7 days; this frees older ones.
    PeriodicJob("usage-idempotency-keys", "metering.tasks.expire_usage_idempotency_keys", every_seconds=3600),
    # Raw events are aggregated after each batch; this sweeps up whatever a lost task left pending.
    PeriodicJob("event-aggregation", "metering.tasks.aggregate_events", every_seconds=30),
    PeriodicJob("event-idempotency-keys", "metering.tasks.expire_event_idempotency_keys", every_seconds=3600),
    # Credits: scheduled grants start and grants expire; recurring grants per cadence period; missed recharges.
    PeriodicJob("credit-grant-schedule", "credits.tasks.sweep_grant_schedule", every_seconds=60),
    PeriodicJob("credit-recurring-grants", "credits.tasks.sweep_recurring_grants", every_seconds=300),
    PeriodicJob("credit-auto-recharges", "credits.tasks.sweep_auto_recharges", every_seconds=60),
]


def beat_schedule() -> dict[str, dict[str, object]]:
    return {job.name: {"task": job.task, "schedule": job.every_seconds} for job in PERIODIC_JOBS}
