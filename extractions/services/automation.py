"""What a finished run does with its document: to the review queue, or accepted as it came out.

Decided once, in the transaction that stores the result (``lifecycle.complete_document``):

- a document with a flagged value (``extractions.flags``) or a duplicate of an earlier one
  (``services.duplicates``) goes to the review queue (triage ``review``);
- otherwise, when its parser's automation policy is on (``Parser.auto_accept``), it is accepted:
  it stays ``completed`` and becomes reviewed with ``review_source: "auto"``, the reviewed
  output being the initial output, no edit recorded (triage ``auto_accepted``) — except a
  share of them (``Parser.auto_accept_sample_share``, 2 % by default), picked by their id so
  a repeated write decides the same, that goes to the queue instead as samples (triage
  ``sample``): a person's review of those measures the error rate of accepted values;
- with the policy off, nothing flagged: left unreviewed, out of the queue (``not_flagged``).

A person can still open an accepted document and correct it: their review replaces the
automatic one. The events follow the decision: ``document.needs_review`` for a document
entering the queue, ``document.reviewed`` for an accepted one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from accounts.models import Organization
from extractions import flags
from extractions.models import Document, ReviewSource, Triage
from extractions.services.duplicates import find_duplicate
from extractions.services.review import leaves
from parsers.models import DEFAULT_AUTO_ACCEPT_SAMPLE_SHARE, Parser

NEEDS_REVIEW_EVENT = "document.needs_review"
REVIEWED_EVENT = "document.reviewed"


@dataclass(frozen=True, slots=True)
class Policy:
    threshold: float
    auto_accept: bool = False
    sample_share: float = DEFAULT_AUTO_ACCEPT_SAMPLE_SHARE


def policy_of(*, parser: Parser | None, organization: Organization) -> Policy:
    return Policy(
        threshold=flags.review_threshold(parser=parser, organization=organization),
        auto_accept=bool(parser is not None and parser.auto_accept),
        sample_share=(
            parser.auto_accept_sample_share
            if parser is not None
            else DEFAULT_AUTO_ACCEPT_SAMPLE_SHARE
        ),
    )


def is_sample(document_public_id: str, share: float) -> bool:
    """Whether this document is one of the ``share`` of would-be-accepted documents sent to
    a person: a uniform draw from its id (the same every time it is asked)."""
    if share <= 0:
        return False
    digest = hashlib.sha256(f"sample:{document_public_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def value_count(output: Any) -> int:
    """Non-null values of an output (the denominator of the samples' error rate)."""
    return sum(1 for value in leaves(output).values() if value is not None)


@dataclass(frozen=True, slots=True)
class Decision:
    triage: str
    fields: dict[str, Any]  # the review columns of the document's outcome write
    events: tuple[str, ...]  # webhook events to raise after commit, after document.completed


def decide(
    *,
    document_public_id: str,
    initial_output: Any,
    min_confidence: float | None,
    rule_failures: int,
    duplicate: bool,
    policy: Policy,
    now: dt.datetime,
) -> Decision:
    """The triage of a finished run and the review fields it writes (always the same keys:
    the outcome is one prepared UPDATE)."""
    # flags' own rule: a value below the threshold, or a failing rule
    score = flags.review_score(min_confidence=min_confidence, rule_failures=rule_failures)
    flagged = score is not None and score < policy.threshold
    if flagged or duplicate:
        triage = Triage.REVIEW
    elif policy.auto_accept:
        sample = is_sample(document_public_id, policy.sample_share)
        triage = Triage.SAMPLE if sample else Triage.AUTO_ACCEPTED
    else:
        triage = Triage.NOT_FLAGGED
    accepted = triage == Triage.AUTO_ACCEPTED
    queued = triage in (Triage.REVIEW, Triage.SAMPLE)
    return Decision(
        triage=triage,
        fields={
            "triage": triage,
            "review_score": flags.review_score(
                min_confidence=min_confidence,
                rule_failures=rule_failures,
                whatever_the_threshold=duplicate or triage == Triage.SAMPLE,
            ),
            "reviewed": accepted,
            "reviewed_output": initial_output if accepted else None,
            "reviewed_at": now if accepted else None,
            "reviewed_by": None,
            "review_source": ReviewSource.AUTO if accepted else "",
            "value_count": value_count(initial_output),
            "corrected_values": None,
        },
        events=(NEEDS_REVIEW_EVENT,) if queued else (REVIEWED_EVENT,) if accepted else (),
    )


def corrected_values(*, initial_output: Any, reviewed_output: Any) -> int:
    """Values of the initial output a review changed (null ones it filled in do not count:
    they were never accepted as values)."""
    before = leaves(initial_output)
    after = leaves(reviewed_output)
    return sum(
        1
        for path, value in before.items()
        if value is not None
        and (after.get(path, None) != value or type(after.get(path)) is not type(value))
    )


def settle(
    *, document: Document, fields: dict[str, Any], policy: Policy, now: dt.datetime
) -> Decision:
    """Inside the transaction that stores a run's ``fields``: is it a duplicate, and what
    becomes of it. Returns the decision with the duplicate columns among its fields."""
    found = find_duplicate(
        document=document,
        sha256=document.sha256,
        key=fields.get("duplicate_key") or "",
    )
    decision = decide(
        document_public_id=document.public_id,
        initial_output=fields.get("initial_output"),
        min_confidence=fields.get("min_confidence"),
        rule_failures=fields.get("rule_failures", 0),
        duplicate=found is not None,
        policy=policy,
        now=now,
    )
    decision.fields["duplicate_of"] = found.of_id if found else None
    decision.fields["duplicate_match"] = found.match if found else ""
    return decision
