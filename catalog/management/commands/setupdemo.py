import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from config.api_keys import api_key_create, api_key_revoke
from config.models import ApiKey

ADMIN_USERNAME = "admin"
DEMO_KEY_NAME = "demo"
BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Prepare a demo: migrate, load the demo catalog, create the 'admin' superuser (password printed once) and a "
        "fresh demo API key (printed; earlier demo keys are revoked). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-password", action="store_true", help="Give an existing 'admin' user a new random password."
        )

    def handle(self, *args: object, **options: object) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        call_command("loaddemo", stdout=self.stdout)
        self._admin_user(reset_password=bool(options["reset_password"]))
        raw_key = self._demo_api_key()
        self.stdout.write(f"Demo API key (send it as the X-API-KEY header; shown only now): {raw_key}")
        self.stdout.write("")
        self.stdout.write(f"Next: run the server, then open {BASE_URL}/admin/ (operator console, user admin)")
        self.stdout.write(f"and {BASE_URL}/api/docs (API docs).")

    def _admin_user(self, *, reset_password: bool) -> None:
        user_model = get_user_model()
        user = user_model.objects.filter(username=ADMIN_USERNAME).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user_model.objects.create_superuser(username=ADMIN_USERNAME, email="", password=password)
            self.stdout.write(f"Created superuser {ADMIN_USERNAME!r} with password (shown only now): {password}")
        elif reset_password:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(f"New password for {ADMIN_USERNAME!r} (shown only now): {password}")
        else:
            self.stdout.write(
                f"Superuser {ADMIN_USERNAME!r} already exists; its password is unchanged "
                "(run setupdemo --reset-password for a new one)."
            )

    @transaction.atomic
    def _demo_api_key(self) -> str:
        """A key's secret is never stored, so each run makes a new demo key and revokes the previous ones."""
        now = timezone.now()
        for api_key in ApiKey.objects.filter(name=DEMO_KEY_NAME, revoked_at__isnull=True).order_by("pk"):
            api_key_revoke(api_key=api_key, now=now)
        _, raw_key = api_key_create(name=DEMO_KEY_NAME, now=now)
        return raw_key
