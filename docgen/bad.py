"""Inputs the engine must refuse: a PDF with no readable structure, a transfer cut short, an
executable posing as a PDF (an encrypted PDF is ``pdf.encrypted_pdf``)."""

from __future__ import annotations

import random


def corrupted_pdf() -> bytes:
    """Starts like a PDF but has no readable objects, xref or trailer."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(
        random.Random(7).randrange(256) for _ in range(2048)
    )


def truncated_pdf(data: bytes) -> bytes:
    """The first 200 bytes of a real PDF: a transfer cut short."""
    return data[:200]


def fake_exe() -> bytes:
    """A Windows executable (MZ header) — what a renamed ``.exe`` posing as a PDF contains."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
    )
