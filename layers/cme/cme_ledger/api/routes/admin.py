"""Routes of the admin function (the `admin` group is checked before routing, in api.resolver.resolve)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from cme_ledger.api.answers.admin import AbpReport, ExpirySweep, RecordedCredits, ReminderRun
from cme_ledger.api.answers.catalogue import Course
from cme_ledger.api.answers.credentials import Revocation
from cme_ledger.api.answers.profile import Membership
from cme_ledger.api.resolver import ok
from cme_ledger.api.routing import ApiRouter, PercentDecoded, answer, refusals
from cme_ledger.api.schemas import CoursePut, CreditBatch, MembershipPut, RevokeRequest
from cme_ledger.domain.credits import NewCredit
from cme_ledger.services import catalog, credits, profiles, status_lists

router = ApiRouter()
# With a body: malformed JSON (400) and invalid fields (422); without one, only the authorizer refuses.
WITH_BODY = refusals(400, 401, 403, 422)
WITHOUT_BODY = refusals(401, 403)

CourseId = Annotated[str, PercentDecoded, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
UserId = Annotated[str, PercentDecoded, Path(min_length=1, max_length=128)]
Code = Annotated[str, PercentDecoded, Path(description="The certificate code (case and hyphens ignored)")]


@router.put(
    "/admin/courses/<course_id>",
    summary="Create or replace a course",
    tags=["admin"],
    responses={**answer(200, Course, "The course"), **WITH_BODY},
)
def put_course(course_id: CourseId, body: Annotated[CoursePut, Body()]):
    return ok(
        Course,
        catalog.put_course(
            course_id,
            body.title,
            body.provider,
            body.credit_types,
            body.claim_window_years,
            body.pars_activity_id,
            body.topics,
            body.live,
        ),
    )


@router.post(
    "/admin/credits",
    summary="Record earned credit (idempotent per user_id and source_id)",
    tags=["admin"],
    responses={**answer(201, RecordedCredits, "One answer per item, in order"), **WITH_BODY},
)
def record_credits(body: Annotated[CreditBatch, Body()]):
    items = [
        NewCredit(i.user_id, i.course_id, i.topic, i.amount, i.source_id, i.earned_at) for i in body.items
    ]
    return ok(RecordedCredits, {"items": credits.record_credits(items)}, 201)


@router.put(
    "/admin/members/<user_id>/membership",
    summary="Set a learner's premium membership",
    tags=["admin"],
    responses={**answer(200, Membership, "The learner's membership"), **WITH_BODY},
)
def put_membership(user_id: UserId, body: Annotated[MembershipPut, Body()]):
    return ok(Membership, profiles.set_membership(user_id, body.premium_until))


@router.post(
    "/admin/sweeps/expiry",
    summary="Run the expiry sweep now (the same code as the daily schedule)",
    tags=["admin"],
    responses={**answer(200, ExpirySweep, "What the sweep did"), **WITHOUT_BODY},
)
def run_expiry_sweep():
    from cme_ledger import jobs

    return ok(ExpirySweep, jobs.expiry_sweep())


@router.post(
    "/admin/reports/abp",
    summary="Write the ABP MOC Part 2 batch file now (the same code as the daily schedule)",
    tags=["admin"],
    responses={**answer(200, AbpReport, "The batch written"), **WITHOUT_BODY},
)
def run_abp_report():
    from cme_ledger import jobs

    return ok(AbpReport, jobs.abp_report())


@router.post(
    "/admin/reminders/run",
    summary="Send the reminders now (the same code as the daily schedule)",
    tags=["admin"],
    responses={**answer(200, ReminderRun, "What the run sent, and what it read"), **WITHOUT_BODY},
)
def run_reminders():
    from cme_ledger import jobs

    return ok(ReminderRun, jobs.reminders())


@router.post(
    "/admin/certificates/<code>/revoke",
    summary="Revoke a certificate (idempotent: again, the first answer)",
    tags=["admin"],
    responses={**answer(200, Revocation, "The revocation"), **refusals(400, 401, 403, 404, 422)},
)
def revoke_certificate(code: Code, body: Annotated[RevokeRequest, Body()]):
    return ok(Revocation, status_lists.revoke(code, body.reason))
