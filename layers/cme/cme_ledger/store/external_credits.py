"""Credit a learner earned elsewhere: items in their partition, newest recorded first in listings."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from cme_ledger.domain.model import CertificateFile, ExternalCredit
from cme_ledger.store import keys
from cme_ledger.store import models as m
from cme_ledger.store.db import bind
from cme_ledger.store.failures import succeeded


def external_of(item: m.ExternalCreditItem) -> ExternalCredit:
    certificate = item.certificate
    return ExternalCredit(
        user_id=item.user_id,
        external_credit_id=item.external_credit_id,
        title=item.title,
        provider=item.provider,
        credit_type=item.credit_type,
        amount=item.amount,
        completed_on=item.completed_on,
        topics=tuple(item.topics or ()),
        live=bool(item.live),
        recorded_at=item.recorded_at,
        certificate=CertificateFile(
            certificate.key,
            certificate.version_id,
            certificate.content_type,
            int(certificate.size),
            certificate.checked_at,
        )
        if certificate is not None
        else None,
    )


def _item(credit: ExternalCredit) -> m.ExternalCreditItem:
    return m.ExternalCreditItem(
        keys.user_pk(credit.user_id),
        keys.external_sk(credit.external_credit_id),
        user_id=credit.user_id,
        external_credit_id=credit.external_credit_id,
        title=credit.title,
        provider=credit.provider,
        credit_type=credit.credit_type,
        amount=credit.amount,
        completed_on=credit.completed_on,
        topics=list(credit.topics) or None,
        live=credit.live or None,
        recorded_at=credit.recorded_at,
    )


def create(credit: ExternalCredit) -> bool:
    """Write a new external credit; False when its id exists already (nothing written)."""
    bind()
    return succeeded(_item(credit).save, condition=m.ExternalCreditItem.pk.does_not_exist())


def get(user_id: str, external_credit_id: str, consistent: bool = False) -> ExternalCredit | None:
    """One of the learner's external credits (another learner's id is simply absent)."""
    bind()
    try:
        item = m.ExternalCreditItem.get(
            keys.user_pk(user_id), keys.external_sk(external_credit_id), consistent_read=consistent
        )
    except m.ExternalCreditItem.DoesNotExist:
        return None
    return external_of(item)


def page(user_id: str, limit: int, before: str | None) -> tuple[list[ExternalCredit], str | None]:
    """Up to `limit` external credits, newest recorded first, after the one with id `before`; and
    the id of the last one returned when more follow."""
    bind()
    pk = keys.user_pk(user_id)
    found = [
        external_of(item)
        for item in m.ExternalCreditItem.query(
            pk,
            m.ExternalCreditItem.sk.startswith(keys.EXTERNAL_PREFIX),
            scan_index_forward=False,
            limit=limit + 1,  # one more tells whether a next page exists
            last_evaluated_key={"pk": {"S": pk}, "sk": {"S": keys.external_sk(before)}} if before else None,
        )
    ]
    if len(found) > limit:
        return found[:limit], found[limit - 1].external_credit_id
    return found, None


def delete(user_id: str, external_credit_id: str) -> bool:
    """Remove the item; False when there was none."""
    bind()
    item = m.ExternalCreditItem(keys.user_pk(user_id), keys.external_sk(external_credit_id))
    return succeeded(item.delete, condition=m.ExternalCreditItem.pk.exists())


def record_certificate(
    user_id: str, external_credit_id: str, file: CertificateFile, replaces: Collection[str]
) -> bool:
    """Show `file` as the credit's certificate, in place of none or of one of the older versions
    `replaces`; False when the credit is gone, or a version the caller did not see (newer) is shown."""
    bind()
    model = m.ExternalCreditItem
    item = model(keys.user_pk(user_id), keys.external_sk(external_credit_id))
    value: dict[str, Any] = {
        "key": file.key,
        "version_id": file.version_id,
        "content_type": file.content_type,
        "size": file.size,
        "checked_at": file.checked_at,
    }
    shown: Any = model.certificate.version_id
    return succeeded(
        item.update,
        actions=[model.certificate.set(value)],
        condition=model.pk.exists()
        & (model.certificate.does_not_exist() | shown.is_in(file.version_id, *replaces)),
    )
