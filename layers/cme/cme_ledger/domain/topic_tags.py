"""Topic tags: what a course (and so each claim line) or an external credit is about.

Requirement sets name these tags in their rules (requirement_sets.json is checked against this
table when it is loaded), and `GET /topic-tags` lists them. A tag is a stable code; the label is
what a person reads. Some tags are categories a board counts separately rather than subjects
(self-assessment, performance improvement, teaching, professional enrichment): the rules need them
on the same lines, so they live in the same table.
"""

from __future__ import annotations

from typing import Any

TOPIC_TAGS: dict[str, str] = {
    "pain_management": "Pain management",
    "opioid_prescribing": "Opioid prescribing",
    "substance_use_disorders": "Opioid and other substance use disorders",
    "end_of_life_care": "End-of-life care (care of the terminally ill)",
    "implicit_bias": "Implicit bias",
    "cultural_competency": "Cultural and linguistic competency",
    "patient_safety": "Patient safety",
    "ethics": "Ethics",
    "practice_management": "Practice management",
    "self_assessment": "Self-assessment",
    "performance_improvement": "Performance improvement",
    "teaching": "Teaching health professions",
    "professional_enrichment": "Professional enrichment",
    "advanced_training": "Advanced training",
    "board_certification": "Board certification examination",
    "scholarly_activity": "Scholarly activity (research, publication, presentation)",
}


def is_known_tag(tag: str) -> bool:
    return tag in TOPIC_TAGS


def topic_tags_view() -> dict[str, Any]:
    """`GET /topic-tags`: every tag with its label, in the table's order."""
    return {"items": [{"tag": tag, "label": label} for tag, label in TOPIC_TAGS.items()]}
