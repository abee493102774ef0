"""The one Logger, Tracer and Metrics of the service, and how its logs are correlated.

Every log line is JSON with a `correlation_id`: the API request id (`requestContext.requestId`, the
id API Gateway's access log shows) for API functions; for the certificate worker and the dead-letter
function, the request id of the API call that queued the render (carried in the message's
`correlation_id` attribute), else the message id; for scheduled jobs, the invocation's request id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics, Tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="cme-ledger")
# Only botocore is patched (every AWS call is a subsegment): the code makes no other HTTP calls, and
# patching every supported library would import requests and others at cold start for nothing.
tracer = Tracer(service="cme-ledger", patch_modules=["botocore"])
metrics = Metrics(namespace="CmeLedger", service="cme-ledger")

# The SQS message attribute that carries the correlation id from the API to the worker.
CORRELATION_ATTRIBUTE = "correlation_id"
API_REQUEST_ID = "requestContext.requestId"


def correlate_invocation(context: LambdaContext) -> None:
    """A job's logs carry its own invocation's request id."""
    logger.set_correlation_id(context.aws_request_id)


def correlate_message(record: SQSRecord) -> None:
    """A queued record's logs carry the id of the request that queued it (or the message id)."""
    attribute = record.message_attributes[CORRELATION_ATTRIBUTE]
    queued_by = attribute.string_value if attribute is not None else None
    logger.set_correlation_id(queued_by or record.message_id)


def correlation_id() -> str | None:
    """The id the current invocation logs with, for passing on to the work it queues."""
    return logger.get_correlation_id()
