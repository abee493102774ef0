"""Use cases: each loads through the store, decides in the pure domain, and writes through the store."""
