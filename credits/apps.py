from django.apps import AppConfig


class CreditsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "credits"

    def ready(self) -> None:
        """Listen to the apps below this one (they may not import it): a subscription that changed gets its
        recurring credit grants."""
        from credits.hooks import recurring_grants_schedule
        from subscriptions.change_listeners import register_subscription_change_listener

        register_subscription_change_listener(self.label, recurring_grants_schedule)
