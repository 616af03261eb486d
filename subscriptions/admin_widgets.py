"""What the subscriptions' console pages share: status badges and read-only history inlines (used by this app's
pages and by its part of the customer page, ``admin_customers``)."""

from django.contrib import admin
from django.contrib.admin.utils import flatten
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html

from config.admin_actions import NoWrites
from subscriptions.enums import CollectionStatus, InvoiceStatus, SubscriptionStatus
from subscriptions.models import PlanMigration

BADGE_COLORS: dict[str, str] = {
    SubscriptionStatus.ACTIVE: "#2e7d32",
    SubscriptionStatus.IN_TRIAL: "#1565c0",
    SubscriptionStatus.NOT_STARTED: "#6a1b9a",
    SubscriptionStatus.PAYMENT_PENDING: "#ef6c00",
    SubscriptionStatus.CANCELED: "#616161",
    SubscriptionStatus.EXPIRED: "#616161",
    InvoiceStatus.OPEN: "#ef6c00",
    InvoiceStatus.PAID: "#2e7d32",
    PlanMigration.Status.PENDING: "#6a1b9a",
    PlanMigration.Status.RUNNING: "#1565c0",
    PlanMigration.Status.DONE: "#2e7d32",
    PlanMigration.Status.FAILED: "#c62828",
    # Invoice collection; PENDING and FAILED share the plan migrations' colours.
    CollectionStatus.COLLECTED: "#2e7d32",
    CollectionStatus.NOT_REQUIRED: "#616161",
}


def badge(status: str) -> str:
    return format_html(
        '<span class="subscription-badge subscription-badge-{}" style="background:{};color:#fff;padding:2px 8px;'
        'border-radius:10px;font-size:11px;font-weight:600;white-space:nowrap">{}</span>',
        status.lower(),
        BADGE_COLORS.get(status, "#616161"),
        status,
    )


class HistoryInline(NoWrites, admin.TabularInline):
    """Rows that belong to the subscription's history: shown, never added, edited or deleted here."""

    extra = 0

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return flatten(self.fields or [])
