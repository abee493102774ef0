"""Delivering SQS messages to the functions template.yaml subscribes to queues, as Lambda's poller does.

Each (function, queue) pair gets a thread that long-polls the queue, invokes the handler with a batch
(the event source's BatchSize, at most 10 per receive), deletes what succeeded and leaves the rest to
reappear after the visibility timeout (partial batch responses: `batchItemFailures`). SQS itself
(moto) moves a message received more than the RedrivePolicy's maxReceiveCount to the dead-letter
queue. Nothing is received while the handler cannot be imported, so messages for a function whose
code is not written yet wait in the queue instead of being used up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from infra.events import sqs_event

log = logging.getLogger("cme.local.queues")

MAX_RECEIVE = 10  # SQS ReceiveMessage limit


def failed_message_ids(result: Any, message_ids: list[str]) -> set[str]:
    """The ids Lambda would leave on the queue after a ReportBatchItemFailures handler returned `result`."""
    if not isinstance(result, dict) or result.get("batchItemFailures") is None:
        return set()
    failures = result["batchItemFailures"]
    if not isinstance(failures, list):
        return set(message_ids)
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in message_ids:
            # Lambda treats an invalid or unknown identifier as a failure of the whole batch.
            return set(message_ids)
        failed.add(identifier)
    return failed


class QueuePoller(threading.Thread):
    def __init__(
        self,
        *,
        name: str,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        batch_size: int,
        invoke: Callable[[dict[str, Any]], Any],
        stop: threading.Event,
        load: Callable[[], None] | None = None,
        wait_seconds: int = 1,
        retry_seconds: float = 2.0,
    ) -> None:
        super().__init__(name=f"poller-{name}", daemon=True)
        self.label = name
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.batch_size = max(1, min(batch_size, MAX_RECEIVE))
        self._invoke = invoke
        self._load = load
        self._halt = stop
        self.wait_seconds = wait_seconds
        self.retry_seconds = retry_seconds
        self.loaded = load is None
        self._last_load_error = ""
        self.delivered = 0
        self.failed = 0

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                if not self.loaded and not self._try_load():
                    continue
                self.poll_once()
            except Exception:
                if self._halt.is_set():
                    return
                log.exception("%s: polling failed; retrying", self.label)
                self._halt.wait(self.retry_seconds)

    def _waiting(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", "0"))

    def _try_load(self) -> bool:
        """Import the handler once messages are waiting; False (after a pause) while it cannot be."""
        if self._waiting() == 0:
            self._halt.wait(self.wait_seconds)
            return False
        assert self._load is not None
        try:
            self._load()
        except Exception as exc:  # noqa: BLE001 - any import failure: wait for the code, log it once
            text = f"{type(exc).__name__}: {exc}"
            if text != self._last_load_error:
                log.warning(
                    "%s: messages are waiting but the handler cannot be loaded (%s)", self.label, text
                )
                self._last_load_error = text
            self._halt.wait(self.retry_seconds)
            return False
        log.info("%s: handler loaded", self.label)
        self.loaded = True
        return True

    def poll_once(self) -> int:
        """Receive one batch, deliver it, delete what succeeded; returns the number received."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        ids = [m["MessageId"] for m in messages]
        try:
            result = self._invoke(sqs_event(self.queue_arn, messages))
        except Exception:
            # As in Lambda, an error fails the whole batch: every message comes back after its timeout.
            self.failed += len(messages)
            if self._halt.is_set():  # the stack is stopping: its workers went away mid-batch
                return len(messages)
            log.exception("%s: the handler failed; %d message(s) will be retried", self.label, len(messages))
            return len(messages)
        failed = failed_message_ids(result, ids)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), MAX_RECEIVE):
            chunk = done[start : start + MAX_RECEIVE]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        self.delivered += len(done)
        self.failed += len(failed)
        if failed:
            log.warning(
                "%s: %d of %d message(s) failed; they will be retried", self.label, len(failed), len(ids)
            )
        else:
            log.info("%s: delivered %d message(s)", self.label, len(ids))
        return len(messages)
