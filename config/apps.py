from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Project plumbing as an app so it can own the API-key model and the operator commands."""

    name = "config"
    verbose_name = "API platform"
    default_auto_field = "django.db.models.BigAutoField"
