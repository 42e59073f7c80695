"""Parties a contract names outside a "between" list.

* a defined term: "As an associate of Ann Taylor, Inc. (the “Company”)", "Landry’s, Inc. (the
  “Recipient”) and Morton’s Restaurant Group Inc. (the “Company”) agree …", "TOM WILKIE, an
  individual resident of … (“Employee”)" — a proper name followed, within its clause, by a
  parenthesised alias in quotes;
* a letter agreement's addressee: the company line printed above "Dear …" / "Ladies and
  Gentlemen";
* the individual who signs a form addressed to "you" / "I" / "the undersigned": "I, Andrew
  Prozes, have executed …", or the "/s/ Name" signed without "By:" (a company's officer signs
  "By: /s/ …", or over the company's name, on its behalf);
* "the term “Emerson” means Emerson Electric Co."; a letter addressed to a person (an
  employee's letter agreement); with no name in the opening, the companies signing over "By:".

Only the opening of the contract (up to its first numbered section or recital) is read for
defined terms: later paragraphs define advisers, affiliates and other non-parties (and an
adviser named in the opening, "is being advised by X LLC (“X”)", is skipped too).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..layout.lines import analyze_page
from ..types import PageContent
from .text import PageText


def _listed(text: str, sep: str | None = None) -> frozenset[str]:
    return frozenset(p.strip() for p in text.split(sep) if p.strip())


# The parties' usual aliases: a name defined as one of these is a contracting party.
_ROLE_PHRASES = _listed(
    """company, corporation, recipient, discloser, disclosing party, receiving party,
    employee, executive, employer, undersigned, buyer, seller, purchaser, consultant, contractor,
    bank, parent, investor, acquiror, acquirer, bidder, counterparty, director, advisor, adviser,
    licensor, licensee, client, customer, supplier, vendor, partner, individual, officer,
    associate, participant, holder, stockholder, shareholder, sponsor, lender, borrower, party,
    interested party, you, we, us, i, me, prospective purchaser, potential purchaser,
    potential acquirer, member, manager, provider, contributor, owner, principal, guarantor""",
    ",",
)
_ROLE_WORDS = frozenset(w for p in _ROLE_PHRASES for w in p.split())

ORG_SUFFIX = (
    r"(?:Inc|Incorporated|Corp|Corporation|Company|Companies|Co|LLC|L\.L\.C|Ltd|Limited|LP|L\.P|"
    r"LLP|L\.L\.P|PLC|P\.L\.C|N\.V|B\.V|S\.A|S\.A\.S|SAS|SARL|GmbH|AG|KG|SE|Holdings|Group|Trust|"
    r"Partners|Bank|N\.A|S\.p\.A|Pty|AB|ASA|Oy|A/S)\.?"
)
_ORG_END = re.compile(rf"(?:^|[\s,]){ORG_SUFFIX}$", re.I)
# The alias in a parenthesis: (the “Company”), (“Employee” or “I”), (hereafter "the Company"),
# (collectively, the “Company”), (together with Employee, the “Parties”)
_ALIAS_PAREN = re.compile(r"\(([^()]{0,200}?)[“\"](?:the\s+)?([^”\"]{1,40})[”\"][^()]{0,80}\)")
# Where a contract's opening ends: its first numbered section or recital.
_BODY_START = re.compile(
    r"\n\s*(?:1\.|I\.|Section\s+1\b|WHEREAS|W\s?H\s?E\s?R\s?E\s?A\s?S|RECITALS|R\s?E\s?C\s?I\s?T\s?A\s?L\s?S|"
    r"W\s?I\s?T\s?N\s?E\s?S\s?S\s?E\s?T\s?H|NOW,?\s+THEREFORE|BACKGROUND|Background|PRELIMINARY|PREAMBLE)",
)
_NAME_WORD = r"[A-Z][\w&’'.!/-]*"
# A run of capitalised words (with "and", "&", "of" inside): a name's candidate span.
_CAP_RUN = re.compile(
    rf"(?<![\w’'.-]){_NAME_WORD}(?:,?\s+(?:(?:and|&|of|de|the)\s+)?{_NAME_WORD}){{0,11}}"
)
_PERSON = re.compile(
    r"^[A-Z][a-z’'-]+(?:\s+[A-Z]\.)*(?:\s+[A-Z][a-z’'-]+){0,2}\s+[A-Z][a-zA-Z’'-]+"
    r"(?:,?\s+(?:Jr|Sr|II|III|IV)\.?)?$"
    r"|^[A-Z]+(?:\s+[A-Z]\.)*(?:\s+[A-Z]+){1,2}(?:,?\s+(?:JR|SR|II|III|IV)\.?)?$"
)
# Capitalised words that start sentences or name documents, never a party.
_NOT_NAME = _listed(
    """this that the these those such each any all as in by of for with and or if upon
    agreement exhibit confidential confidentiality non-disclosure mutual letter section article
    state states commonwealth republic united america county city company corporation
    evaluation material information transaction employee executive recipient dear re"""
)


def _norm(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def _is_role(alias: str) -> bool:
    a = _norm(alias)
    return a in _ROLE_PHRASES or (len(a.split()) <= 2 and a.split()[-1] in _ROLE_WORDS)


def _alias_of_name(alias: str, name: str) -> bool:
    """“NIKE” for "NIKE, Inc.", “CEDC” for "Central European Distribution Corporation"."""
    a = _norm(alias).replace(" ", "")
    words = [w for w in _norm(name).split() if w]
    if not a or not words:
        return False
    initials = "".join(w[0] for w in words)
    return a in words or a == initials or a == "".join(words[:2]) or initials.startswith(a)


def is_person(name: str) -> bool:
    """Two to four capitalised words (initials allowed): "Michael L. Mooney", "TOM WILKIE"."""
    if _ORG_END.search(name) or not _PERSON.match(name):
        return False
    return not any(w.lower().strip(".,") in _NOT_NAME for w in name.split())


def opening(pt: PageText) -> tuple[int, int]:
    """The span of a page's opening paragraphs, before the first numbered section or recital."""
    m = None
    for m in _BODY_START.finditer(pt.text):
        if m.start() >= 150:
            break
    end = m.start() if m is not None and m.start() >= 150 else len(pt.text)
    return 0, min(end, 3000)


# "Board of Directors of Acme Corporation": the body of a company is not the party.
_BODY_OF = re.compile(
    r"^(?:the\s+)?(?:Board(?:\s+of\s+Directors)?|Directors|Members?|Employees?|Associates?|"
    r"Shareholders|Stockholders|Affiliates|Subsidiaries)\s+of\s+(?=[A-Z])",
    re.I,
)
# Document names: "Non-Compete Agreement", "General Release".
_DOC_NAME = re.compile(r"\b(?:agreement|release|plan|exhibit|amendment|addendum)\b", re.I)


def _trim_name(name: str) -> str:
    name = re.sub(r"^(?:(?:This|The|As|An?|In|By|Between|Among)\s+)+(?=[A-Z])", "", name)
    name = _BODY_OF.sub("", name)
    words = name.split()
    caps = 0
    while caps < len(words) and words[len(words) - 1 - caps].isupper():
        caps += 1
    if caps >= 2 and caps < len(words):
        name = " ".join(words[-caps:])  # "Director and Above CONVERGYS CORPORATION"
    return name.strip(" ,;")


def defined_parties(pt: PageText, start: int, end: int) -> list[tuple[str, int, int]]:
    """(name, start, end) of the names a page's opening defines by a party alias."""
    text = pt.text
    out: list[tuple[str, int, int]] = []
    for pm in _ALIAS_PAREN.finditer(text, start, end):
        lead, alias = pm.group(1), pm.group(2).strip()
        if re.search(r"\b(?:as\s+defined|defined\s+below|see)\b", lead, re.I):
            continue
        clause_lo = max(pm.start() - 600, start, out[-1][2] if out else start)
        window = text[clause_lo : pm.start()]
        # the clause ends at a sentence end or at another alias' closing parenthesis
        cut = max(window.rfind(")"), _last_sentence_end(window))
        if cut >= 0:
            clause_lo += cut + 1
            window = text[clause_lo : pm.start()]
        got = _name_in_clause(window, alias)
        if got is None:
            continue
        name, s, e = got
        out.append((name, clause_lo + s, clause_lo + e))
    return out


def _last_sentence_end(window: str) -> int:
    last = -1
    for m in re.finditer(r"[.;:]\s+(?=[A-Z(“\"])", window):
        prev = window[max(0, m.start() - 6) : m.start() + 1]
        if re.search(
            r"(?:\b(?:Inc|Corp|Co|Ltd|No|Mr|Mrs|Ms|Dr|St|Jr|Sr|L\.P|L\.L\.C|N\.V|B\.V|S\.A)|\b[A-Z])\.$",
            prev,
        ):
            continue
        last = m.start()
    return last


_ADVISER = re.compile(
    r"\b(?:advised|advisors?|advisers?|counsel|represented|agents?|brokers?|bankers?|"
    r"underwriters?|auditors?)\b[^.;]*$",
    re.I,
)


def _name_in_clause(window: str, alias: str) -> tuple[str, int, int] | None:
    """The party name a clause ending in ``(the “alias”)`` defines, with its offsets."""
    role = _is_role(alias)
    for start, raw in _runs(window):
        name = _trim_name(_cut_org(raw))
        if len(name) < 2 or name.lower() in _NOT_NAME or _DOC_NAME.search(name):
            continue
        if _norm(name) in _ROLE_PHRASES:
            continue  # "Employer" defined as “Company”: a role, not a name
        first = name.split()[0].lower().strip(",.")
        if first in _NOT_NAME:
            continue
        if _ADVISER.search(window[max(0, start - 60) : start]):
            continue  # "The Company is being advised by Stone Key Partners LLC": not a party
        org = bool(_ORG_END.search(name))
        own = _alias_of_name(alias, name)
        tail = window[start + len(raw) :]
        direct = len(tail.strip(" ,\n")) == 0 or bool(
            re.fullmatch(r"[\s,]*(?:an?\s+[^()]{0,80}?|and\s+its\s+[^()]{0,80}?)[\s,]*", tail)
        )
        if org and (role or own):
            s = start + raw.find(name.split()[0])
            return name, s, s + len(name)
        if (own or role) and direct and (is_person(name) or own or len(name.split()) <= 4):
            s = start + raw.find(name.split()[0])
            return name, s, s + len(name)
    return None


_NEXT_SUFFIX = re.compile(r"\s*,?\s*" + ORG_SUFFIX + r"(?![\w])", re.I)


def _cut_org(raw: str) -> str:
    """A capitalised run cut after its first legal suffix(es): "Acme, Inc. Blue LLC" ->
    "Acme, Inc."; "Acme Management Group Inc. and Acme Data" -> "Acme Management Group Inc."."""
    m = re.search(rf"^.*?[\s,]{ORG_SUFFIX}(?=$|[\s,])", raw, re.I)
    if m is None:
        return raw
    end = m.end()
    while (nxt := _NEXT_SUFFIX.match(raw, end)) is not None:
        end = nxt.end()
    return raw[:end]


def _runs(window: str) -> list[tuple[int, str]]:
    """(offset, text) of the capitalised runs of ``window``; a run holding a document's name
    ("… NON-COMPETITION AGREEMENT Director and Above CONVERGYS CORPORATION") also gives the
    run after its last document word."""
    out: list[tuple[int, str]] = []
    for cm in _CAP_RUN.finditer(window):
        out.append((cm.start(), cm.group(0)))
        docs = list(_DOC_NAME.finditer(cm.group(0)))
        if docs:
            last = docs[-1]
            rest = cm.group(0)[last.end() :]
            sub = _CAP_RUN.search(rest)
            if sub is not None:
                out.append((cm.start() + last.end() + sub.start(), sub.group(0)))
    return out


_SALUTATION = re.compile(r"^(?:Dear\b|Gentlemen|Ladies|To\s+whom)", re.I)
_LETTER_ORG = re.compile(rf"^(?:(?:[A-Z][\w&.’'!-]*|&|and|of),?\s+){{0,7}}{ORG_SUFFIX}$", re.I)


def addressee(pages: list[PageContent]) -> str | None:
    """The company a letter agreement is addressed to: the last org line before "Dear …"."""
    if not pages:
        return None
    lines = analyze_page(pages[0]).lines[:45]
    found: str | None = None
    for line in lines:
        text = re.sub(r"^(?:To|Attn|Attention)\s*:\s*", "", line.text.strip().rstrip(","))
        if _SALUTATION.match(text):
            return found
        if len(text) < 60 and _LETTER_ORG.match(text) and text.split()[0][0].isupper():
            found = text
    return None


_HONORIFIC = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Miss)\.?\s+")


def person_addressee(pages: list[PageContent]) -> str | None:
    """The person a letter agreement is addressed to (an employee's letter): the last line
    naming a person before "Dear …", when no company is addressed."""
    if not pages:
        return None
    found: str | None = None
    for line in analyze_page(pages[0]).lines[:45]:
        text = line.text.strip()
        if _SALUTATION.match(text):
            return found
        name = _HONORIFIC.sub("", text.split(",")[0]).strip()
        if is_person(name) and len(name) < 40:
            found = name
    return None


# "the term “Emerson” means Emerson Electric Co.": a name defined after its alias
_TERM_MEANS = re.compile(
    r"\bthe\s+terms?\s+[“\"]([^”\"]{2,40})[”\"]\s+(?:means|shall\s+mean|refers\s+to)\s+"
    rf"(?P<name>(?:[A-Z][\w&.’'!-]*,?\s+){{0,6}}{ORG_SUFFIX})",
)


def term_means(pt: PageText, start: int, end: int) -> list[tuple[str, int, int]]:
    """(name, start, end) of the companies a page's opening defines as "the term “X” means …"."""
    out = []
    for m in _TERM_MEANS.finditer(pt.text, start, end):
        name = _cut_org(m.group("name")).strip(" ,")
        if _is_role(m.group(1)) or _alias_of_name(m.group(1), name):
            out.append((name, m.start("name"), m.start("name") + len(name)))
    return out


_SIGN_BLOCK = re.compile(
    rf"(?:^|\n)(?P<name>(?:(?:[A-Z][\w&.’'!-]*|&|and|of),?[ \t]+){{0,7}}{ORG_SUFFIX}):?[ \t]*\n"
    r"(?:[^\n]{0,40}\n)?\s*By\s*:",
    re.I,
)


def signature_companies(index: list[PageText]) -> list[tuple[PageText, str, int, int]]:
    """Companies that sign: an org line right above "By:" on the last pages."""
    out: list[tuple[PageText, str, int, int]] = []
    for pt in index[-2:]:
        for m in _SIGN_BLOCK.finditer(pt.text):
            name = m.group("name").strip()
            if name.split()[0][0].isupper() and not _DOC_NAME.search(name):
                out.append((pt, name, m.start("name"), m.end("name")))
    return out[:4]


_SIGNED = re.compile(r"/s/\s*")
_I_NAME = re.compile(r"\bI,\s+([A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){1,3}),")


def signing_individual(
    index: list[PageText],
    companies: Sequence[str] = (),
) -> tuple[PageText, str, int, int] | None:
    """The person who signs a form written to "you" / "I": "I, NAME, …" or "/s/ NAME" not
    signed on a company's behalf ("By: /s/ …", or a signature over one of ``companies``'
    names: "/s/ Lisa B. / Chief Human Resources Officer / CVS Pharmacy, Inc.") — last pages
    first."""
    keys = [_norm(c).replace(" ", "") for c in companies if c]
    for pt in reversed(index[-3:]):
        for m in _I_NAME.finditer(pt.text):
            name = m.group(1)
            if is_person(name):
                return pt, name, m.start(1), m.end(1)
        best = None
        for m in _SIGNED.finditer(pt.text):
            if re.search(r"\bBy\s*:\s*$", pt.text[max(0, m.start() - 8) : m.start()], re.I):
                continue
            nm = re.match(r"[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){1,3}", pt.text[m.end() :])
            if nm is None:
                continue
            name = re.sub(r"\s+(?:Date|Title|Name|By)$", "", nm.group(0))
            name = name.split("\n")[0].strip()
            below = _norm(pt.text[m.end() + len(name) : m.end() + len(name) + 160]).replace(" ", "")
            if any(k and k in below for k in keys):
                continue  # the company's officer signs for it
            if is_person(name):
                best = (pt, name, m.end(), m.end() + len(name))
        if best is not None:
            return best
    return None
