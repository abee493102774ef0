"""Request bodies of the renewal routes (API.md, "Renewal"): the chosen requirement sets and credit
earned elsewhere. Apart from api/schemas.py only for size; built from its types, as strict.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, StrictStr, WithJsonSchema

from cme_ledger.api.schemas import AMOUNT_SCHEMA, Amount, IsoDate, Strict, Text, TopicTags
from cme_ledger.domain.credit_types import CREDIT_TYPES
from cme_ledger.domain.external_credits import is_external_credit_type
from cme_ledger.domain.renewal import MAX_CHOSEN
from cme_ledger.domain.requirements import EXTERNAL_CREDIT_TYPES


class ChosenSetItem(Strict):
    code: Annotated[StrictStr, Field(min_length=1, max_length=40)]  # a known set: judged by the domain
    cycle_start: IsoDate


class RequirementsPut(Strict):
    items: Annotated[list[ChosenSetItem], Field(max_length=MAX_CHOSEN)]


def _external_type(value: str) -> str:
    if not is_external_credit_type(value):
        raise ValueError("unknown credit type (see GET /external-credit-types)")
    return value


ExternalCreditTypeCode = Annotated[
    StrictStr,
    AfterValidator(_external_type),
    WithJsonSchema({"type": "string", "enum": [*CREDIT_TYPES, *EXTERNAL_CREDIT_TYPES]}),
]
ExternalAmount = Annotated[Amount, Field(gt=0, le=500), WithJsonSchema({**AMOUNT_SCHEMA, "maximum": 500})]


class ExternalCreditRequest(Strict):
    title: Annotated[Text, Field(min_length=1, max_length=300)]
    provider: Annotated[Text, Field(min_length=1, max_length=200)]
    credit_type: ExternalCreditTypeCode
    amount: ExternalAmount
    completed_on: IsoDate  # not after the learner's today: judged by the domain, in their zone
    topics: TopicTags | None = None
    live: StrictBool | None = None
