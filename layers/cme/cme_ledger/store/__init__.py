"""The data layer: pynamodb models of the single table, and the only place that builds keys."""
