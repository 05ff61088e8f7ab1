from django.core.management.base import BaseCommand, CommandError

from accounts.roles import MarketRole
from accounts.services import AccountError, organisation_create


class Command(BaseCommand):
    help = (
        "Create a market participant's organisation and its first admin, and e-mail the "
        "admin a link to set their password."
    )

    def add_arguments(self, parser):
        codes = ", ".join(f"{role.value} {role.label}" for role in MarketRole)
        parser.add_argument("--mpid", required=True, help="4 upper-case letters or digits")
        parser.add_argument("--name", required=True, help="the organisation's name")
        parser.add_argument(
            "--roles", required=True, help=f"market role codes, e.g. X or MX ({codes})"
        )
        parser.add_argument("--admin-email", required=True, help="the first admin's e-mail")
        parser.add_argument("--admin-name", default="", help="the first admin's full name")

    def handle(self, *args, **options):
        try:
            organisation, admin = organisation_create(
                mpid=options["mpid"],
                name=options["name"],
                role_codes=options["roles"].replace(",", "").replace(" ", "").upper(),
                admin_email=options["admin_email"],
                admin_name=options["admin_name"],
            )
        except AccountError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {organisation} with market roles {organisation.role_codes}."
            )
        )
        self.stdout.write(f"Invitation e-mailed to its organisation admin {admin.email}.")
