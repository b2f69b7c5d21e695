"""Reads of volunteers' data, each with a known number of queries."""

from charity.permissions import can

from .models import ShiftSignup, SignupStatus, VolunteerProfile


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


def shift_waitlist(shift) -> list[ShiftSignup]:
    """The shift's waitlist in the order it is served. One query."""
    return list(
        ShiftSignup.objects.filter(shift=shift, status=SignupStatus.WAITLISTED)
        .select_related("volunteer__user")
        .order_by("pk")
    )
