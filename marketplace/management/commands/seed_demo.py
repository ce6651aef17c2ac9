"""`manage.py seed_demo`: demo quarters, trades, providers, requests and a staff login (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from marketplace.demo import DemoPasswordRequired, demo_seed


class Command(BaseCommand):
    help = "Create or refresh the demo data of Douala and Yaoundé and the staff user 'admin'. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--reset-admin-password", action="store_true",
                            help="set the password of an existing 'admin' user to the demo password again "
                                 "(DJOBEA_ADMIN_PASSWORD); without it an existing password is never changed")

    def handle(self, *args, reset_admin_password=False, **options):
        try:
            result = demo_seed(reset_admin_password=reset_admin_password)
        except DemoPasswordRequired as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Demo data: {result.zones} quarters, {result.categories} trades, {result.providers} providers, "
            f"{result.clients} clients, {result.requests} requests."
        )
        if result.admin_password:
            login = f"{result.admin_username} / {result.admin_password}"
        else:
            login = f"{result.admin_username} (existing password kept; seed_demo --reset-admin-password resets it)"
        self.stdout.write(self.style.SUCCESS(f"Admin login: {login}   (Django admin at /admin/)"))
