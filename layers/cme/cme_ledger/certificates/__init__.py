"""Certificate PDFs. The renderer lives in `cme_ledger.certificates.render`; importing this package
(or that module) does not load reportlab, which is imported on the first render only."""
