"""``createorg NAME --owner EMAIL [--password P] [--credits N] [--json]``.

Creates an organization, its owner (or reuses an existing user) and an API key, for operators
and tests (``accounts.services.onboard_organization``).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import onboard_organization
from billing.services import get_balance


class Command(BaseCommand):
    help = "Create an organization with its owner and an API key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--owner", required=True, help="Owner's email address.")
        parser.add_argument("--password", default=None, help="Owner's password (new users).")
        parser.add_argument("--credits", type=int, default=0, help="Opening credit grant.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["credits"] < 0:
            raise CommandError("--credits cannot be negative.")
        new = onboard_organization(
            name=options["name"],
            owner_email=options["owner"],
            password=options["password"],
            credits=options["credits"],
        )
        organization = new.organization
        result = {
            "organization_id": organization.public_id,
            "organization": organization.name,
            "user": new.owner.email,
            "user_created": new.owner_created,
            "api_key": new.api_key.secret,
            "credits": get_balance(organization=organization),
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"Organization {organization.name} ({organization.public_id})\n"
                f"Owner: {new.owner.email}\nAPI key (shown once): {new.api_key.secret}\n"
                f"Credits: {result['credits']}"
            )
