"""Identifiers printed on business documents: e-mail addresses, phone numbers, IBANs (with
their checksum), VAT ids and web addresses."""

from __future__ import annotations

import re

from .dates import find_dates

RE_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
RE_PHONE = re.compile(r"(?<![\w])(\+?\(?\d[\d\s().\-/]{6,18}\d)(?![\w])")
RE_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{1,4}){3,8})\b")
RE_VAT = re.compile(
    r"\b(ATU\d{8}|BE[01]\d{9}|DE\d{9}|FR[0-9A-Z]{2}\d{9}|GB\d{9}(?:\d{3})?|IT\d{11}|ES[0-9A-Z]\d{7}[0-9A-Z]"
    r"|NL\d{9}B\d{2}|CHE[-\s.]?\d{3}[.\s]?\d{3}[.\s]?\d{3}|[A-Z]{2}[0-9A-Z]{8,12})\b"
)
RE_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def find_email(text: str) -> str | None:
    m = RE_EMAIL.search(text)
    return m.group(0) if m else None


def find_phone(text: str) -> str | None:
    for m in RE_PHONE.finditer(text):
        cand = m.group(1).strip()
        digits = re.sub(r"\D", "", cand)
        if 7 <= len(digits) <= 15 and not find_dates(cand):
            return cand
    return None


def iban_valid(iban: str) -> bool:
    s = re.sub(r"\s", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", s):
        return False
    r = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in r)
    return int(num) % 97 == 1


def find_iban(text: str) -> str | None:
    up = text.upper()
    for m in RE_IBAN.finditer(up):
        cand = re.sub(r"\s", "", m.group(1))
        # the greedy group may run into the next word: trim until the checksum holds
        for end in range(len(cand), 13, -1):
            if iban_valid(cand[:end]):
                return cand[:end]
    return None


def find_vat_id(text: str) -> str | None:
    for m in RE_VAT.finditer(text.upper()):
        cand = m.group(1)
        if any(c.isdigit() for c in cand) and not iban_valid(cand):
            return re.sub(r"[\s.]", "", cand)
    return None
