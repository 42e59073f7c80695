"""``seed_credit_packs [--currency usd]``: create the default credit packs if missing.

Idempotent: a pack with the same number of credits (active or not) is left exactly as staff
configured it in the admin, so running this on every deploy never overwrites prices.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from billing.models import CreditPack

# (name, credits, price in cents): volume discount from 2.0 to 1.5 cents per credit (page).
DEFAULT_PACKS: tuple[tuple[str, int, int], ...] = (
    ("Starter", 500, 1_000),
    ("Team", 2_000, 3_500),
    ("Scale", 10_000, 15_000),
)


class Command(BaseCommand):
    help = "Create the default credit packs (500 / 2,000 / 10,000 credits) if they are missing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--currency", default="usd", help="ISO currency of new packs.")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        currency = options["currency"].lower()
        for position, (name, credits, price_cents) in enumerate(DEFAULT_PACKS, start=1):
            pack = CreditPack.objects.filter(credits=credits, currency=currency).first()
            verb = "Kept"
            if pack is None:
                pack = CreditPack.objects.create(
                    name=name,
                    credits=credits,
                    price_cents=price_cents,
                    currency=currency,
                    position=position,
                )
                verb = "Created"
            self.stdout.write(
                f"{verb} {pack.public_id}: {pack.name}, {pack.credits} credits, "
                f"{pack.price_cents / 100:.2f} {pack.currency.upper()}"
            )
