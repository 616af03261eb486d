from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "subscriptions"

    def ready(self) -> None:
        """Register what the apps below this one call into it (they may not import it): publishing a plan or add-on
        with ALL_CUSTOMERS starts this app's plan migration job; archiving a customer cancels its subscriptions."""
        from catalog.services.packages import register_subscriber_migration_starter
        from customers.services import register_archive_cascade
        from subscriptions.services.cancellation import subscriptions_cancel_for_archived_customer
        from subscriptions.tasks import start_plan_migration

        register_subscriber_migration_starter(start_plan_migration)
        register_archive_cascade(self.label, subscriptions_cancel_for_archived_customer)
