"""Public identifiers: a short type prefix and 22 random base62 characters (~131 bits).

Integer primary keys stay internal; every API, dashboard URL and webhook uses these.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable

_ALPHABET = string.ascii_letters + string.digits
PUBLIC_ID_LENGTH = 22

PREFIXES = {
    "org": "Organization",
    "key": "APIKey",
    "prs": "Parser",
    "cls": "Classifier",
    "ext": "Extraction",
    "doc": "Document",
    "file": "StoredFile",
    "whk": "WebhookEndpoint",
    "whd": "WebhookDelivery",
    "led": "CreditLedgerEntry",
    "pay": "Payment",
    "pack": "CreditPack",
}


def new_public_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def public_id_factory(prefix: str) -> Callable[[], str]:
    """A module-level callable per prefix, usable as a model field default (and migrations)."""
    if prefix not in PREFIXES:
        raise ValueError(f"Unknown public id prefix {prefix!r}")
    return _FACTORIES[prefix]


def _make(prefix: str) -> Callable[[], str]:
    def factory() -> str:
        return new_public_id(prefix)

    factory.__name__ = f"new_{prefix}_id"
    factory.__qualname__ = factory.__name__
    return factory


_FACTORIES = {prefix: _make(prefix) for prefix in PREFIXES}
# Named module attributes so migrations can reference them (config.ids.new_prs_id, ...).
globals().update({f.__name__: f for f in _FACTORIES.values()})
