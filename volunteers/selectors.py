"""Reads of volunteers' data, each with a known number of queries."""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from charity.models import Organization
from charity.permissions import can
from charity.regions import region_full_name
from config.prepared import PreparedQuery, over_all_rows

from .models import (
    ACTIVE_STATUSES,
    CertificateKind,
    ServiceCertificate,
    Shift,
    ShiftSignup,
    SignupStatus,
    Skill,
    VolunteerProfile,
)


def volunteer_contact_visible_to(user, profile: VolunteerProfile) -> bool:
    """Whether `user` may see the volunteer's phone and emergency contact: the volunteer
    themself, or a coordinator of a shift (not cancelled) the volunteer is confirmed for.
    At most two queries (plus the permission cache)."""
    if user is None or not user.is_authenticated:
        return False
    if profile.user_id == user.pk:
        return True
    confirmed = ShiftSignup.objects.filter(
        volunteer=profile, status=SignupStatus.CONFIRMED, shift__cancelled_at__isnull=True
    ).select_related("shift__task__organization")
    for signup in confirmed:
        shift = signup.shift
        if shift.coordinator_id == user.pk or can(
            user, "volunteer.view_contact", shift.task.organization
        ):
            return True
    return False


def volunteer_contacts_visible_to(user, profiles) -> set[int]:
    """The ids of those `profiles` whose contact details `user` may see: the rule of
    volunteer_contact_visible_to, for a whole roster in at most four queries."""
    if user is None or not user.is_authenticated:
        return set()
    profiles = list(profiles)
    visible = {profile.pk for profile in profiles if profile.user_id == user.pk}
    rows = (
        ShiftSignup.objects.filter(
            volunteer__in=[profile.pk for profile in profiles if profile.pk not in visible],
            status=SignupStatus.CONFIRMED,
            shift__cancelled_at__isnull=True,
        )
        .values_list("volunteer_id", "shift__coordinator_id", "shift__task__organization_id")
        .distinct()
    )
    rows = list(rows)
    organizations = Organization.objects.in_bulk({row[2] for row in rows})
    allowed = {
        pk
        for pk, organization in organizations.items()
        if can(user, "volunteer.view_contact", organization)
    }
    visible.update(
        volunteer_id
        for volunteer_id, coordinator_id, organization_id in rows
        if coordinator_id == user.pk or organization_id in allowed
    )
    return visible


def shift_waitlist(shift) -> list[ShiftSignup]:
    """The shift's waitlist in the order it is served. One query."""
    return list(
        ShiftSignup.objects.filter(shift=shift, status=SignupStatus.WAITLISTED)
        .select_related("volunteer__user")
        .order_by("pk")
    )


# --- Service record -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationHours:
    organization: Organization
    minutes: int

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass(frozen=True)
class ServiceRecord:
    """A volunteer's approved service: totals by organization, each shift, and certificates."""

    by_organization: list[OrganizationHours]
    entries: list[ShiftSignup]
    certificates: list[ServiceCertificate]

    @property
    def total_minutes(self) -> int:
        return sum(row.minutes for row in self.by_organization)


def _approved(signups):
    return signups.filter(status=SignupStatus.COMPLETED, approved_minutes__isnull=False)


def volunteer_service_record(profile: VolunteerProfile) -> ServiceRecord:
    """Approved hours of one volunteer, newest shift first. Two queries."""
    entries = list(
        _approved(ShiftSignup.objects.filter(volunteer=profile))
        .select_related("shift__task__organization")
        .order_by("-shift__starts_at", "-pk")
    )
    totals: dict[int, OrganizationHours] = {}
    for entry in entries:
        organization = entry.shift.task.organization
        previous = totals.get(organization.pk)
        totals[organization.pk] = OrganizationHours(
            organization, (previous.minutes if previous else 0) + entry.approved_minutes
        )
    certificates = list(
        ServiceCertificate.objects.filter(volunteer=profile).select_related("organization")
    )
    return ServiceRecord(
        by_organization=sorted(
            totals.values(), key=lambda row: (-row.minutes, row.organization.pk)
        ),
        entries=entries,
        certificates=certificates,
    )


def _approved_minutes(*, organization=None, start=None, end=None):
    signups = _approved(ShiftSignup.objects.all())
    if organization is not None:
        signups = signups.filter(shift__task__organization=organization)
    if start is not None:
        signups = signups.filter(shift__starts_at__gte=start)
    if end is not None:
        signups = signups.filter(shift__starts_at__lt=end)
    return over_all_rows(signups).annotate(total=Sum("approved_minutes")).values_list("total")


_APPROVED_MINUTES = PreparedQuery(ShiftSignup, _approved_minutes)


def approved_volunteer_minutes(
    organization: Organization | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
) -> int:
    """Minutes of approved service on shifts starting in [start, end), for one organization or
    the whole platform. One query."""
    given = {"organization": organization and organization.pk, "start": start, "end": end}
    # Only the bounds given: each combination is a shape of its own (see config.prepared).
    ((total,),) = _APPROVED_MINUTES.rows(**{k: v for k, v in given.items() if v is not None})
    return total or 0


def shift_roster(shift: Shift) -> list[ShiftSignup]:
    """The shift's sign-ups that belong on the roster (all but cancelled and waitlisted), in
    sign-up order. One query."""
    signups = list(
        ShiftSignup.objects.filter(shift=shift)
        .exclude(status__in=(SignupStatus.CANCELLED, SignupStatus.WAITLISTED))
        .select_related("volunteer__user")
        .order_by("pk")
    )
    for signup in signups:
        signup.shift = shift
    return signups


# --- Finding shifts -----------------------------------------------------------------------------

# Days, weekdays and certificate validity are reckoned on the platform's wall clock, as the
# sign-up rules reckon them (volunteers.services).
PLATFORM_ZONE = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
# "Shifts for me" turns weekly availability into concrete periods over this many days from the
# start of the date range; further shifts are not offered as fitting.
AVAILABILITY_HORIZON_DAYS = 56
# Each concrete period becomes one OR'd condition; SQLite parses a flat OR as a tree as deep as
# its terms, and refuses one deeper than 1000.
MAX_AVAILABILITY_WINDOWS = 400


@dataclass(frozen=True)
class OpportunityFilters:
    """What a visitor narrowed the opportunities to; every field optional."""

    district: str = ""  # a division code: a province or city code matches everything within it
    skill: str = ""  # a Skill code the task needs
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    urgency: str = ""
    organization: str = ""  # an organization's slug
    for_me: bool = False


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=PLATFORM_ZONE)


def upcoming_shifts(*, now: datetime.datetime | None = None):
    """Shifts not cancelled and not yet started, of verified organizations (no query yet)."""
    return Shift.objects.filter(
        cancelled_at__isnull=True,
        starts_at__gt=now or timezone.now(),
        task__organization__verified_at__isnull=False,
    )


def _district_prefix(code: str) -> str:
    """A province code (e.g. 510000) covers its cities and counties; a city code (e.g. 510100) its
    counties."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _merged_periods(availability) -> dict[int, list[tuple[int, int]]]:
    """Weekday → sorted, merged (start, end) minutes; touching periods join (09–12 + 12–17)."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for period in availability:
        start_h, start_m = map(int, period["start"].split(":"))
        end_h, end_m = map(int, period["end"].split(":"))
        by_day.setdefault(period["weekday"], []).append(
            (start_h * 60 + start_m, end_h * 60 + end_m)
        )
    merged = {}
    for weekday, periods in by_day.items():
        joined: list[tuple[int, int]] = []
        for start, end in sorted(periods):
            if joined and start <= joined[-1][1]:
                joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
            else:
                joined.append((start, end))
        merged[weekday] = joined
    return merged


def availability_windows(
    availability, *, first_day: datetime.date, days: int
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The volunteer's weekly availability as concrete aware periods on `days` days from
    `first_day`, in the platform's zone (so a period keeps its wall-clock times across DST)."""
    periods = _merged_periods(availability)
    windows = []
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        midnight = datetime.datetime.combine(day, datetime.time())  # naive wall clock
        for start, end in periods.get(day.weekday(), ()):
            # Wall-clock arithmetic, then the zone; 24:00 is the next midnight.
            windows.append(
                (
                    (midnight + datetime.timedelta(minutes=start)).replace(tzinfo=PLATFORM_ZONE),
                    (midnight + datetime.timedelta(minutes=end)).replace(tzinfo=PLATFORM_ZONE),
                )
            )
    return windows[:MAX_AVAILABILITY_WINDOWS]


def _fitting(shifts, profile: VolunteerProfile, *, first_day: datetime.date):
    """Narrow `shifts` to those `profile` fits: every required skill, every required certificate
    valid on the shift's last day, and (when the volunteer gave any) within a weekly period they
    are available in. One query (the certificates); the rest is conditions on `shifts`."""
    shifts = shifts.exclude(task__required_skills__in=Skill.objects.exclude(volunteers=profile))
    # kind → the last day the volunteer's best certificate of that kind is valid (None: never expires)
    held: dict[str, datetime.date | None] = {}
    for kind, expires_on in profile.certificates.values_list("kind", "expires_on"):
        if kind in held and held[kind] is None:
            continue
        held[kind] = None if expires_on is None else max(expires_on, held.get(kind) or expires_on)
    for kind in CertificateKind.values:
        # The list is stored as JSON text; kinds are quoted there and none contains another.
        requires = Q(task__required_certificates__icontains=f'"{kind}"')
        if kind not in held:
            shifts = shifts.exclude(requires)
        elif held[kind] is not None:
            expired_from = _local_midnight(held[kind] + datetime.timedelta(days=1))
            shifts = shifts.exclude(requires & Q(ends_at__gt=expired_from))
    if profile.availability:
        windows = availability_windows(
            profile.availability, first_day=first_day, days=AVAILABILITY_HORIZON_DAYS
        )
        within = Q(pk__in=[])
        for starts, ends in windows:
            within |= Q(starts_at__gte=starts, ends_at__lte=ends)
        shifts = shifts.filter(within)
    return shifts


def shift_opportunities(
    *,
    filters: OpportunityFilters,
    profile: VolunteerProfile | None = None,
    now: datetime.datetime | None = None,
):
    """Upcoming shifts narrowed by `filters`, soonest first, each with its task, organization
    and required skills, `waitlisted` (how many wait) and `my_status` (the status of `profile`'s
    active sign-up, or None). Lazy; a paginated page of it costs three queries (count, rows,
    required skills), whatever its length, and one more for "shifts for me"."""
    now = now or timezone.now()
    shifts = upcoming_shifts(now=now)
    if filters.district:
        shifts = shifts.filter(task__district__startswith=_district_prefix(filters.district))
    if filters.skill:
        shifts = shifts.filter(task__required_skills__code=filters.skill)
    if filters.urgency:
        shifts = shifts.filter(task__urgency=filters.urgency)
    if filters.organization:
        shifts = shifts.filter(task__organization__slug=filters.organization)
    if filters.date_from:
        shifts = shifts.filter(starts_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        shifts = shifts.filter(
            starts_at__lt=_local_midnight(filters.date_to + datetime.timedelta(days=1))
        )
    if filters.for_me and profile is not None:
        today = now.astimezone(PLATFORM_ZONE).date()
        first_day = max(filter(None, (filters.date_from, today)))
        shifts = _fitting(shifts, profile, first_day=first_day)
    return _with_listing_details(shifts, profile=profile)


def _with_listing_details(shifts, *, profile: VolunteerProfile | None):
    waiting = (
        ShiftSignup.objects.filter(shift=OuterRef("pk"), status=SignupStatus.WAITLISTED)
        .values("shift")
        .annotate(n=Count("pk"))
        .values("n")
    )
    shifts = shifts.annotate(waitlisted=Coalesce(Subquery(waiting), 0))
    if profile is not None:
        mine = ShiftSignup.objects.filter(
            shift=OuterRef("pk"), volunteer=profile, status__in=ACTIVE_STATUSES
        ).values("status")[:1]
        shifts = shifts.annotate(my_status=Subquery(mine))
    else:
        shifts = shifts.annotate(my_status=Value(None, output_field=CharField()))
    return (
        shifts.select_related("task__organization")
        .prefetch_related("task__required_skills")
        .distinct()
        .order_by("starts_at", "pk")
    )


def opportunity_filter_choices(*, now: datetime.datetime | None = None) -> dict:
    """Districts and organizations that have upcoming shifts, and every skill. Three queries."""
    upcoming = upcoming_shifts(now=now)
    counties = set(upcoming.values_list("task__district", flat=True))
    # Each province too, listed before its districts (codes sort so), to search a whole province.
    districts = sorted(counties | {code[:2] + "0000" for code in counties})
    organizations = list(
        Organization.objects.filter(relief_tasks__shifts__in=upcoming)
        .distinct()
        .order_by("name")
        .values_list("slug", "name")
    )
    return {
        "districts": [(code, region_full_name(code)) for code in districts],
        "organizations": organizations,
        "skills": list(Skill.objects.all()),
    }


def shift_for_page(*, shift_id: int, profile: VolunteerProfile | None) -> Shift:
    """One shift (cancelled ones too, to say so) with the details its page shows. One query
    (plus one for the required skills). Raises Shift.DoesNotExist, also for shifts of
    unverified organizations."""
    shifts = Shift.objects.filter(pk=shift_id, task__organization__verified_at__isnull=False)
    return _with_listing_details(shifts, profile=profile).get()


def signup_of(*, shift: Shift, profile: VolunteerProfile | None) -> ShiftSignup | None:
    """The volunteer's active sign-up on the shift with its waitlist `position` (1 = next), or
    None. At most two queries."""
    if profile is None:
        return None
    return (
        ShiftSignup.objects.filter(shift=shift, volunteer=profile, status__in=ACTIVE_STATUSES)
        .annotate(position=_waitlist_position())
        .first()
    )


def _waitlist_position():
    ahead = (
        ShiftSignup.objects.filter(
            shift=OuterRef("shift"), status=SignupStatus.WAITLISTED, pk__lte=OuterRef("pk")
        )
        .values("shift")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Case(
        When(status=SignupStatus.WAITLISTED, then=Subquery(ahead)),
        default=Value(None),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class ProjectShift:
    """An upcoming shift as a project's page lists it."""

    pk: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    places_taken: int
    title: str  # its task's
    place: str  # its task's


_PROJECT_UPCOMING_SHIFTS = PreparedQuery(
    Shift,
    lambda *, project_id, now, limit: (
        upcoming_shifts(now=now)
        .filter(task__project_id=project_id)
        .order_by("starts_at", "pk")
        .values_list(
            "pk", "starts_at", "ends_at", "capacity", "places_taken", "task__title", "task__place"
        )[:limit]
    ),
)


def project_upcoming_shifts(*, project_id: int, limit: int = 5) -> list[ProjectShift]:
    """The next shifts of the project's relief tasks, for its page. One query."""
    rows = _PROJECT_UPCOMING_SHIFTS.rows(
        project_id=project_id, now=timezone.now(), fixed={"limit": limit}
    )
    return [ProjectShift(*row) for row in rows]


# --- A volunteer's own shifts -------------------------------------------------------------------


@dataclass
class VolunteerShifts:
    upcoming: list[ShiftSignup]  # active sign-ups on shifts yet to end, soonest first, each
    # with .position (on the waitlist) and .cancellable (by the volunteer now)
    past: list[ShiftSignup]  # sign-ups on shifts that ended (not cancelled ones), latest first


def volunteer_shifts(*, profile: VolunteerProfile, past_limit: int = 20) -> VolunteerShifts:
    """The volunteer's own sign-ups for their dashboard, with waitlist positions. Two queries."""
    now = timezone.now()
    related = ("shift__task__organization",)
    upcoming = (
        ShiftSignup.objects.filter(
            volunteer=profile, status__in=ACTIVE_STATUSES, shift__ends_at__gt=now
        )
        .annotate(position=_waitlist_position())
        .select_related(*related)
        .order_by("shift__starts_at", "pk")
    )
    past = (
        ShiftSignup.objects.filter(volunteer=profile, shift__ends_at__lte=now)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related(*related)
        .order_by("-shift__starts_at", "-pk")[:past_limit]
    )
    upcoming = list(upcoming)
    for signup in upcoming:
        signup.cancellable = volunteer_may_cancel(signup, now=now)
    return VolunteerShifts(upcoming=upcoming, past=list(past))


def volunteer_may_cancel(signup: ShiftSignup, *, now: datetime.datetime) -> bool:
    """Whether the volunteer may still withdraw themself (the rule shift_signup_cancel holds):
    before the start, and before the cut-off for a confirmed place."""
    shift = signup.shift
    if signup.status not in ACTIVE_STATUSES or now >= shift.starts_at:
        return False
    return signup.status != SignupStatus.CONFIRMED or now < shift.cancel_cutoff_at


def calendar_signups(*, token: str) -> list[ShiftSignup]:
    """The feed owner's confirmed, applied and completed sign-ups on shifts not cancelled, from
    90 days back. Raises VolunteerProfile.DoesNotExist for an unknown token. Two queries."""
    profile_id = VolunteerProfile.objects.values_list("pk", flat=True).get(calendar_token=token)
    since = timezone.now() - datetime.timedelta(days=90)
    return list(
        ShiftSignup.objects.filter(
            volunteer_id=profile_id,
            status__in=(SignupStatus.CONFIRMED, SignupStatus.APPLIED, SignupStatus.COMPLETED),
            shift__cancelled_at__isnull=True,
            shift__ends_at__gte=since,
        )
        .select_related("shift__task__organization")
        .order_by("shift__starts_at", "pk")
    )
