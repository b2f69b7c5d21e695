"""Reads for matching: the facts volunteers.matching needs, loaded in a fixed number of queries,
ranked recommendations for one volunteer, and the review page's figures for a proposal."""

import dataclasses
import datetime
from collections import defaultdict

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from charity.regions import region_name

from . import matching
from .models import (
    PLACE_HOLDING_STATUSES,
    CertificateKind,
    ReliefTask,
    Shift,
    ShiftSignup,
    SignupStatus,
    Skill,
    SurgeDeclaration,
    Urgency,
    VolunteerCertificate,
    VolunteerProfile,
)
from .services import PLATFORM_ZONE

RECOMMENDATION_DAYS = 60
RECOMMENDATION_SHIFTS = 400  # the soonest open shifts in the volunteer's province considered

# Recommendation score, out of 100 (documented on the opportunities page's help text):
SCORE_URGENCY = {Urgency.NORMAL: 0, Urgency.HIGH: 15, Urgency.CRITICAL: 30}
SCORE_SURGE = 10  # on top of critical, inside a declared emergency
SCORE_DISTANCE = (25, 15, 5, 0)  # same district, city, province, further
SCORE_SHORT_STAFFED = 20  # × the share of places still free
SCORE_SKILL_USE = 10  # the task needs a skill or certificate the volunteer has
SCORE_AVAILABLE = 5  # inside the volunteer's declared weekly availability


def surges_covering(organization_ids, starts_at, ends_at) -> list[SurgeDeclaration]:
    return list(
        SurgeDeclaration.objects.filter(
            organization_id__in=organization_ids, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
    )


def _in_surge(surges, organization_id, district, starts_at, ends_at) -> bool:
    return any(
        surge.organization_id == organization_id
        and district.startswith(matching.region_prefix(surge.region))
        and surge.starts_at < ends_at
        and starts_at < surge.ends_at
        for surge in surges
    )


def _shift_facts(rows, skills_by_task, surges) -> list[matching.ShiftFacts]:
    return [
        matching.ShiftFacts(
            id=row["id"],
            time=matching.shift_time(row["starts_at"], row["ends_at"], PLATFORM_ZONE),
            free=row["capacity"] - row["places_taken"],
            urgency=row["task__urgency"],
            district=row["task__district"],
            required_skills=frozenset(skills_by_task.get(row["task_id"], ())),
            required_certificates=tuple(row["task__required_certificates"]),
            surge=row["task__urgency"] == Urgency.CRITICAL
            and _in_surge(
                surges,
                row["task__organization_id"],
                row["task__district"],
                row["starts_at"],
                row["ends_at"],
            ),
        )
        for row in rows
    ]


SHIFT_FIELDS = (
    "id",
    "starts_at",
    "ends_at",
    "capacity",
    "places_taken",
    "task_id",
    "task__urgency",
    "task__district",
    "task__required_certificates",
    "task__organization_id",
)


def _task_skills(task_ids) -> dict[int, list[int]]:
    skills = defaultdict(list)
    through = ReliefTask.required_skills.through.objects.filter(relieftask_id__in=task_ids)
    for task_id, skill_id in through.values_list("relieftask_id", "skill_id"):
        skills[task_id].append(skill_id)
    return skills


def _volunteer_facts(profiles_qs, *, opted_in=None, commitments_from, commitments_to):
    """VolunteerFacts for the profiles of `profiles_qs` (a queryset), in four queries."""
    rows = list(
        profiles_qs.values(
            "id", "district", "availability", "max_hours_per_week", "open_to_placement"
        )
    )
    skills = defaultdict(set)
    through = VolunteerProfile.skills.through.objects.filter(volunteerprofile__in=profiles_qs)
    for profile_id, skill_id in through.values_list("volunteerprofile_id", "skill_id"):
        skills[profile_id].add(skill_id)
    certificates = defaultdict(dict)
    for profile_id, kind, expires_on in VolunteerCertificate.objects.filter(
        profile__in=profiles_qs
    ).values_list("profile_id", "kind", "expires_on"):
        expiry = matching.NEVER_EXPIRES if expires_on is None else expires_on.toordinal()
        certificates[profile_id][kind] = max(certificates[profile_id].get(kind, -1), expiry)
    commitments = defaultdict(list)
    held = ShiftSignup.objects.filter(
        volunteer__in=profiles_qs,
        status__in=PLACE_HOLDING_STATUSES,
        shift__cancelled_at__isnull=True,
        shift__ends_at__gt=commitments_from,
        shift__starts_at__lt=commitments_to,
    ).values_list("volunteer_id", "shift_id", "shift__starts_at", "shift__ends_at")
    held_pairs = []
    for profile_id, shift_id, starts_at, ends_at in held:
        time = matching.shift_time(starts_at, ends_at, PLATFORM_ZONE)
        commitments[profile_id].append((time.start, time.end, time.week))
        held_pairs.append((profile_id, shift_id))
    facts = [
        matching.VolunteerFacts(
            id=row["id"],
            district=row["district"],
            skills=frozenset(skills[row["id"]]),
            certificates=certificates[row["id"]],
            availability=tuple(matching.merge_periods(row["availability"])),
            max_minutes=row["max_hours_per_week"] * 60,
            opted_in=row["open_to_placement"] if opted_in is None else opted_in,
            commitments=tuple(commitments[row["id"]]),
        )
        for row in rows
    ]
    return facts, held_pairs


def _week_span(starts_at, ends_at):
    """From the Monday before `starts_at` to the Monday after `ends_at`: weekly hours count
    places held anywhere in those weeks."""
    return starts_at - datetime.timedelta(days=7), ends_at + datetime.timedelta(days=7)


@dataclasses.dataclass
class LoadedProblem:
    problem: matching.Problem
    shifts: dict  # shift id → row (SHIFT_FIELDS)
    confirmed: dict  # shift id → confirmed sign-ups now


def matching_problem(*, organization, starts_at, ends_at, now=None) -> LoadedProblem:
    """The organization's shifts starting in [starts_at, ends_at) that have not started, and the
    pool: volunteers with an applied or waitlisted sign-up on them, and volunteers open to being
    placed. Eight queries whatever the size."""
    now = now or timezone.now()
    shifts_qs = Shift.objects.filter(
        task__organization=organization,
        starts_at__gte=max(starts_at, now),
        starts_at__lt=ends_at,
        cancelled_at__isnull=True,
    ).order_by("starts_at", "pk")
    rows = list(
        shifts_qs.annotate(
            confirmed=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED))
        ).values(*SHIFT_FIELDS, "confirmed")
    )
    task_ids = {row["task_id"] for row in rows}
    surges = surges_covering([organization.pk], starts_at, ends_at)
    shift_facts = _shift_facts(rows, _task_skills(task_ids), surges)
    signups = ShiftSignup.objects.filter(
        shift__in=shifts_qs, status__in=[SignupStatus.APPLIED, SignupStatus.WAITLISTED]
    )
    requests = [
        matching.Request(volunteer=volunteer_id, shift=shift_id, order=pk)
        for pk, volunteer_id, shift_id in signups.filter(
            status=SignupStatus.WAITLISTED
        ).values_list("pk", "volunteer_id", "shift_id")
    ]
    # Those open to placement only near a shift: nobody further could be proposed anyway.
    length = (6, 4, 2, 0)[matching.MAX_PLACEMENT_LEVEL]
    near = Q()
    for prefix in {row["task__district"][:length] for row in rows}:
        near |= Q(district__startswith=prefix)
    pool = VolunteerProfile.objects.filter(
        (Q(open_to_placement=True) & near) | Q(pk__in=signups.values("volunteer_id"))
    )
    span_from, span_to = _week_span(starts_at, ends_at)
    volunteers, held = _volunteer_facts(pool, commitments_from=span_from, commitments_to=span_to)
    problem = matching.Problem(volunteers, shift_facts, requests, held)
    return LoadedProblem(
        problem=problem,
        shifts={row["id"]: row for row in rows},
        confirmed={row["id"]: row["confirmed"] for row in rows},
    )


# --- Reasons ------------------------------------------------------------------------------------


def distance_text(level: int, district: str) -> str:
    if level == 0:
        return _("in your district (%(name)s)") % {"name": region_name(district)}
    if level == 1:
        return _("in your city (%(name)s)") % {"name": region_name(district)}
    if level == 2:
        return _("in your province (%(name)s)") % {"name": region_name(district)}
    return _("outside your province (%(name)s)") % {"name": region_name(district)}


def needs_text(skill_names, certificate_kinds) -> str:
    needs = [*skill_names, *(str(CertificateKind(kind).label) for kind in certificate_kinds)]
    if not needs:
        return ""
    return _("needs %(what)s") % {"what": ", ".join(needs)}


def places_text(filled: int, capacity: int) -> str:
    return ngettext(
        "%(filled)d of %(capacity)d place filled",
        "%(filled)d of %(capacity)d places filled",
        capacity,
    ) % {"filled": filled, "capacity": capacity}


def _join(parts) -> str:
    return _("; ").join(part for part in parts if part)


# --- Recommendations ----------------------------------------------------------------------------


@dataclasses.dataclass
class Recommendation:
    shift: Shift
    score: int
    reason: str
    surge: bool


def shift_recommendations(profile: VolunteerProfile, *, limit: int = 5, now=None):
    """The open shifts that suit `profile` best, highest score first (see the SCORE_* weights),
    each with a one-line reason. Only shifts the volunteer may sign up for now: skills and
    certificates held, no overlap, hours left, inside declared availability (when declared),
    in their province, not already signed up. Eight queries."""
    now = now or timezone.now()
    until = now + datetime.timedelta(days=RECOMMENDATION_DAYS)
    mine = ShiftSignup.objects.filter(volunteer=profile).exclude(status=SignupStatus.CANCELLED)
    shifts = list(
        Shift.objects.filter(
            starts_at__gt=now,
            starts_at__lt=until,
            cancelled_at__isnull=True,
            task__organization__verified_at__isnull=False,
            task__district__startswith=profile.district[:2],
        )
        .exclude(pk__in=mine.values("shift_id"))
        .select_related("task__organization")
        .prefetch_related(Prefetch("task__required_skills", queryset=Skill.objects.all()))
        .order_by("starts_at", "pk")[:RECOMMENDATION_SHIFTS]
    )
    shifts = [
        shift
        for shift in shifts
        if shift.places_taken < shift.capacity
        and (shift.signup_opens_at is None or shift.signup_opens_at <= now)
    ]
    if not shifts:
        return []
    surges = surges_covering({shift.task.organization_id for shift in shifts}, now, until)
    rows = [
        {
            "id": shift.pk,
            "starts_at": shift.starts_at,
            "ends_at": shift.ends_at,
            "capacity": shift.capacity,
            "places_taken": shift.places_taken,
            "task_id": shift.task_id,
            "task__urgency": shift.task.urgency,
            "task__district": shift.task.district,
            "task__required_certificates": shift.task.required_certificates,
            "task__organization_id": shift.task.organization_id,
        }
        for shift in shifts
    ]
    skills_by_task = {
        shift.task_id: [skill.pk for skill in shift.task.required_skills.all()] for shift in shifts
    }
    shift_facts = _shift_facts(rows, skills_by_task, surges)
    span_from, span_to = _week_span(now, until)
    volunteers, held = _volunteer_facts(
        VolunteerProfile.objects.filter(pk=profile.pk),
        opted_in=True,
        commitments_from=span_from,
        commitments_to=span_to,
    )
    problem = matching.Problem(volunteers, shift_facts, held=held)
    candidates = problem.candidates(
        max_level=3, availability_required=bool(volunteers[0].availability)
    )
    own_skills = volunteers[0].skills
    own_kinds = set(volunteers[0].certificates)
    found = []
    for s, level in zip(candidates.shift.tolist(), candidates.level.tolist(), strict=True):
        shift, facts = shifts[s], shift_facts[s]
        filled = shift.places_taken
        uses_skill = bool(facts.required_skills & own_skills) or bool(
            set(facts.required_certificates) & own_kinds
        )
        score = (
            SCORE_URGENCY[facts.urgency]
            + (SCORE_SURGE if facts.surge else 0)
            + SCORE_DISTANCE[level]
            + round(SCORE_SHORT_STAFFED * (shift.capacity - filled) / shift.capacity)
            + (SCORE_SKILL_USE if uses_skill else 0)
            + (SCORE_AVAILABLE if volunteers[0].availability else 0)
        )
        reason = _join(
            [
                _("emergency declared") if facts.surge else "",
                str(Urgency(facts.urgency).label).lower()
                if facts.urgency != Urgency.NORMAL
                else "",
                needs_text(
                    [skill.name for skill in shift.task.required_skills.all()],
                    facts.required_certificates,
                ),
                distance_text(level, facts.district),
                places_text(filled, shift.capacity),
            ]
        )
        found.append(Recommendation(shift=shift, score=score, reason=reason, surge=facts.surge))
    found.sort(key=lambda r: (-r.score, r.shift.starts_at, r.shift.pk))
    return found[:limit]


# --- Proposals ----------------------------------------------------------------------------------


def placement_reason(*, asked: bool, level: int, qualifications) -> str:
    """Why the solver put this volunteer here, as the coordinator reads it."""
    return _join(
        [
            _("asked for this shift") if asked else _("open to being placed"),
            {
                0: _("lives in the district"),
                1: _("lives in the city"),
                2: _("lives in the province"),
                3: _("lives further away"),
            }[level],
            _("has %(what)s") % {"what": ", ".join(qualifications)} if qualifications else "",
        ]
    )[:300]


@dataclasses.dataclass
class ShiftReview:
    shift: Shift
    confirmed: int
    proposed: list  # active ProposedPlacements
    removed: list
    free_before: int

    @property
    def filled_after(self) -> int:
        """Places held now plus the lines not yet turned into sign-ups."""
        return self.shift.places_taken + sum(1 for p in self.proposed if not p.outcome)

    @property
    def short(self) -> int:
        return max(0, self.shift.capacity - self.filled_after)

    @property
    def is_critical(self) -> bool:
        return self.shift.task.urgency == Urgency.CRITICAL


def proposal_review(proposal) -> list[ShiftReview]:
    """Per shift of the proposal's window: places, confirmed now, proposed and removed lines.
    Three queries."""
    shifts = list(
        Shift.objects.filter(
            task__organization=proposal.organization,
            starts_at__gte=proposal.window_start,
            starts_at__lt=proposal.window_end,
            cancelled_at__isnull=True,
        )
        .select_related("task")
        .annotate(confirmed=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)))
        .order_by("starts_at", "pk")
    )
    lines = defaultdict(list)
    for placement in proposal.placements.select_related("volunteer__user").order_by("pk"):
        lines[placement.shift_id].append(placement)
    reviews = []
    for shift in shifts:
        placements = lines.get(shift.pk, [])
        reviews.append(
            ShiftReview(
                shift=shift,
                confirmed=shift.confirmed,
                proposed=[p for p in placements if not p.removed],
                removed=[p for p in placements if p.removed],
                free_before=shift.capacity - shift.places_taken,
            )
        )
    return reviews


def proposal_summary_lines(proposal) -> list[tuple[str, str]]:
    """The figures shown on the review page and printed by `propose_assignment`."""
    summary = proposal.summary or {}
    lines = [
        (
            _("Window"),
            f"{timezone.localtime(proposal.window_start):%Y-%m-%d %H:%M} – "
            f"{timezone.localtime(proposal.window_end):%Y-%m-%d %H:%M}",
        ),
        (_("Solver"), str(proposal.get_solver_status_display())),
    ]
    if not proposal.is_solved:
        if proposal.error:
            lines.append((_("Error"), proposal.error))
        return lines
    lines += [
        (_("Optimality gap"), f"{(proposal.gap or 0) * 100:.2f}%"),
        (_("Solve time"), _("%(seconds).2f s") % {"seconds": proposal.solve_seconds or 0}),
        (_("Shifts"), str(summary.get("shifts", 0))),
        (_("Open places"), str(summary.get("open_places", 0))),
        (_("Volunteers in the pool"), str(summary.get("pool", 0))),
        (_("Eligible pairs"), str(summary.get("pairs", 0))),
        (_("Places filled by the proposal"), str(summary.get("filled", 0))),
        (_("Critical places filled by the proposal"), str(summary.get("critical_filled", 0))),
        (_("Critical places open before"), str(summary.get("critical_open", 0))),
        (_("First come, first served would fill"), str(summary.get("fcfs_filled", 0))),
        (
            _("First come, first served: critical places"),
            str(summary.get("fcfs_critical_filled", 0)),
        ),
        (_("Critical shifts still short"), str(summary.get("critical_short", 0))),
    ]
    return lines


def proposals_for(organization, *, limit: int = 20):
    return list(
        organization.assignment_proposals.select_related("created_by").order_by("-created_at")[
            :limit
        ]
    )
