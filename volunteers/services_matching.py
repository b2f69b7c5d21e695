"""Writes for matching: proposals (request, solve, edit, confirm, discard) and emergencies.

Nothing here assigns anybody by itself: a proposal's placements become sign-ups only when a
coordinator confirms it, each through `services.shift_signup_place` (the sign-up rules and locks).
"""

import datetime
import time
from functools import partial

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from charity.emails import email_send
from charity.models import Organization, User
from charity.permissions import require
from charity.regions import validate_region_code

from . import matching
from .exceptions import VolunteerError
from .models import (
    AssignmentProposal,
    CertificateKind,
    PlacementOutcome,
    ProposalStatus,
    ProposedPlacement,
    ReliefTask,
    Shift,
    ShiftSignup,
    SignupStatus,
    Skill,
    SolverStatus,
    SurgeDeclaration,
    Urgency,
    VolunteerProfile,
)
from .selectors_matching import matching_problem, placement_reason
from .services import PLATFORM_ZONE, _check_eligible, shift_signup_place, signup_email_send

MAX_WINDOW_DAYS = 31
MAX_SURGE_DAYS = 31


def _check_window(starts_at, ends_at, max_days: int) -> None:
    if ends_at <= starts_at:
        raise VolunteerError({"window_end": _("The end must be after the start.")}, code="window")
    if ends_at - starts_at > datetime.timedelta(days=max_days):
        raise VolunteerError(
            {"window_end": _("Choose a period of at most %(days)d days.") % {"days": max_days}},
            code="window",
        )


def assignment_proposal_request(
    *, actor: User, organization: Organization, starts_at, ends_at
) -> AssignmentProposal:
    """A coordinator asks for a proposal for the shifts starting in the window; it is solved in
    the background (`tasks.assignment_proposal_solve`) and stays a draft until confirmed."""
    require(actor, "shift.manage", organization)
    _check_window(starts_at, ends_at, MAX_WINDOW_DAYS)
    proposal = AssignmentProposal.objects.create(
        organization=organization, window_start=starts_at, window_end=ends_at, created_by=actor
    )
    from .tasks import assignment_proposal_solve as task

    transaction.on_commit(partial(task.delay, proposal.pk))
    return proposal


def assignment_proposal_solve(
    *, proposal_id: int, time_limit: float = matching.DEFAULT_TIME_LIMIT
) -> AssignmentProposal:
    """Load the window's shifts and pool, solve, and store the placements and figures. Run by
    the task queue (or the command line); a proposal already solved is left as it is."""
    proposal = AssignmentProposal.objects.select_related("organization").get(pk=proposal_id)
    if proposal.solver_status != SolverStatus.PENDING:
        return proposal
    begun = time.perf_counter()
    loaded = matching_problem(
        organization=proposal.organization,
        starts_at=proposal.window_start,
        ends_at=proposal.window_end,
    )
    problem = loaded.problem
    candidates = problem.candidates()
    fcfs = matching.first_come_first_served(problem, candidates)
    candidates, solution = matching.solve(problem, candidates, time_limit=time_limit)
    if solution.status == "unknown":
        proposal.solver_status = SolverStatus.FAILED
        proposal.error = _("The solver found no assignment within %(seconds)d seconds.") % {
            "seconds": time_limit
        }
        proposal.save(update_fields=["solver_status", "error"])
        return proposal
    placements = _placements(proposal, problem, candidates, solution.chosen)
    best = matching.figures(problem, candidates, solution.chosen)
    first_come = matching.figures(problem, candidates, fcfs)
    critical_open = int(problem.s_free[problem.s_critical].clip(min=0).sum())
    filled_on = np.bincount(candidates.shift[solution.chosen], minlength=len(problem.shifts))
    critical_short = int(((problem.s_free - filled_on > 0) & problem.s_critical).sum())
    with transaction.atomic():
        ProposedPlacement.objects.bulk_create(placements, batch_size=2000)
        proposal.solver_status = (
            SolverStatus.OPTIMAL if solution.status == "optimal" else SolverStatus.FEASIBLE
        )
        proposal.objective = solution.objective
        proposal.bound = solution.bound
        proposal.gap = solution.gap
        proposal.solve_seconds = round(solution.seconds, 3)
        proposal.summary = {
            "shifts": len(problem.shifts),
            "open_places": int(problem.s_free.clip(min=0).sum()),
            "pool": len(problem.volunteers),
            "pairs": len(candidates),
            "filled": best.filled,
            "weighted": best.weighted,
            "critical_filled": best.critical,
            "critical_open": critical_open,
            "critical_short": critical_short,
            "cost": best.cost,
            "fcfs_filled": first_come.filled,
            "fcfs_weighted": first_come.weighted,
            "fcfs_critical_filled": first_come.critical,
            "model_seconds": round(solution.build_seconds, 3),
            "total_seconds": round(time.perf_counter() - begun, 3),
        }
        proposal.save(
            update_fields=[
                "solver_status",
                "objective",
                "bound",
                "gap",
                "solve_seconds",
                "summary",
            ]
        )
    return proposal


def _placements(proposal, problem, candidates, chosen) -> list[ProposedPlacement]:
    skill_names = {skill.pk: skill.name for skill in Skill.objects.all()}
    placements = []
    for i in chosen.tolist():
        v, s = int(candidates.volunteer[i]), int(candidates.shift[i])
        shift = problem.shifts[s]
        qualifications = [skill_names[k] for k in sorted(shift.required_skills)] + [
            str(CertificateKind(kind).label) for kind in shift.required_certificates
        ]
        placements.append(
            ProposedPlacement(
                proposal=proposal,
                shift_id=shift.id,
                volunteer_id=problem.volunteers[v].id,
                asked=bool(candidates.asked[i]),
                cost=int(candidates.cost[i]),
                reason=placement_reason(
                    asked=bool(candidates.asked[i]),
                    level=int(candidates.level[i]),
                    qualifications=qualifications,
                ),
            )
        )
    return placements


def _draft(proposal: AssignmentProposal, actor: User) -> AssignmentProposal:
    """Lock the proposal; only a solved draft may change."""
    require(actor, "shift.manage", proposal.organization)
    proposal = AssignmentProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.DRAFT or not proposal.is_solved:
        raise VolunteerError(
            _("Only a solved draft proposal can be changed."), code="proposal_not_draft"
        )
    return proposal


@transaction.atomic
def proposed_placement_remove(*, actor: User, placement: ProposedPlacement) -> ProposedPlacement:
    """The coordinator takes a line out of a draft (kept, marked removed, so it can be seen)."""
    _draft(placement.proposal, actor)
    placement.removed = True
    placement.save(update_fields=["removed"])
    return placement


@transaction.atomic
def proposed_placement_add(
    *, actor: User, proposal: AssignmentProposal, shift: Shift, volunteer: VolunteerProfile
) -> ProposedPlacement:
    """The coordinator adds a volunteer to a shift of a draft. The sign-up rules are checked now
    (and again on confirmation), as are availability, the shift's places and the volunteer's
    other lines in this proposal (overlaps, weekly hours)."""
    proposal = _draft(proposal, actor)
    if (
        shift.task.organization_id != proposal.organization_id
        or not proposal.window_start <= shift.starts_at < proposal.window_end
    ):
        raise VolunteerError(_("This shift is not part of the proposal."), code="not_in_proposal")
    lines = ProposedPlacement.objects.filter(proposal=proposal, removed=False)
    if lines.filter(shift=shift, volunteer=volunteer).exists():
        raise VolunteerError(
            _("The volunteer is already proposed for this shift."), code="duplicate"
        )
    _check_eligible(shift, volunteer, now=timezone.now(), opening=False)
    asked = ShiftSignup.objects.filter(
        shift=shift, volunteer=volunteer, status=SignupStatus.WAITLISTED
    ).exists()
    if not asked and volunteer.availability:
        time_facts = matching.shift_time(shift.starts_at, shift.ends_at, PLATFORM_ZONE)
        periods = matching.merge_periods(volunteer.availability)
        if not all(
            any(w == day and a <= begin and b >= end for w, a, b in periods)
            for day, begin, end in time_facts.segments
        ):
            raise VolunteerError(
                _("This shift is outside the volunteer's weekly availability."),
                code="unavailable",
            )
    if shift.places_taken + lines.filter(shift=shift).count() >= shift.capacity:
        raise VolunteerError(_("This shift has no place left in the proposal."), code="full")
    others = lines.filter(volunteer=volunteer).select_related("shift")
    if any(o.shift.starts_at < shift.ends_at and shift.starts_at < o.shift.ends_at for o in others):
        raise VolunteerError(
            _("The volunteer is proposed for another shift at this time."), code="overlap"
        )
    placement, _created = ProposedPlacement.objects.update_or_create(
        proposal=proposal,
        shift=shift,
        volunteer=volunteer,
        defaults={
            "removed": False,
            "added_by_coordinator": True,
            "asked": asked,
            "reason": _("added by the coordinator"),
        },
    )
    return placement


def assignment_proposal_confirm(*, actor: User, proposal: AssignmentProposal) -> dict:
    """Turn every line of a draft into a confirmed sign-up, one transaction per line through
    `shift_signup_place`. A line that no longer passes the rules is recorded as refused with the
    reason, never forced. Each confirmed volunteer is emailed. Returns counts by outcome."""
    with transaction.atomic():
        proposal = _draft(proposal, actor)
        proposal.status = ProposalStatus.CONFIRMED
        proposal.confirmed_by = actor
        proposal.status_changed_at = timezone.now()
        proposal.save(update_fields=["status", "confirmed_by", "status_changed_at"])
    counts = {PlacementOutcome.CONFIRMED: 0, PlacementOutcome.REFUSED: 0}
    lines = proposal.placements.filter(removed=False).select_related("shift__task__organization")
    for placement in lines.order_by("shift_id", "pk"):
        try:
            signup = shift_signup_place(
                actor=actor, shift=placement.shift, volunteer=placement.volunteer
            )
        except VolunteerError as error:
            placement.outcome = PlacementOutcome.REFUSED
            placement.outcome_note = " ".join(error.messages)[:300]
        else:
            placement.outcome = PlacementOutcome.CONFIRMED
            placement.outcome_note = ""
            from .tasks import placement_notify

            transaction.on_commit(partial(placement_notify.delay, signup.pk))
        placement.save(update_fields=["outcome", "outcome_note"])
        counts[placement.outcome] += 1
    return {
        "confirmed": counts[PlacementOutcome.CONFIRMED],
        "refused": counts[PlacementOutcome.REFUSED],
    }


@transaction.atomic
def assignment_proposal_discard(*, actor: User, proposal: AssignmentProposal) -> None:
    require(actor, "shift.manage", proposal.organization)
    proposal = AssignmentProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.DRAFT:
        raise VolunteerError(_("Only a draft can be discarded."), code="proposal_not_draft")
    proposal.status = ProposalStatus.DISCARDED
    proposal.status_changed_at = timezone.now()
    proposal.save(update_fields=["status", "status_changed_at"])


def placement_notify(*, signup_id: int) -> bool:
    """Email a volunteer that a coordinator placed them on a shift, in their language (unless the
    place is gone again by the time this runs)."""
    return signup_email_send(
        signup_id=signup_id,
        template="volunteers/email/placement",
        only_if_status=SignupStatus.CONFIRMED,
    )


# --- Emergencies ----------------------------------------------------------------------------------


def surge_declare(
    *,
    actor: User,
    organization: Organization,
    region: str,
    starts_at,
    ends_at,
    note: str = "",
) -> SurgeDeclaration:
    """An organization declares an emergency in a region for a period: its critical tasks there
    count double in proposals and recommendations, and opted-in volunteers living there are
    alerted at once (`tasks.surge_alert`)."""
    require(actor, "shift.manage", organization)
    try:
        validate_region_code(region)
    except ValidationError as error:
        raise VolunteerError({"region": error.messages}, code="unknown_region") from None
    _check_window(starts_at, ends_at, MAX_SURGE_DAYS)
    declaration = SurgeDeclaration(
        organization=organization,
        region=region,
        starts_at=starts_at,
        ends_at=ends_at,
        declared_by=actor,
        note=note.strip(),
    )
    declaration.full_clean()
    with transaction.atomic():
        declaration.save()
        from .tasks import surge_alert

        transaction.on_commit(partial(surge_alert.delay, declaration.pk))
    return declaration


def surge_alert_send(*, declaration_id: int) -> int:
    """Email every volunteer open to placement who lives in the declared region; returns how
    many were emailed. Sends once: a declaration already alerted is skipped."""
    declaration = SurgeDeclaration.objects.select_related("organization").get(pk=declaration_id)
    if declaration.notified_count:
        return 0
    prefix = matching.region_prefix(declaration.region)
    critical_tasks = list(
        ReliefTask.objects.filter(
            organization=declaration.organization,
            urgency=Urgency.CRITICAL,
            district__startswith=prefix,
        ).values_list("title", flat=True)[:5]
    )
    sent = 0
    volunteers = VolunteerProfile.objects.filter(
        open_to_placement=True, district__startswith=prefix, user__is_active=True
    ).select_related("user")
    for profile in volunteers.iterator():
        user = profile.user
        if not user.email:
            continue
        email_send(
            template="volunteers/email/surge_alert",
            context={
                "declaration": declaration,
                "organization": declaration.organization,
                "volunteer": user,
                "tasks": critical_tasks,
            },
            to=user.email,
            language=user.preferred_language or settings.LANGUAGE_CODE,
        )
        sent += 1
    SurgeDeclaration.objects.filter(pk=declaration.pk).update(notified_count=sent)
    return sent
