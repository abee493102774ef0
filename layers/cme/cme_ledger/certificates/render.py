"""Render one claim's certificates as a single PDF.

Pure: no AWS, no clock. reportlab, harfbuzz and the fonts are loaded on the first render, never
when this module (or its package) is imported, so only the certificate function pays for them:
the layout lives in `layout` (and `flowables`, `styles`, `typeset`, `fonts`), imported by
`render_pdf` itself, the lazy-import pattern of Powertools. The input dataclasses live in
`document` and are re-exported here.
"""

from __future__ import annotations

from cme_ledger.certificates.document import (
    CertificateDocument,
    CourseCertificate,
    TopicLine,
    check_document,
    format_certificate_code,
)

__all__ = [
    "CertificateDocument",
    "CourseCertificate",
    "TopicLine",
    "format_certificate_code",
    "render_pdf",
]


def render_pdf(document: CertificateDocument) -> bytes:
    """The claim's PDF: one certificate per course, each starting on a new page, in the given order.

    Raises ValueError for a document that cannot make a valid PDF: no certificates, a time zone
    that is not an IANA name, or (outside a preview) a certificate without a code or verify URL,
    or with a verify URL longer than 1,000 characters.

    Text prints as given, in any script: control characters print as spaces, bidi controls are
    dropped (each text takes its direction from its first strong character), and very long texts
    are cut with an ellipsis. Every date (activity dates, date claimed, each topic's date) is the
    day in `document.time_zone`, which the certificate names in small print.
    """
    check_document(document)
    from cme_ledger.certificates import layout

    return layout.build_pdf(document)
