"""Reads of volunteers' data, each with a known number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import Sum

from charity.models import Organization
from charity.permissions import can

from .models import ServiceCertificate, Shift, ShiftSignup, SignupStatus, VolunteerProfile


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


def approved_volunteer_minutes(
    organization: Organization | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
) -> int:
    """Minutes of approved service on shifts starting in [start, end), for one organization or
    the whole platform. One query."""
    signups = _approved(ShiftSignup.objects.all())
    if organization is not None:
        signups = signups.filter(shift__task__organization=organization)
    if start is not None:
        signups = signups.filter(shift__starts_at__gte=start)
    if end is not None:
        signups = signups.filter(shift__starts_at__lt=end)
    return signups.aggregate(total=Sum("approved_minutes"))["total"] or 0


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
