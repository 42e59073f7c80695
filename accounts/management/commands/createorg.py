"""``createorg NAME --owner EMAIL [--password P] [--credits N] [--json]``.

Creates an organization, its owner (or reuses an existing user) and an API key, for operators,
the start-up script and tests.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.services import create_api_key, create_organization, get_or_create_user
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
        with transaction.atomic():
            user, created = get_or_create_user(email=options["owner"], password=options["password"])
            if not created and options["password"]:
                user.set_password(options["password"])
                user.save(update_fields=["password"])
            organization = create_organization(
                name=options["name"], owner=user, opening_credits=options["credits"]
            )
            new_key = create_api_key(organization=organization, name="Default key", created_by=user)
        result = {
            "organization_id": organization.public_id,
            "organization": organization.name,
            "user": user.email,
            "user_created": created,
            "api_key": new_key.secret,
            "credits": get_balance(organization=organization),
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"Organization {organization.name} ({organization.public_id})\n"
                f"Owner: {user.email}\nAPI key (shown once): {new_key.secret}\n"
                f"Credits: {result['credits']}"
            )
