from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from config.api_keys import api_key_create


class Command(BaseCommand):
    help = "Create an API key; the key is printed alone on the last line and is never shown again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="What the key is for, e.g. the calling service's name.")

    def handle(self, *args: object, **options: str) -> None:
        api_key, raw_key = api_key_create(name=options["name"], now=timezone.now())
        self.stdout.write(f"Created API key {api_key.name!r} ({api_key.prefix}…). Store it now:")
        self.stdout.write(raw_key)
