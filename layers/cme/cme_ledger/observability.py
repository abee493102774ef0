"""The one Logger, Tracer and Metrics of the service."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="cme-ledger")
tracer = Tracer(service="cme-ledger")
metrics = Metrics(namespace="CmeLedger", service="cme-ledger")
