"""API keys: stored as SHA-256 digests (keys are 256-bit random, so a slow hash buys nothing), never in clear."""

from django.db import models


class ApiKey(models.Model):
    name = models.CharField(max_length=200)
    prefix = models.CharField(max_length=16, help_text="First characters of the key, to recognise it in lists.")
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
