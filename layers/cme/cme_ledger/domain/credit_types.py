"""The credit types a course can offer, with the statement printed on certificates.

Labels and statements are spelled as the accreditors print them, typographic marks included
(the trademark sign, the typographic apostrophe): the API returns them as they are and the certificate's fonts have every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CREDIT_TYPE = "AMA_PRA_1"


@dataclass(frozen=True)
class CreditType:
    code: str
    label: str
    unit: str
    statement: str


CREDIT_TYPES: dict[str, CreditType] = {
    t.code: t
    for t in (
        CreditType(
            "AMA_PRA_1",
            "AMA PRA Category 1 Credit™",
            "credits",
            "The provider designates this enduring material for a maximum of the credits shown as "
            "AMA PRA Category 1 Credit™. Physicians should claim only the credit commensurate with "
            "the extent of their participation in the activity.",
        ),
        CreditType(
            "AAFP_PRESCRIBED",
            "AAFP Prescribed Credit",
            "credits",
            "This enduring material has been reviewed and is acceptable for AAFP Prescribed credit. "
            "Physicians should claim only the credit commensurate with the extent of their participation.",
        ),
        CreditType(
            "AAPA_1",
            "AAPA Category 1 CME Credit",
            "credits",
            "This activity has been reviewed and is approved for AAPA Category 1 CME credit. "
            "PAs should only claim credit commensurate with the extent of their participation.",
        ),
        CreditType(
            "ACEP",
            "ACEP Category I Credit",
            "credits",
            "Approved by the American College of Emergency Physicians for ACEP Category I credit.",
        ),
        CreditType(
            "AAP",
            "AAP Credit",
            "credits",
            "This activity is acceptable for AAP credit. These credits can be applied toward the AAP "
            "CME/CPD requirement.",
        ),
        CreditType(
            "ANCC_CNE",
            "ANCC Contact Hours",
            "contact hours",
            "This activity is approved for nursing continuing professional development contact hours "
            "by an ANCC-accredited provider.",
        ),
        CreditType(
            "ABP_MOC_2",
            "ABP MOC Part 2 Points",
            "points",
            "Successful completion of this CME activity enables the learner to earn MOC points in the "
            "American Board of Pediatrics\u2019 Maintenance of Certification program. Participant completion "
            "information is shared with the ABP through the ACCME PARS system.",
        ),
        CreditType(
            "ABIM_MOC",
            "ABIM MOC Points",
            "points",
            "Successful completion of this CME activity enables the participant to earn MOC points in the "
            "American Board of Internal Medicine\u2019s Maintenance of Certification program.",
        ),
        CreditType(
            "STATE",
            "State-required CME",
            "credits",
            "This activity meets the state-required continuing medical education content requirement "
            "for the credits shown.",
        ),
    )
}
