"""Entitlement enums with their exact wire values (contract §6). Stored and emitted verbatim."""

from django.db import models


class PromoPeriod(models.TextChoices):
    ONE_WEEK = "1 week"
    ONE_MONTH = "1 month"
    SIX_MONTHS = "6 month"
    ONE_YEAR = "1 year"
    LIFETIME = "lifetime"
    CUSTOM = "custom"


class PromoStatus(models.TextChoices):
    ACTIVE = "Active"
    EXPIRED = "Expired"
    # In the contract, never produced here: nothing pauses a promotion yet.
    PAUSED = "Paused"
