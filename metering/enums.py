"""Metering enums, wire values verbatim (contract §6)."""

from django.db import models


class UpdateBehavior(models.TextChoices):
    # Add the reported value to the current usage.
    DELTA = "DELTA"
    # The reported value is the new absolute usage; the server computes the difference.
    SET = "SET"
