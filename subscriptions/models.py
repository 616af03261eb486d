"""Subscriptions: a customer's access to one plan of a product, and the invoices its periods produce.

A subscription pins the plan version it was sold (``plan_version``) so catalog changes never reach it uninvited.
It stores its current billing period instead of recomputing it; each renewal moves the stored period forward and
records the invoice for the period it covered. Status changes go through ``subscriptions.states`` only, which
writes a ``SubscriptionStatusEvent`` for each.

The replacement rules of provisioning rely on "slots": a customer, a product and a resource key (the resource's
id, or ``""`` for products with one subscription per customer). A slot holds at most one live non-trial
subscription and one live trial; the partial unique constraints below are the database's backstop for that.
"""

from django.db import models
from django.db.models import Q

from catalog.enums import BillingPeriod, TrialEndBehavior
from catalog.models import Coupon, Feature, Package, PackageVersion, Product
from catalog.money import PRICE_DECIMAL_PLACES, PRICE_MAX_DIGITS, Currency
from customers.models import Customer, CustomerResource
from subscriptions import enums

Status = enums.SubscriptionStatus

# Subscriptions that grant access now. (PAYMENT_PENDING is never produced yet: there is no payment provider.)
LIVE_STATUSES = (Status.ACTIVE, Status.IN_TRIAL, Status.PAYMENT_PENDING)
# Subscriptions that have not ended: live ones and those waiting for their start date.
CURRENT_STATUSES = (*LIVE_STATUSES, Status.NOT_STARTED)
TAX_PERCENTAGE_DIGITS = {"max_digits": 9, "decimal_places": 6}


def money_field(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, **kwargs)


class Subscription(models.Model):
    ref_id = models.CharField("id", max_length=255, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")
    plan_version = models.ForeignKey(PackageVersion, on_delete=models.PROTECT, related_name="subscriptions")
    resource = models.ForeignKey(
        CustomerResource, null=True, blank=True, on_delete=models.PROTECT, related_name="subscriptions"
    )
    # The resource's id, or "" when there is none: NULLs are never equal, so constraints need a real value.
    resource_key = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices)
    # Started (or will start) as a trial. Stays true on a trial that ended; false once a trial converted to paid.
    is_trial = models.BooleanField(default=False)
    trial_end_date = models.DateTimeField(null=True, blank=True)
    trial_end_behavior = models.CharField(max_length=32, choices=TrialEndBehavior.choices, null=True, blank=True)
    billing_period = models.CharField(max_length=16, choices=BillingPeriod.choices, null=True, blank=True)
    billing_country_code = models.CharField(max_length=8, null=True, blank=True)
    currency = models.CharField(max_length=3, choices=Currency.choices, null=True, blank=True)
    unit_quantity = models.PositiveIntegerField(null=True, blank=True)
    tax_percentage = models.DecimalField(**TAX_PERCENTAGE_DIGITS, null=True, blank=True)  # type: ignore[arg-type]
    start_date = models.DateTimeField()
    # Billing periods are ``billing_cycle_anchor + k * billing period`` (month ends clamped from the anchor).
    billing_cycle_anchor = models.DateTimeField(null=True, blank=True)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    # When the subscription ends (scheduled while it is still live, or when it ended).
    cancellation_date = models.DateTimeField(null=True, blank=True)
    effective_end_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=32, choices=enums.CancelReason.choices, null=True, blank=True)
    # A subscription provisioned to start later in this one's slot; this one ends (UPGRADE_OR_DOWNGRADE) then.
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces")
    # The subscription whose end provisioned this one (the product's DOWNGRADE_TO_FREE end setup); unique, so
    # the end setup of one subscription runs at most once.
    downgraded_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="downgrade"
    )
    metadata = models.JSONField(default=dict, blank=True)
    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="subscriptions")
    coupon_applied_at = models.DateTimeField(null=True, blank=True)
    payment_collection = models.CharField(
        max_length=16, choices=enums.PaymentCollection.choices, default=enums.PaymentCollection.NOT_REQUIRED
    )
    payment_collection_method = models.CharField(
        max_length=8, choices=enums.PaymentCollectionMethod.choices, null=True, blank=True
    )
    billing_id = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "product", "resource_key"],
                condition=Q(status__in=LIVE_STATUSES, is_trial=False),
                name="subscription_one_live_per_slot",
            ),
            models.UniqueConstraint(
                fields=["customer", "product", "resource_key"],
                condition=Q(status__in=LIVE_STATUSES, is_trial=True),
                name="subscription_one_live_trial_per_slot",
            ),
            models.UniqueConstraint(
                fields=["customer", "product", "resource_key", "is_trial"],
                condition=Q(status=Status.NOT_STARTED),
                name="subscription_one_pending_start_per_slot",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.IN_TRIAL) | Q(is_trial=True, trial_end_date__isnull=False),
                name="subscription_in_trial_has_trial_end",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.ACTIVE) | Q(is_trial=False), name="subscription_active_is_not_trial"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "current_period_end"], name="subscription_due_renewal"),
            models.Index(fields=["status", "trial_end_date"], name="subscription_due_trial_end"),
            models.Index(fields=["status", "cancellation_date"], name="subscription_due_cancel"),
            models.Index(fields=["status", "start_date"], name="subscription_due_start"),
            models.Index(fields=["customer", "product", "resource_key"], name="subscription_slot"),
        ]

    def __str__(self) -> str:
        return self.ref_id


class SubscriptionAddon(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="addons")
    addon = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")
    addon_version = models.ForeignKey(PackageVersion, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscription", "addon"], name="subscription_addon_once")]

    def __str__(self) -> str:
        return f"{self.addon.ref_id} x{self.quantity}"


class SubscriptionFeatureQuantity(models.Model):
    """A billable quantity the customer bought (a ``charges`` item): seats, for per-unit pricing."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="feature_quantities")
    feature = models.ForeignKey(Feature, on_delete=models.PROTECT, related_name="+")
    quantity = money_field()

    class Meta:
        verbose_name_plural = "subscription feature quantities"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "feature"], name="subscription_feature_quantity_once"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="subscription_feature_quantity_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.feature.ref_id}: {self.quantity}"


class SubscriptionStatusEvent(models.Model):
    """One status change: who made it, when, from what to what, and why. Append-only."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="status_events")
    from_status = models.CharField(max_length=16, choices=Status.choices, null=True, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    reason = models.CharField(max_length=255)
    actor = models.CharField(max_length=255, help_text="api, admin:<username> or job:<name>")
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["subscription_id", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class Invoice(models.Model):
    """What one period of a subscription costs, from ``subscriptions.quote``. Never edited, only marked paid.

    ``idempotency_key`` names what the invoice is for (``creation:{subscription}``,
    ``renewal:{subscription}:{period start}``), so a period is invoiced once however often a job runs.
    """

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="invoices")
    billing_reason = models.CharField(max_length=40, choices=enums.InvoiceBillingReason.choices)
    status = models.CharField(max_length=16, choices=enums.InvoiceStatus.choices, default=enums.InvoiceStatus.OPEN)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    subtotal = money_field()
    discount = money_field()
    tax = money_field()
    total = money_field()
    tax_percentage = models.DecimalField(**TAX_PERCENTAGE_DIGITS, null=True, blank=True)  # type: ignore[arg-type]
    coupon_ref_id = models.CharField(max_length=255, null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative")]

    def __str__(self) -> str:
        return self.billing_ref

    @property
    def billing_ref(self) -> str:
        """The invoice's ``billingId`` on the wire (there is no billing provider to issue one)."""
        return f"invoice-{self.pk}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    description = models.CharField(max_length=500)
    quantity = money_field()
    unit_price = money_field()
    amount = money_field()
    currency = models.CharField(max_length=3, choices=Currency.choices)

    class Meta:
        ordering = ["invoice_id", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position")]

    def __str__(self) -> str:
        return self.description
