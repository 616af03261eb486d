from django.apps import AppConfig


class MeteringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metering"

    def ready(self) -> None:
        # Entitlement answers need the usage of the current windows, and entitlements sits below this app, so it
        # reads the counters through the reader registered here.
        from entitlements.usage_reader import register_usage_reader
        from metering.selectors import CounterUsageReader

        register_usage_reader(CounterUsageReader())
