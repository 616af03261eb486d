from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "subscriptions"

    def ready(self) -> None:
        # Publishing a plan or add-on with ALL_CUSTOMERS starts this app's plan migration job (catalog cannot import
        # this app, so it calls the starter registered here).
        from catalog.services.packages import register_subscriber_migration_starter
        from subscriptions.tasks import start_plan_migration

        register_subscriber_migration_starter(start_plan_migration)
