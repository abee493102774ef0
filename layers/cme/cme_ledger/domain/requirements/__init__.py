"""Requirement sets as data, and one pure evaluator of a learner's credit against them (docs/requirements.md).

The rules live in ../requirement_sets.json (loaded on first use, checked as it loads); adding a
board or a state is a change of that file and a test, not of this code.
"""

from cme_ledger.domain.requirements.cycles import local_date
from cme_ledger.domain.requirements.data import (
    RequirementDataError,
    parse_catalogue,
    requirement_catalogue,
    requirement_sets,
)
from cme_ledger.domain.requirements.evaluate import UnknownRequirementSet, evaluate, evaluate_all
from cme_ledger.domain.requirements.model import (
    EXTERNAL_CREDIT_TYPES,
    AnyRule,
    CapRule,
    ChosenSet,
    ClaimableCredit,
    ClaimSuggestion,
    CreditLine,
    LineCount,
    MinimumRule,
    OneTimeRule,
    RequirementCatalogue,
    RequirementSet,
    RollOverRule,
    RuleProgress,
    Selector,
    SetProgress,
    TotalRule,
    WeightRule,
)
from cme_ledger.domain.requirements.views import (
    explanation_view,
    progress_view,
    requirement_set_view,
    requirement_sets_view,
)

__all__ = [
    "EXTERNAL_CREDIT_TYPES",
    "AnyRule",
    "CapRule",
    "ChosenSet",
    "ClaimSuggestion",
    "ClaimableCredit",
    "CreditLine",
    "LineCount",
    "MinimumRule",
    "OneTimeRule",
    "RequirementCatalogue",
    "RequirementDataError",
    "RequirementSet",
    "RollOverRule",
    "RuleProgress",
    "Selector",
    "SetProgress",
    "TotalRule",
    "UnknownRequirementSet",
    "WeightRule",
    "evaluate",
    "evaluate_all",
    "explanation_view",
    "local_date",
    "parse_catalogue",
    "progress_view",
    "requirement_catalogue",
    "requirement_set_view",
    "requirement_sets",
    "requirement_sets_view",
]
