"""Subscriptions: a customer's access to one plan of a product, and the invoices its periods produce.

A subscription pins the plan version it was sold (``plan_version``) so catalog changes never reach it uninvited.
It stores its current billing period instead of recomputing it; each renewal moves the stored period forward and
records the invoice for the period it covered. Status changes go through ``subscriptions.states`` only, which
writes a ``SubscriptionStatusEvent`` for each.

The replacement rules of provisioning rely on "slots": a customer, a product and a resource key (the resource's
id, or ``""`` for products with one subscription per customer). A slot holds at most one live non-trial
subscription and one live trial; the partial unique constraints below are the database's backstop for that.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q

from catalog.enums import BillingPeriod, CreditCadence, EntitlementType, ResetPeriod, TrialEndBehavior
from catalog.models import Coupon, CustomCurrency, Feature, Package, PackageVersion, Product
from catalog.money import PRICE_DECIMAL_PLACES, PRICE_MAX_DIGITS, Currency
from customers.models import Customer, CustomerResource
from subscriptions import enums

Status = enums.SubscriptionStatus

# Subscriptions that grant access now. (PAYMENT_PENDING is never produced yet: there is no payment provider.)
LIVE_STATUSES = (Status.ACTIVE, Status.IN_TRIAL, Status.PAYMENT_PENDING)
# Subscriptions that have not ended: live ones and those waiting for their start date.
CURRENT_STATUSES = (*LIVE_STATUSES, Status.NOT_STARTED)


def money_field(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, **kwargs)


def tax_percentage_field(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=9, decimal_places=6, **kwargs)


class Subscription(models.Model):
    ref_id = models.CharField("id", max_length=255, unique=True)
    # The customer who uses the subscription: its entitlements are this customer's.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    # The customer who pays, when another than ``customer`` (the subscription was delegated, S10); its credit
    # balance pays the invoices first. ``None``: the customer pays for itself.
    paying_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="paid_subscriptions"
    )
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
    tax_percentage = tax_percentage_field(null=True, blank=True)
    start_date = models.DateTimeField()
    # Usage windows anchored at the subscription start count from here; ``None``: from ``start_date``. A plan change
    # that carries usage over (``services.usage_reset``) gives the new subscription the one it replaced.
    usage_anchor = models.DateTimeField(null=True, blank=True)
    # When usage last restarted from zero on a plan change (the product's usage-reset rule): the usage window
    # containing this moment starts here. ``None``: never.
    usage_reset_at = models.DateTimeField(null=True, blank=True)
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

    @property
    def usage_counted_from(self) -> datetime:
        """The anchor of this subscription's ``SubscriptionStart`` usage windows."""
        return self.usage_anchor or self.start_date


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


class SubscriptionEntitlement(models.Model):
    """A custom entitlement of one subscription (the ``entitlements`` input): it replaces what the plan and its
    add-ons grant for that feature (FEATURE) or currency (CREDIT). Replaced as a whole list by an update."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="custom_entitlements")
    type = models.CharField(max_length=8, choices=EntitlementType.choices)
    feature = models.ForeignKey(Feature, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    currency = models.ForeignKey(CustomCurrency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    usage_limit = models.BigIntegerField(null=True, blank=True)
    has_unlimited_usage = models.BooleanField(default=False)
    has_soft_limit = models.BooleanField(default=False)
    reset_period = models.CharField(max_length=8, choices=ResetPeriod.choices, null=True, blank=True)
    reset_anchor = models.CharField(
        max_length=32, null=True, blank=True, help_text="MonthlyAnchor, WeeklyAnchor or YearlyAnchor value."
    )
    # CREDIT only.
    amount = money_field(null=True, blank=True)
    cadence = models.CharField(max_length=8, choices=CreditCadence.choices, null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    # Custom entitlements carry no enum values and no dependency; the catalog's validation reads these.
    enum_values = None
    dependency_feature = None

    class Meta:
        ordering = ["subscription_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "feature"],
                condition=Q(feature__isnull=False),
                name="subscription_entitlement_one_per_feature",
            ),
            models.UniqueConstraint(
                fields=["subscription", "currency"],
                condition=Q(currency__isnull=False),
                name="subscription_entitlement_one_per_currency",
            ),
            models.CheckConstraint(
                condition=Q(type=EntitlementType.FEATURE, feature__isnull=False, currency__isnull=True)
                | Q(type=EntitlementType.CREDIT, currency__isnull=False, feature__isnull=True),
                name="subscription_entitlement_one_target",
            ),
        ]

    def __str__(self) -> str:
        target = self.feature if self.type == EntitlementType.FEATURE else self.currency
        return f"{self.type} {target}"

    @property
    def target_ref_id(self) -> str:
        target = self.feature if self.type == EntitlementType.FEATURE else self.currency
        return target.ref_id if target is not None else ""


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
    """What one period of a subscription costs, from ``subscriptions.quote``. Never edited, only marked paid and
    its collection recorded.

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
    # What the paying customer's credit balance paid of ``total`` when the invoice was recorded; the rest is due.
    balance_applied = money_field(default=0)
    tax_percentage = tax_percentage_field(null=True, blank=True)
    coupon_ref_id = models.CharField(max_length=255, null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    # Collection through the payment gateway (``config.payments.gateway``), called after commit with
    # ``idempotency_key``. ``collection_attempted_at`` is set before the call: an attempt is made once, and one
    # stuck PENDING is for an operator to look at.
    collection_status = models.CharField(
        max_length=16, choices=enums.CollectionStatus.choices, default=enums.CollectionStatus.NOT_REQUIRED
    )
    collection_attempted_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=255, blank=True, default="")
    collection_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(
                condition=Q(balance_applied__gte=0, balance_applied__lte=models.F("total")),
                name="invoice_balance_applied_within_total",
            ),
        ]
        indexes = [models.Index(fields=["collection_status", "created_at"], name="invoice_collection")]

    def __str__(self) -> str:
        return self.billing_ref

    @property
    def amount_due(self) -> Decimal:
        """What is left to collect once the credit balance paid its part."""
        return self.total - self.balance_applied

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


class PlanMigration(models.Model):
    """A job moving every subscription on an older version of a plan or add-on to a version published with
    ``ALL_CUSTOMERS`` (``subscriptions.services.plan_migrations``). One per package and target version.

    It walks the subscriptions to migrate in primary-key order, a batch at a time, each batch fanned out in chunks.
    ``cursor`` is the last subscription pk of the last batch whose every chunk completed: after a crash the job
    starts again from there. The batch in flight is ``batch_end`` (its last pk), its number of chunks and a bit per
    completed chunk, so a chunk delivered twice completes once. ``migrated`` and ``failed`` count subscriptions,
    each exactly once (a failure is a ``PlanMigrationFailure`` row); ``updated_at`` moves with every item, so a
    job whose ``updated_at`` stops moving is stalled and the sweeper resumes it.
    """

    class Status(models.TextChoices):
        PENDING = "PENDING"
        RUNNING = "RUNNING"
        DONE = "DONE"
        FAILED = "FAILED"

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")
    target_version = models.ForeignKey(PackageVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0, help_text="Subscriptions on older versions when the job started.")
    migrated = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    cursor = models.BigIntegerField(default=0, help_text="Last subscription pk of the last completed batch.")
    batch = models.PositiveIntegerField(default=0, help_text="Number of the batch in flight (or of the last one).")
    batch_end = models.BigIntegerField(null=True, blank=True)
    batch_chunks = models.PositiveSmallIntegerField(default=0)
    batch_chunks_done = models.PositiveIntegerField(default=0, help_text="One bit per completed chunk.")
    error = models.CharField(max_length=500, blank=True, default="", help_text="Why the job stopped (FAILED).")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["package", "target_version"], name="plan_migration_once_per_version"),
        ]
        indexes = [models.Index(fields=["status", "updated_at"], name="plan_migration_stalled")]

    def __str__(self) -> str:
        return f"{self.package} → v{self.target_version.version_number}"


class PlanMigrationFailure(models.Model):
    """A subscription a ``PlanMigration`` could not migrate, and why. Recorded once; the job does not retry it (an
    operator can, with the subscription's "Migrate to latest" action)."""

    migration = models.ForeignKey(PlanMigration, on_delete=models.PROTECT, related_name="failures")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=64)
    message = models.CharField(max_length=500)
    occurred_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["migration", "subscription"], name="plan_migration_failure_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription}: {self.code}"


class SubscriptionScheduledUpdate(models.Model):
    """A change to a subscription that takes effect later: a downgrade deferred by its ``scheduleStrategy``, or a
    migration at the end of the billing period. Shown in the subscription's ``futureUpdates``.

    ``payload`` holds the change in service terms (``subscriptions.services.updates.UpdateRequest``; decimals as
    strings), one row per kind of change (``schedule_type``), so a later request for the same field supersedes
    exactly the rows it overrides. The scheduled-updates job runs the rows that are due; rows only move from
    ``SCHEDULED`` to ``DONE``, ``CANCELED`` or ``FAILED`` and are never deleted.
    """

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="scheduled_updates")
    schedule_type = models.CharField(max_length=32, choices=enums.ScheduleType.choices)
    status = models.CharField(
        max_length=16, choices=enums.ScheduleStatus.choices, default=enums.ScheduleStatus.SCHEDULED
    )
    execute_at = models.DateTimeField()
    payload = models.JSONField(default=dict, blank=True)
    created_by = models.CharField(max_length=255, help_text="api, admin:<username> or job:<name>")
    created_at = models.DateTimeField()
    # When it left SCHEDULED (done, canceled or failed), by whom, and why when it did not run.
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.CharField(max_length=255, null=True, blank=True)
    outcome = models.CharField(max_length=500, null=True, blank=True)

    class Meta:
        ordering = ["subscription_id", "execute_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "schedule_type"],
                condition=Q(status=enums.ScheduleStatus.SCHEDULED),
                name="scheduled_update_one_pending_per_type",
            ),
        ]
        indexes = [models.Index(fields=["status", "execute_at"], name="scheduled_update_due")]

    def __str__(self) -> str:
        return f"{self.schedule_type} at {self.execute_at:%Y-%m-%d %H:%M} ({self.status})"


class CustomerBalance(models.Model):
    """A customer's credit balance in one currency: money owed to the customer, which its next invoices use first.

    ``amount`` is the sum of the customer's ``CustomerBalanceTransaction`` rows in that currency, kept in the same
    transaction as each row is written, under this row's lock (``subscriptions.services.balance``). Never negative.
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="balances")
    currency = models.CharField(max_length=3, choices=Currency.choices)
    amount = money_field(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "currency"], name="customer_balance_once_per_currency"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="customer_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class CustomerBalanceTransaction(models.Model):
    """One movement of a customer's credit balance: positive credits it, negative uses it. Append-only.

    ``idempotency_key`` names what the movement is for (``proration:{update key}``, ``applied:{invoice key}``), so
    it happens once however often its cause is retried.
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="balance_transactions")
    currency = models.CharField(max_length=3, choices=Currency.choices)
    kind = models.CharField(max_length=24, choices=enums.BalanceTransactionKind.choices)
    amount = money_field()
    balance_after = money_field()
    subscription = models.ForeignKey(Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="balance_transactions"
    )
    description = models.CharField(max_length=500)
    actor = models.CharField(max_length=255, help_text="api, admin:<username> or job:<name>")
    idempotency_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["customer_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="balance_transaction_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="balance_transaction_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"
