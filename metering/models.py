"""Usage counters and the measurements reported into them.

A ``UsageCounter`` is the running total of one feature for one customer (and resource) in one usage window. The
window is named by its start (``period_start``), computed from the entitlement's reset period and the time, so a
new window is simply a new row that starts at zero: nothing resets counters. Usage that never resets (FLUCTUATING
meters, or no reset period) is kept under ``NEVER_RESETS``.

A ``UsageMeasurement`` records one reported item with the usage it produced. A client ``idempotency_key`` is
unique per customer, so a retried report finds the original instead of counting again.

Measurements and events are the append-only tables every usage report and event batch writes a row per item into, so
they carry as few indexes as their reads need and no database-level foreign keys: a key check is a query per row, and
customers and features are never deleted (they are archived; no API, admin page or service deletes them). The rows'
customer and feature are validated in the writing request, and Django's ``PROTECT`` still refuses, at the ORM level,
to delete a customer or feature that has them.
"""

import uuid
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from catalog.models import Feature
from config.indexes import BlockRangeIndex
from customers.models import Customer
from metering.enums import UpdateBehavior

# The ``period_start`` of usage that never resets.
NEVER_RESETS = datetime(1970, 1, 1, tzinfo=UTC)
# Whole numbers up to 2^53 and 5 decimal places (contract §3.4), with room for totals.
USAGE_MAX_DIGITS = 30
USAGE_DECIMAL_PLACES = 5


class UsageCounter(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    # The customer resource's id, "" for customer-level usage.
    resource_key = models.CharField(max_length=255, blank=True, default="")
    feature = models.ForeignKey(Feature, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateTimeField()
    value = models.DecimalField(max_digits=USAGE_MAX_DIGITS, decimal_places=USAGE_DECIMAL_PLACES, default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "resource_key", "feature", "period_start"], name="usage_counter_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}/{self.resource_key}/{self.feature_id}@{self.period_start:%Y-%m-%d}"


class UsageMeasurement(models.Model):
    # The wire id: random, so not indexed (nothing looks a measurement up by it; the answers carry it).
    ref_id = models.UUIDField("id", default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    resource_key = models.CharField(max_length=255, blank=True, default="")
    feature = models.ForeignKey(
        Feature, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    value = models.DecimalField(max_digits=USAGE_MAX_DIGITS, decimal_places=USAGE_DECIMAL_PLACES)
    update_behavior = models.CharField(max_length=8, choices=UpdateBehavior.choices, default=UpdateBehavior.DELTA)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    # JSON numbers arrive as ``Decimal``; fractional ones are kept as their exact text.
    dimensions = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # When the usage happened (the client's ``createdAt``, else when it was received).
    timestamp = models.DateTimeField()
    created_at = models.DateTimeField()
    # The counter's value right after this measurement, and the window it counted in (no end: never resets).
    current_usage = models.DecimalField(max_digits=USAGE_MAX_DIGITS, decimal_places=USAGE_DECIMAL_PLACES)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="usage_measurement_idempotency_key",
            )
        ]
        indexes = [
            # Usage history reads a customer's feature over a time range.
            models.Index(fields=["customer", "feature", "timestamp"], name="usage_measurement_history"),
            # The idempotency-key expiry job reads by age; rows arrive in ``created_at`` order, so a BRIN index
            # (a few pages, nearly free to keep up) serves it.
            BlockRangeIndex(fields=["created_at"], name="usage_measurement_created"),
        ]

    def __str__(self) -> str:
        return str(self.ref_id)


class Event(models.Model):
    """One raw usage event as the client reported it (E1), never changed once stored. Meters turn events into usage
    asynchronously: an event waits in ``PendingEvent`` until the transaction that counts it deletes its entry, so it
    is counted exactly once."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    resource_key = models.CharField(max_length=255, blank=True, default="")
    event_name = models.CharField(max_length=255)
    # Unique per customer; cleared after 7 days by ``event_idempotency_keys_expire`` so the key may be reused.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    dimensions = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # When the event happened (the client's ``timestamp``, else when it was received).
    timestamp = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="event_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "timestamp"], name="event_customer_time"),
            BlockRangeIndex(fields=["created_at"], name="event_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event_name}@{self.timestamp:%Y-%m-%dT%H:%M:%S} ({self.customer_id})"


class PendingEvent(models.Model):
    """The aggregation queue: one row per stored event not yet counted, written by the statement that stores the
    event and deleted by the transaction that counts it. A narrow table of its own, because taking a batch then
    costs one bulk ``DELETE`` of small rows instead of an ``UPDATE`` of every (wide, many times indexed) event row.

    No foreign-key constraint: its only writer inserts the id the same statement has just given the event, and
    events are never deleted; the per-row check would cost more than the rest of the queue's insert."""

    event = models.OneToOneField(
        Event, on_delete=models.DO_NOTHING, primary_key=True, db_constraint=False, related_name="+"
    )

    def __str__(self) -> str:
        return str(self.event_id)


class MeterAggregate(models.Model):
    """The running aggregation of one feature's meter over the events of one customer (and resource) in one usage
    window, enough to compute every aggregation function incrementally. ``counted`` is the (unit-transformed) usage
    this aggregate has added to its ``UsageCounter`` so far: a change adds only the difference, so reported usage
    and event usage of the same feature add up."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    resource_key = models.CharField(max_length=255, blank=True, default="")
    feature = models.ForeignKey(Feature, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateTimeField()
    event_count = models.PositiveBigIntegerField(default=0)
    # Over the events that carry the aggregated field as a number.
    measured_count = models.PositiveBigIntegerField(default=0)
    total = models.DecimalField(max_digits=USAGE_MAX_DIGITS, decimal_places=USAGE_DECIMAL_PLACES, default=0)
    minimum = models.DecimalField(
        max_digits=USAGE_MAX_DIGITS, decimal_places=USAGE_DECIMAL_PLACES, null=True, blank=True
    )
    maximum = models.DecimalField(
        max_digits=USAGE_MAX_DIGITS, decimal_places=USAGE_DECIMAL_PLACES, null=True, blank=True
    )
    unique_count = models.PositiveBigIntegerField(default=0)
    counted = models.DecimalField(max_digits=USAGE_MAX_DIGITS, decimal_places=USAGE_DECIMAL_PLACES, default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "resource_key", "feature", "period_start"], name="meter_aggregate_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}/{self.resource_key}/{self.feature_id}@{self.period_start:%Y-%m-%d}"


class MeterUniqueValue(models.Model):
    """A distinct value of a UNIQUE meter's field seen in an aggregate's window (its count is ``unique_count``)."""

    aggregate = models.ForeignKey(MeterAggregate, on_delete=models.CASCADE, related_name="+")
    value = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["aggregate", "value"], name="meter_unique_value")]

    def __str__(self) -> str:
        return self.value
