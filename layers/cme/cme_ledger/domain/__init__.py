"""Domain rules of CME Ledger: no HTTP, no AWS clients."""
