"""On the day and after it: check-in (by the coordinator or with the shift's QR code), check-out,
no-shows, and the approval of hours that makes a sign-up `completed`.

Every function here locks the shift row first (volunteers.services' lock order), is a no-op when
the sign-up is already where it is asked to go, and writes a `SignupStatusChange` row with the acting
user: check-in and check-out keep the status (confirmed → confirmed) and say what happened in `note`.
"""

import datetime

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from charity.models import AuditAction, User
from charity.permissions import require

from .exceptions import VolunteerError
from .models import Shift, ShiftSignup, SignupStatus, SignupStatusChange
from .services import PLATFORM_ZONE, _audit_signup, _lock_shift, _require_person, _set_status

# The QR code works from a little before the start (people arrive early) until the end.
CHECK_IN_OPENS_BEFORE = datetime.timedelta(minutes=30)
CHECK_IN_SALT = "volunteers.check-in"


# --- The shift's QR code ------------------------------------------------------------------------


def shift_check_in_token(shift: Shift) -> str:
    """The signed token the shift's QR code carries. It names the shift and its start, so moving
    the shift voids codes printed before; it is accepted only in the check-in window."""
    return signing.dumps(
        {"shift": shift.pk, "start": int(shift.starts_at.timestamp())}, salt=CHECK_IN_SALT
    )


def check_in_window(shift: Shift) -> tuple[datetime.datetime, datetime.datetime]:
    return shift.starts_at - CHECK_IN_OPENS_BEFORE, shift.ends_at


def shift_from_check_in_token(token: str) -> Shift:
    """The shift a check-in token names; VolunteerError when forged or out of date."""
    try:
        payload = signing.loads(token, salt=CHECK_IN_SALT)
        shift_id, start = int(payload["shift"]), int(payload["start"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise VolunteerError(
            _("This check-in code is not valid. Scan the code shown by the coordinator on site."),
            code="token_invalid",
        ) from None
    shift = Shift.objects.filter(pk=shift_id).first()
    if shift is None or int(shift.starts_at.timestamp()) != start:
        raise VolunteerError(
            _("This check-in code is out of date: the shift has changed. Ask the coordinator."),
            code="token_stale",
        )
    return shift


def _check_window(shift: Shift, now: datetime.datetime) -> None:
    opens, closes = check_in_window(shift)
    if shift.is_cancelled:
        raise VolunteerError(_("This shift has been cancelled."), code="shift_cancelled")
    if now < opens:
        raise VolunteerError(
            _("Check-in opens at %(time)s.")
            % {"time": opens.astimezone(PLATFORM_ZONE).strftime("%Y-%m-%d %H:%M")},
            code="check_in_not_open",
        )
    if now >= closes:
        raise VolunteerError(
            _("This shift has ended; check-in is closed. The coordinator records your hours."),
            code="check_in_closed",
        )


# --- Check-in, check-out, no-show ---------------------------------------------------------------


def _locked_roster_signup(actor: User, signup: ShiftSignup) -> ShiftSignup:
    """Lock the shift, re-read the sign-up, and check the actor manages the shift's organization.
    Call inside a transaction."""
    shift_id = ShiftSignup.objects.values_list("shift_id", flat=True).get(pk=signup.pk)
    shift = _lock_shift(shift_id)
    require(actor, "shift.manage", shift.task.organization)
    signup = ShiftSignup.objects.select_related("volunteer__user").get(pk=signup.pk)
    signup.shift = shift
    return signup


def _record(
    signup: ShiftSignup, *, actor: User, now: datetime.datetime, note: str, field: str
) -> None:
    SignupStatusChange.objects.create(
        signup=signup,
        from_status=signup.status,
        to_status=signup.status,
        changed_by=actor,
        changed_at=now,
        note=note,
    )
    action = (
        AuditAction.SIGNUP_CHECK_IN if field == "checked_in_at" else AuditAction.SIGNUP_CHECK_OUT
    )
    _audit_signup(actor, action, signup, {field: [None, now]})


def _check_in(signup: ShiftSignup, *, actor: User, now: datetime.datetime, how: str) -> bool:
    """Precondition: the shift row is locked. False when already checked in."""
    if signup.checked_in_at is not None:
        return False
    if signup.status != SignupStatus.CONFIRMED:
        raise VolunteerError(
            _("Only a confirmed volunteer can be checked in (this sign-up is %(status)s).")
            % {"status": SignupStatus(signup.status).label},
            code="not_confirmed",
        )
    signup.checked_in_at = now
    signup.save(update_fields=["checked_in_at"])
    _record(signup, actor=actor, now=now, note=how, field="checked_in_at")
    return True


@transaction.atomic
def signup_check_in(*, actor: User, signup: ShiftSignup) -> ShiftSignup:
    """A coordinator checks a confirmed volunteer in, from when check-in opens (also after the
    end, to catch up). A no-op if they are checked in already."""
    signup = _locked_roster_signup(actor, signup)
    now = timezone.now()
    # The coordinator may also catch up after the end, so only the opening is checked.
    _check_window(signup.shift, min(now, signup.shift.starts_at))
    _check_in(signup, actor=actor, now=now, how="checked in by the coordinator")
    return signup


@transaction.atomic
def signup_check_out(*, actor: User, signup: ShiftSignup) -> ShiftSignup:
    """A coordinator checks a volunteer out; a no-op if they are checked out already."""
    signup = _locked_roster_signup(actor, signup)
    if signup.checked_out_at is not None:
        return signup
    if signup.checked_in_at is None or signup.status != SignupStatus.CONFIRMED:
        raise VolunteerError(
            _("Check the volunteer in before checking them out."), code="not_checked_in"
        )
    now = timezone.now()
    signup.checked_out_at = now
    signup.save(update_fields=["checked_out_at"])
    _record(
        signup, actor=actor, now=now, note="checked out by the coordinator", field="checked_out_at"
    )
    return signup


@transaction.atomic
def signup_mark_no_show(*, actor: User, signup: ShiftSignup) -> ShiftSignup:
    """A coordinator records that a confirmed volunteer did not come, once the shift has started."""
    signup = _locked_roster_signup(actor, signup)
    if signup.status == SignupStatus.NO_SHOW:
        return signup
    now = timezone.now()
    if now < signup.shift.starts_at:
        raise VolunteerError(
            _("A volunteer can be marked as not having come only once the shift has started."),
            code="not_started",
        )
    if signup.checked_in_at is not None:
        raise VolunteerError(
            _("This volunteer was checked in, so they cannot be a no-show."), code="checked_in"
        )
    _set_status(signup, SignupStatus.NO_SHOW, actor=actor, now=now)
    return signup


@transaction.atomic
def signup_check_in_with_token(*, actor: User, token: str) -> ShiftSignup:
    """A volunteer checks themself in with the shift's QR code, inside the check-in window.
    Raises VolunteerError (nothing changed) for a forged, stale or out-of-window code or when
    the actor has no confirmed place on that shift. A no-op if already checked in."""
    _require_person(actor)
    shift = shift_from_check_in_token(token)
    shift = _lock_shift(shift.pk)
    now = timezone.now()
    _check_window(shift, now)
    signup = (
        ShiftSignup.objects.filter(shift=shift, volunteer__user=actor)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related("volunteer__user")
        .first()
    )
    if signup is None or signup.status not in (SignupStatus.CONFIRMED,):
        raise VolunteerError(
            _(
                "You do not have a confirmed place on this shift, so you cannot check in. "
                "Please see the coordinator."
            ),
            code="not_on_roster",
        )
    signup.shift = shift
    _check_in(signup, actor=actor, now=now, how="checked in with the QR code")
    return signup


# --- Hours --------------------------------------------------------------------------------------


def default_minutes(signup: ShiftSignup) -> int:
    """The hours to propose: check-in to check-out, capped at the shift's length; the shift's
    length when the times were not both recorded."""
    shift_minutes = int(signup.shift.duration.total_seconds() // 60)
    if signup.checked_in_at and signup.checked_out_at:
        worked = int((signup.checked_out_at - signup.checked_in_at).total_seconds() // 60)
        return max(0, min(worked, shift_minutes))
    return shift_minutes


@transaction.atomic
def signup_hours_approve(
    *, actor: User, signup: ShiftSignup, minutes: int | None = None, note: str = ""
) -> ShiftSignup:
    """A coordinator approves a confirmed volunteer's hours once the shift has ended; the sign-up
    becomes `completed` and the hours join the volunteer's service record.

    `minutes` defaults to `default_minutes`; any other figure needs a note saying why, and is at
    most the shift's length (longer service is a longer shift). Approving the same minutes again
    is a no-op; approved hours are not changed afterwards.
    """
    signup = _locked_roster_signup(actor, signup)
    shift = signup.shift
    proposed = default_minutes(signup)
    minutes = proposed if minutes is None else minutes
    note = note.strip()
    if signup.status == SignupStatus.COMPLETED:
        if minutes == signup.approved_minutes:
            return signup
        raise VolunteerError(
            _("These hours are approved already and can no longer be changed."),
            code="already_approved",
        )
    now = timezone.now()
    if now < shift.ends_at:
        raise VolunteerError(_("Hours can be approved once the shift has ended."), code="not_ended")
    if signup.status != SignupStatus.CONFIRMED:
        raise VolunteerError(
            _("Only a confirmed volunteer's hours can be approved (this sign-up is %(status)s).")
            % {"status": SignupStatus(signup.status).label},
            code="not_confirmed",
        )
    shift_minutes = int(shift.duration.total_seconds() // 60)
    if not 1 <= minutes <= shift_minutes:
        raise VolunteerError(
            {
                "minutes": VolunteerError(
                    _("Approve between 1 and %(max)d minutes (the shift's length).")
                    % {"max": shift_minutes},
                    code="minutes_range",
                )
            }
        )
    if minutes != proposed and not note:
        raise VolunteerError(
            {
                "note": VolunteerError(
                    _("Say why the hours differ from the recorded times."), code="note_missing"
                )
            }
        )
    _set_status(
        signup,
        SignupStatus.COMPLETED,
        actor=actor,
        now=now,
        note=f"{minutes} min {note}"[:200],
        fields={
            "approved_minutes": minutes,
            "hours_approved_by": actor,
            "hours_approved_at": now,
            "hours_note": note[:200],
        },
    )
    return signup


def roster_access(actor: User, shift: Shift) -> None:
    """Raise PermissionDenied unless the actor may use the shift's roster."""
    _require_person(actor)
    require(actor, "shift.manage", shift.task.organization)
