"""The load: threads of HTTP clients (``requests``), each with its own connection, for a fixed
time. Kinds of client:

- poller: ``GET /v1/extractions/{id}`` of one of its organization's extractions, in a loop,
  with the ``next_cursor`` it got last time (incremental polling, as the docs recommend);
- submitter: ``POST /v1/extractions`` with a one-page PDF every ``interval`` seconds (under
  the per-key submission limit), and tells its organization's pollers about the new id;
- burst: submits back to back on a key of its own, so the per-key submission limit answers
  429 with Retry-After, which it honours: the only 429s expected.

Every request's kind, status and latency is recorded. Anything but 2xx is an error, except a
429 answered to the burst client.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import requests


@dataclass
class Sample:
    kind: str
    status: int
    seconds: float
    intended_429: bool = False


@dataclass
class Tenant:
    """One organization's key, parser and the extractions submitted so far."""

    api_key: str
    parser_id: str
    organization_id: str = ""
    extractions: list[str] = field(default_factory=list)
    submitted: dict[str, int] = field(default_factory=dict)  # extraction id -> pages
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, extraction_id: str, pages: int) -> None:
        with self.lock:
            self.extractions.append(extraction_id)
            self.submitted[extraction_id] = pages

    def pick(self, rng: random.Random) -> str | None:
        with self.lock:
            if not self.extractions:
                return None
            # Mostly the recent ones (being processed), sometimes an old one.
            recent = self.extractions[-5:]
            return rng.choice(recent if rng.random() < 0.8 else self.extractions)


class Driver:
    def __init__(self, base_url: str, documents: list[bytes], *, seed: int = 1) -> None:
        self.base_url = base_url
        self.documents = documents
        self.samples: list[Sample] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._seed = seed

    # ----------------------------------------------------------------------------- recording

    def _record(
        self, kind: str, response: requests.Response | None, seconds: float, *, burst: bool = False
    ) -> None:
        status = response.status_code if response is not None else 0
        intended = burst and status == 429
        with self._lock:
            self.samples.append(Sample(kind, status, seconds, intended))
            if not (200 <= status < 300 or intended):
                body = response.text[:200] if response is not None else "no response"
                self.errors.append(f"{kind} {status}: {body}")

    def _call(
        self,
        session: requests.Session,
        kind: str,
        method: str,
        url: str,
        *,
        burst: bool = False,
        **kw,
    ) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = session.request(method, self.base_url + url, timeout=60, **kw)
        except requests.RequestException as exc:
            with self._lock:
                self.samples.append(Sample(kind, 0, time.perf_counter() - started))
                self.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            return None
        self._record(kind, response, time.perf_counter() - started, burst=burst)
        return response

    @staticmethod
    def _session(api_key: str) -> requests.Session:
        session = requests.Session()
        session.headers["X-API-Key"] = api_key
        return session

    # ----------------------------------------------------------------------------- clients

    def _submit(
        self, session: requests.Session, tenant: Tenant, rng: random.Random, *, burst: bool = False
    ) -> requests.Response | None:
        data = self.documents[rng.randrange(len(self.documents))]
        response = self._call(
            session,
            "submit",
            "POST",
            "/v1/extractions",
            burst=burst,
            data={"parser_id": tenant.parser_id},
            files={"files": ("invoice.pdf", data, "application/pdf")},
        )
        if response is not None and response.status_code == 202:
            body = response.json()["extraction"]
            tenant.add(body["extraction_id"], body["page_count"])
        return response

    def submitter(self, tenant: Tenant, interval: float, n: int) -> None:
        rng = random.Random(self._seed * 1000 + n)
        session = self._session(tenant.api_key)
        while not self._stop.is_set():
            started = time.monotonic()
            self._submit(session, tenant, rng)
            self._stop.wait(max(0.0, interval - (time.monotonic() - started)))

    def burst(self, tenant: Tenant) -> None:
        rng = random.Random(self._seed * 7)
        session = self._session(tenant.api_key)
        while not self._stop.is_set():
            response = self._submit(session, tenant, rng, burst=True)
            if response is not None and response.status_code == 429:
                self._stop.wait(min(float(response.headers.get("Retry-After", "1")), 60.0))

    def poller(self, tenant: Tenant, n: int) -> None:
        rng = random.Random(self._seed * 100 + n)
        session = self._session(tenant.api_key)
        cursors: dict[str, str] = {}
        while not self._stop.is_set():
            extraction_id = tenant.pick(rng)
            if extraction_id is None:
                self._stop.wait(0.05)
                continue
            params = {"cursor": cursors[extraction_id]} if extraction_id in cursors else {}
            response = self._call(
                session, "poll", "GET", f"/v1/extractions/{extraction_id}", params=params
            )
            if response is not None and response.status_code == 200:
                cursor = response.json()["extraction"].get("next_cursor")
                if cursor:
                    cursors[extraction_id] = cursor

    # ----------------------------------------------------------------------------- running

    def run(
        self,
        *,
        tenants: list[Tenant],
        burst_tenant: Tenant | None,
        pollers_per_tenant: int,
        submit_interval: float,
        duration: float,
    ) -> float:
        for i, tenant in enumerate(tenants):
            self._threads.append(
                threading.Thread(target=self.submitter, args=(tenant, submit_interval, i))
            )
            for j in range(pollers_per_tenant):
                self._threads.append(
                    threading.Thread(target=self.poller, args=(tenant, i * 100 + j))
                )
        if burst_tenant is not None:
            self._threads.append(threading.Thread(target=self.burst, args=(burst_tenant,)))
        started = time.monotonic()
        for thread in self._threads:
            thread.start()
        self._stop.wait(duration)
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)
        return time.monotonic() - started


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarize(samples: list[Sample], seconds: float) -> dict[str, dict[str, float]]:
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    by_kind["all"] = list(samples)
    out: dict[str, dict[str, float]] = {}
    for kind, items in sorted(by_kind.items()):
        latencies = [s.seconds for s in items if 200 <= s.status < 300]
        out[kind] = {
            "requests": len(items),
            "requests_per_s": round(len(items) / seconds, 1),
            "ok": sum(1 for s in items if 200 <= s.status < 300),
            "intended_429": sum(1 for s in items if s.intended_429),
            "errors": sum(1 for s in items if not (200 <= s.status < 300 or s.intended_429)),
            "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "max_ms": round(max(latencies, default=0) * 1000, 1),
        }
    return out
