"""Local stand-ins for Stripe, which cannot be reached from the test machines.

- ``FakeStripeAPI``: a real HTTP server on 127.0.0.1 (a thread) that speaks the part of Stripe's
  REST protocol we use (``POST /v1/checkout/sessions``, form-encoded with bracketed keys) and
  records every request, so tests assert what the official ``stripe`` library really sent.
  The app reaches it through ``settings.STRIPE_API_BASE``.
- ``sign_payload``: Stripe's webhook signature scheme (``t=<unix time>,v1=<hex HMAC-SHA256 of
  "<t>.<raw body>" keyed with the endpoint secret>``), written from Stripe's documentation
  rather than borrowed from the library under test.
- Event builders: payloads shaped like Stripe's ``checkout.session.*`` and ``charge.refunded``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


def _token(n: int = 24) -> str:
    return secrets.token_hex(n // 2)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]  # Stripe's flattened keys, e.g. "metadata[pack_id]"


@dataclass
class FakeStripeAPI:
    requests: list[RecordedRequest] = field(default_factory=list)
    # Set to (status, body) to make the next calls fail like Stripe does.
    fail_with: tuple[int, dict[str, Any]] | None = None
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def start(self) -> FakeStripeAPI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                form = dict(parse_qsl(raw, keep_blank_values=True))
                fake.requests.append(
                    RecordedRequest("POST", self.path, dict(self.headers.items()), form)
                )
                if fake.fail_with is not None:
                    self._reply(*fake.fail_with)
                elif self.path == "/v1/checkout/sessions":
                    self._reply(200, fake.session_for(form))
                else:
                    self._reply(404, {"error": {"type": "invalid_request_error"}})

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_" + _token())
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def session_for(self, form: dict[str, str]) -> dict[str, Any]:
        session_id = "cs_test_" + _token(40)
        metadata = {
            key[len("metadata[") : -1]: value
            for key, value in form.items()
            if key.startswith("metadata[")
        }
        return {
            "id": session_id,
            "object": "checkout.session",
            "mode": form.get("mode"),
            "client_reference_id": form.get("client_reference_id"),
            "metadata": metadata,
            "payment_status": "unpaid",
            "status": "open",
            "payment_intent": None,
            "amount_total": int(form.get("line_items[0][price_data][unit_amount]") or 0),
            "currency": form.get("line_items[0][price_data][currency]") or "usd",
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
        }

    def checkout_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/v1/checkout/sessions"]


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def make_event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or "evt_" + _token(),
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": event_type,
        "data": {"object": obj},
    }


def checkout_session(
    *,
    session_id: str | None = None,
    organization_id: str,
    pack_id: str,
    payment_id: str | None = None,
    client_reference_id: str | None = None,
    payment_status: str = "paid",
    amount_total: int = 1000,
    currency: str = "usd",
    payment_intent: str | None = None,
) -> dict[str, Any]:
    metadata = {"organization_id": organization_id, "pack_id": pack_id}
    if payment_id:
        metadata["payment_id"] = payment_id
    return {
        "id": session_id or "cs_test_" + _token(40),
        "object": "checkout.session",
        "mode": "payment",
        "client_reference_id": client_reference_id or organization_id,
        "metadata": metadata,
        "payment_status": payment_status,
        "status": "complete",
        "amount_total": amount_total,
        "currency": currency,
        "payment_intent": payment_intent or "pi_" + _token(),
    }


def refunded_charge(
    *,
    payment_intent: str,
    amount: int,
    amount_refunded: int,
    payment_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": "ch_" + _token(),
        "object": "charge",
        "amount": amount,
        "amount_refunded": amount_refunded,
        "refunded": amount_refunded >= amount,
        "currency": "usd",
        "payment_intent": payment_intent,
        "metadata": {"payment_id": payment_id} if payment_id else {},
    }
