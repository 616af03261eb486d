from django.core.management.base import BaseCommand
from django.utils import timezone

from catalog.demo import demo_catalog_load


class Command(BaseCommand):
    help = (
        "Load the demo catalog (product revvenu with free, pro and enterprise plans) through the services. Idempotent."
    )

    def handle(self, *args: object, **options: object) -> None:
        created = demo_catalog_load(now=timezone.now())
        if created:
            self.stdout.write(f"Demo catalog: created {', '.join(created)}.")
        else:
            self.stdout.write("Demo catalog: already loaded, nothing to do.")
