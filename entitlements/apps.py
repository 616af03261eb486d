from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "entitlements"

    def ready(self) -> None:
        # A provisioning answer (S1) carries C8's entitlements, and subscriptions sits below this app, so it reads
        # them through the reader registered here.
        from entitlements.apis.checks import provisioned_entitlements
        from subscriptions.apis.provisioned_entitlements import register_entitlements_reader

        register_entitlements_reader(provisioned_entitlements)
