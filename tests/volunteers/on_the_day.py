"""Helpers for tests of the day itself: a volunteer with a confirmed place on a shift that is then
moved in time (sign-up only works before the start, the day only after it)."""

import datetime

from django.utils import timezone

from volunteers import services
from volunteers.models import Shift

from .factories import VolunteerProfileFactory


def confirmed_volunteer(shift, **profile_fields):
    """A new volunteer with a confirmed place on `shift` (which must still be open)."""
    user = VolunteerProfileFactory(**profile_fields).user
    return services.shift_signup_create(actor=user, shift=shift)


def move(shift, *, starts_in: datetime.timedelta, hours: float = 3) -> Shift:
    """Put the shift at now + starts_in (negative: it started in the past)."""
    starts_at = (timezone.now() + starts_in).replace(microsecond=0)
    Shift.objects.filter(pk=shift.pk).update(
        starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours)
    )
    shift.refresh_from_db()
    return shift


def set_times(signup, *, checked_in_at=None, checked_out_at=None):
    type(signup).objects.filter(pk=signup.pk).update(
        checked_in_at=checked_in_at, checked_out_at=checked_out_at
    )
    signup.refresh_from_db()
    return signup
