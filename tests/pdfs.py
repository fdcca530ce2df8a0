"""Small documents made at test time with pypdf (no binary fixtures in the repository)."""

from __future__ import annotations

import io

from pypdf import PdfWriter

A4 = (595, 842)


def pdf(pages: int = 2) -> bytes:
    """A valid PDF with `pages` blank A4 pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*A4)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    """A one-page PDF protected with a password (RC4 needs no extra crypto library)."""
    writer = PdfWriter()
    writer.add_blank_page(*A4)
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_pdf() -> bytes:
    """The first half of a valid PDF, as left by an interrupted upload."""
    whole = pdf(2)
    return whole[: len(whole) // 2]


def html_page() -> bytes:
    """An HTML page, e.g. Slack's sign-in page saved with a .pdf name."""
    return b"<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in</body></html>"
