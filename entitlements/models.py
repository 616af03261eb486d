"""Promotional entitlements: features granted to a customer outside any subscription.

A customer holds at most one current (unrevoked) promotion per feature; granting the feature again retires the
current row (``revoked_at`` set, ``replaced_by`` pointing at its successor) and adds a new one, so the history of
what was granted when stays. Expiry is honoured whenever grants are evaluated (``end_date``); the sweeper in
``entitlements.tasks`` only writes the ``Expired`` status the API lists.
"""

from django.db import models
from django.db.models import Q

from catalog.enums import ResetPeriod
from catalog.models import Feature
from customers.models import Customer
from entitlements.enums import PromoPeriod, PromoStatus


class PromotionalEntitlement(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="promotional_entitlements")
    feature = models.ForeignKey(Feature, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=16, choices=PromoPeriod.choices)
    status = models.CharField(max_length=16, choices=PromoStatus.choices, default=PromoStatus.ACTIVE)
    start_date = models.DateTimeField()
    end_date = models.DateTimeField(null=True, blank=True, help_text="Empty for a lifetime promotion.")
    usage_limit = models.BigIntegerField(null=True, blank=True)
    has_unlimited_usage = models.BooleanField(default=False)
    has_soft_limit = models.BooleanField(default=False)
    reset_period = models.CharField(max_length=8, choices=ResetPeriod.choices, null=True, blank=True)
    reset_anchor = models.CharField(
        max_length=32, null=True, blank=True, help_text="MonthlyAnchor, WeeklyAnchor or YearlyAnchor value."
    )
    enum_values = models.JSONField(null=True, blank=True)
    is_visible = models.BooleanField(default=True)
    description = models.TextField(null=True, blank=True)
    granted_by = models.CharField(max_length=255, help_text="api, admin:<username>")
    # Set when the promotion was revoked, or replaced by a later grant of the same feature (``replaced_by``).
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=255, null=True, blank=True)
    replaced_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "feature"],
                condition=Q(revoked_at__isnull=True),
                name="promotion_one_current_per_feature",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="promotion_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(usage_limit__gte=0), name="promotion_limit_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["status", "end_date"], name="promotion_due_expiry")]

    def __str__(self) -> str:
        return f"{self.feature.ref_id} for {self.customer.ref_id}"

    @property
    def ref_id(self) -> str:
        """The promotion's wire ``id`` (there is no client-chosen id for promotions)."""
        return self.ref_id_of(self.pk)

    @staticmethod
    def ref_id_of(pk: int) -> str:
        """The wire ``id`` of the promotion with primary key ``pk`` (for reads of plain rows)."""
        return f"promo-{pk}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
