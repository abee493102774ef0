"""HTTP wiring: resolver factory, request models, the one map from domain errors to HTTP."""
