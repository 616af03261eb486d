"""DRF input fields for the contract's value types; later apps reuse them."""

from typing import Any

from django.db import models
from rest_framework import serializers

from catalog.money import PRICE_DECIMAL_PLACES, PRICE_MAX_DIGITS


def Metadata(**kwargs: Any) -> serializers.DictField:
    """A map of string to string (``metadata`` everywhere)."""
    return serializers.DictField(child=serializers.CharField(allow_blank=True), **kwargs)


def Amount(**kwargs: Any) -> serializers.DecimalField:
    """A JSON number parsed into ``Decimal`` from its text, never through float arithmetic."""
    return serializers.DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, **kwargs)


def Choice(choices: type[models.Choices], **kwargs: Any) -> serializers.ChoiceField:
    """An enum field; an unknown value is refused naming the field and the value."""
    return serializers.ChoiceField(choices=choices.values, **kwargs)
