"""`manage.py seed_demo`: demo quarters, trades, providers, requests and a staff login (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from marketplace.demo import DemoPasswordRequired, demo_seed


class Command(BaseCommand):
    help = "Create or refresh the demo data of Douala and Yaoundé and the staff user 'admin'. Safe to run twice."

    def handle(self, *args, **options):
        try:
            result = demo_seed()
        except DemoPasswordRequired as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Demo data: {result.zones} quarters, {result.categories} trades, {result.providers} providers, "
            f"{result.clients} clients, {result.requests} requests."
        )
        self.stdout.write(self.style.SUCCESS(
            f"Admin login: {result.admin_username} / {result.admin_password}   (Django admin at /admin/)"
        ))
