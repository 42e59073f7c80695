"""SSRF guard: webhooks never reach loopback, private, link-local or otherwise internal hosts.

The host is resolved and *every* address it resolves to must be public; the connection is
then made to one of those checked addresses (never re-resolved), so a DNS answer that changes
between the check and the request (DNS rebinding) cannot redirect it. Checked when an endpoint
is saved and again at every send. ``PP_WEBHOOK_ALLOW_PRIVATE_TARGETS`` (tests, local
development) lifts the address check but not the URL checks.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_V6 = ipaddress.IPv6Network
# IPv6 forms that stand for another address, or for no single host, refused whatever they
# embed: Python's is_global calls most of them global (::127.0.0.1 was accepted and reached
# loopback on a dual-stack host).
_REFUSED_V6 = (
    _V6("::/96"),  # IPv4-compatible (deprecated): ::127.0.0.1, and :: and ::1
    _V6("::ffff:0:0/96"),  # IPv4-mapped: a dual-stack socket connects to the IPv4 address
    _V6("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    _V6("64:ff9b::/96"),  # NAT64, well-known prefix: reaches the embedded IPv4 address
    _V6("64:ff9b:1::/48"),  # NAT64, local-use prefix
    _V6("2001::/32"),  # Teredo: a tunnel to an obfuscated IPv4 address
    _V6("fec0::/10"),  # site-local (deprecated, still routed inside some networks)
)
_SIX_TO_FOUR = _V6("2002::/16")  # 6to4: refused when the embedded IPv4 is not global


class UnsafeWebhookTarget(Exception):
    """A webhook URL we refuse to call; the message says why (safe to show the customer)."""


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str  # as written in the URL (for the Host header, SNI and certificate checks)
    port: int
    path: str  # path + query, at least "/"
    addresses: tuple[str, ...]  # checked IP addresses to connect to, in resolver order


def is_forbidden_address(address: str | IPAddress) -> bool:
    """True for anything but a globally routable unicast address. THE check of every
    webhook address: at submission, when an endpoint is saved and before every send."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id or any(ip in network for network in _REFUSED_V6):
            return True
        if ip in _SIX_TO_FOUR and is_forbidden_address(ip.sixtofour):
            return True
    # is_global is False for private, loopback, link-local, unspecified, reserved, shared
    # (100.64/10), documentation and benchmarking ranges; multicast can still be "global".
    return not ip.is_global or ip.is_multicast


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (A and AAAA), in resolver order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]).split("%", 1)[0], None)
    return list(seen)


def parse_url(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and path of a webhook URL, or ``UnsafeWebhookTarget``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeWebhookTarget(f"The URL is malformed: {exc}.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeWebhookTarget("Webhook URLs must use http or https.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeWebhookTarget(
            "Webhook URLs cannot carry credentials; use a custom header instead."
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeWebhookTarget("The URL has no host.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


def check_url(url: str, *, allow_private: bool | None = None) -> Target:
    """Resolve and vet a webhook URL; the returned ``Target`` says where to connect."""
    if allow_private is None:
        allow_private = settings.PP_WEBHOOK_ALLOW_PRIVATE_TARGETS
    scheme, host, port, path = parse_url(url)
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        if not allow_private and host.lower() in ("localhost", "localhost.localdomain"):
            raise UnsafeWebhookTarget("Webhooks cannot target localhost.")
        try:
            addresses = resolve_host(host, port)
        except (OSError, UnicodeError) as exc:
            raise UnsafeWebhookTarget(f"The host {host} could not be resolved ({exc}).") from None
        if not addresses:
            raise UnsafeWebhookTarget(f"The host {host} did not resolve to any address.")
    if not allow_private:
        forbidden = [a for a in addresses if is_forbidden_address(a)]
        if forbidden:
            raise UnsafeWebhookTarget(
                f"The host {host} resolves to a private or reserved address ({forbidden[0]}); "
                "webhooks only go to public internet addresses."
            )
    return Target(scheme, host.strip("[]"), port, path, tuple(addresses))
