"""Customers: who buys, addressed by the external id the client chose.

A customer is never deleted. Archiving clears its personal data and hides it from the API; its id stays taken for
good, so the unique constraint on ``ref_id`` covers archived customers too.
"""

from django.db import models

from catalog.models import Coupon
from catalog.money import Currency


class Customer(models.Model):
    ref_id = models.CharField("id", max_length=255, unique=True)
    name = models.CharField(max_length=255, null=True, blank=True)
    email = models.CharField(max_length=255, null=True, blank=True)
    billing_id = models.CharField(max_length=255, null=True, blank=True)
    billing_currency = models.CharField(max_length=3, choices=Currency.choices, null=True, blank=True)
    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="customers")
    language = models.CharField(max_length=255, null=True, blank=True)
    timezone = models.CharField(max_length=255, null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # {"billingId", "cardExpiryMonth", "cardExpiryYear", "cardLast4Digits", "type"}: wire keys, as provisioned.
    default_payment_method = models.JSONField(null=True, blank=True)
    # {"stripe": {...}, "zuora": {...}}: wire keys, kept as sent for the billing integrations.
    passthrough = models.JSONField(null=True, blank=True)
    # [{"id", "syncedEntityId", "vendorIdentifier"}]: at most one link per integration id.
    integrations = models.JSONField(default=list, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["email"], name="customer_email"),
            models.Index(fields=["name"], name="customer_name"),
        ]

    def __str__(self) -> str:
        return self.ref_id

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class CustomerResource(models.Model):
    """An instance inside a customer's account (a site, a project) that subscriptions and entitlements scope to."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="resources")
    ref_id = models.CharField("id", max_length=255)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "ref_id"], name="customer_resource_id")]

    def __str__(self) -> str:
        return self.ref_id
