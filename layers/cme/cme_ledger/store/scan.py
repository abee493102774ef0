"""The whole table, read for the audit (a Scan: never on a request path)."""

from __future__ import annotations

from cme_ledger.domain.audit import Ledger
from cme_ledger.store import keys
from cme_ledger.store import models as m
from cme_ledger.store.claim_items import board_entry_of, page_of, record_of
from cme_ledger.store.credentials import credential_of
from cme_ledger.store.credits import credit_of
from cme_ledger.store.db import bind
from cme_ledger.store.external_credits import external_of
from cme_ledger.store.requirements import chosen_of


def read_ledger() -> Ledger:
    bind()
    ledger = Ledger()
    for item in m.LedgerItem.scan():
        if isinstance(item, m.Credit):
            ledger.credits[(item.user_id, item.credit_id)] = credit_of(item)
        elif isinstance(item, m.Claim):
            ledger.claims[(item.user_id, item.claim_id)] = record_of(item)
        elif isinstance(item, m.ClaimLinePage):
            ledger.pages.append(page_of(item))
        elif isinstance(item, m.BoardReportEntry):
            ledger.board_entries.append(board_entry_of(item))
        elif isinstance(item, m.CredentialRecord):
            ledger.credentials[item.code] = credential_of(item)
        elif isinstance(item, m.ExternalCreditItem):
            ledger.external_credits.append(external_of(item))
        elif isinstance(item, m.RequirementChoices):
            ledger.followed[keys.user_of(item.pk)] = [c.code for c in chosen_of(item)]
    return ledger
