"""``demo [--file var/demo.json]``: bin/start's demo organization and its banner.

The first run creates the organization (owner ``demo@perfectparser.local`` /
``demo-password``, 1000 credits, an API key) and keeps what it cannot show again (the key's
secret) in the file; every run prints the banner with the organization's balance now, not the
opening grant. A file whose organization is gone (a new database) is replaced.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.models import APIKey, Organization, hash_api_key
from accounts.services import onboard_organization
from billing.services import get_balance

DEMO_NAME = "Demo Org"
DEMO_EMAIL = "demo@perfectparser.local"
DEMO_PASSWORD = "demo-password"
DEMO_CREDITS = 1000


class Command(BaseCommand):
    help = "Create the demo organization once and print its sign-in, API key and balance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default="var/demo.json", help="Where the demo is kept.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        demo = _read(path)
        organization = (
            Organization.objects.filter(public_id=demo["organization_id"]).first() if demo else None
        )
        if organization is None:
            self.stdout.write("==> Creating the demo organization")
            new = onboard_organization(
                name=DEMO_NAME, owner_email=DEMO_EMAIL, password=DEMO_PASSWORD, credits=DEMO_CREDITS
            )
            organization = new.organization
            demo = {
                "organization_id": organization.public_id,
                "organization": organization.name,
                "user": new.owner.email,
                "api_key": new.api_key.secret,
            }
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(demo))
        key = APIKey.objects.filter(hashed_secret=hash_api_key(demo["api_key"])).first()
        key_note = "" if key and key.is_active else "  (revoked: create one on the API keys page)"
        self.stdout.write(
            "\n"
            f"  Demo organization : {organization.name} ({organization.public_id})\n"
            f"  Dashboard login   : {DEMO_EMAIL} / {DEMO_PASSWORD}\n"
            f"  Demo API key      : {demo['api_key']}{key_note}\n"
            f"  Credits           : {get_balance(organization=organization)}\n"
        )


def _read(path: Path) -> dict[str, Any] | None:
    try:
        demo = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return demo if isinstance(demo, dict) and demo.get("organization_id") else None
