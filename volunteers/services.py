"""Every change to volunteers' data. One transaction each; the acting user is passed in and checked.

Lock order, to keep concurrent transactions from deadlocking: a transaction locks at most one
`Shift` row, always first; then `VolunteerProfile` rows, several of them in one statement in id
order. Sign-up rows of a shift change only while that shift's row is locked, so the shift lock
serializes everything about its places and waitlist, and the profile lock serializes everything
about one volunteer's week (overlaps, hours) across shifts. `Shift.places_taken` has a CHECK
constraint (never above capacity) as the database's own guard.
"""

import datetime
import zoneinfo
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from charity.audit import audit_record, changes_between, snapshot
from charity.emails import email_send
from charity.models import AuditAction, AuditObjectType, Organization, User
from charity.permissions import can, require

from .exceptions import VolunteerError
from .models import (
    ACTIVE_STATUSES,
    PLACE_HOLDING_STATUSES,
    SIGNUP_TRANSITIONS,
    CertificateKind,
    ReliefTask,
    Shift,
    ShiftSignup,
    SignupStatus,
    SignupStatusChange,
    Skill,
    VolunteerCertificate,
    VolunteerProfile,
)
from .models.profiles import _calendar_token as _new_calendar_token

# Weeks, days and certificate validity are reckoned on the platform's wall clock.
PLATFORM_ZONE = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
MAX_SERIES_DAYS = 366

PROFILE_FIELDS = (
    "phone",
    "languages",
    "district",
    "latitude",
    "longitude",
    "availability",
    "max_hours_per_week",
    "emergency_contact_name",
    "emergency_contact_phone",
    "birth_date",
    "guardian_name",
    "guardian_phone",
    "open_to_placement",
)

# Fields of a shift a coordinator may change after publishing it; changing the times tells
# everyone signed up.
SHIFT_FIELDS = (
    "starts_at",
    "ends_at",
    "capacity",
    "minimum",
    "requires_approval",
    "signup_opens_hours_before",
    "cancel_cutoff_hours",
    "coordinator",
)
SHIFT_NOTIFY_FIELDS = ("starts_at", "ends_at")
TASK_NOTIFY_FIELDS = ("place", "district")
# The day-before reminder goes out once the shift is this close.
REMINDER_AHEAD = datetime.timedelta(hours=24)

TASK_FIELDS = (
    "project",
    "title",
    "description",
    "place",
    "district",
    "required_certificates",
    "urgency",
    "beneficiary_group",
)


class NotifyKind:
    """Why a volunteer is emailed about a sign-up (volunteers/email/signup_update_*)."""

    PROMOTED = "promoted"
    APPROVED = "approved"
    DECLINED = "declined"
    SHIFT_CANCELLED = "shift_cancelled"
    SHIFT_CHANGED = "shift_changed"
    ALL = (PROMOTED, APPROVED, DECLINED, SHIFT_CANCELLED, SHIFT_CHANGED)


def _require_person(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Log in to volunteer."))


# --- Profiles -----------------------------------------------------------------------------------


def volunteer_profile_save(
    *,
    actor: User,
    skills=None,
    consent: bool = False,
    guardian_consent: bool = False,
    **fields,
) -> VolunteerProfile:
    """Create or update the actor's own profile (fields from PROFILE_FIELDS).

    A new profile needs `consent=True` (consent to data use); a minor's needs `guardian_consent`
    too, given again whenever the guardian changes.
    """
    _require_person(actor)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown volunteer profile fields: {sorted(unknown)}")
    now = timezone.now()
    with transaction.atomic():
        profile = VolunteerProfile.objects.select_for_update().filter(user=actor).first()
        if profile is None:
            if not consent:
                raise VolunteerError(
                    {"consent_at": _("Agree to the use of your details to become a volunteer.")},
                    code="consent_missing",
                )
            profile = VolunteerProfile(user=actor, consent_at=now)
        elif "guardian_name" in fields and fields["guardian_name"] != profile.guardian_name:
            profile.guardian_consent_at = None  # the new guardian has not consented yet
        for name, value in fields.items():
            setattr(profile, name, value)
        if guardian_consent and profile.guardian_consent_at is None:
            profile.guardian_consent_at = now
        profile.updated_at = now
        profile.full_clean()
        profile.save()
        if skills is not None:
            profile.skills.set(_skills(skills))
    return profile


def _skills(values) -> list[Skill]:
    codes = [value.code if isinstance(value, Skill) else value for value in values]
    skills = list(Skill.objects.filter(code__in=codes))
    if len(skills) != len(set(codes)):
        raise VolunteerError({"skills": _("Choose skills from the list.")}, code="unknown_skill")
    return skills


def volunteer_certificate_add(
    *, actor: User, kind: str, number: str = "", expires_on: datetime.date | None = None
) -> VolunteerCertificate:
    """Record a certificate the actor holds on their own profile."""
    _require_person(actor)
    profile = _profile_of(actor)
    certificate = VolunteerCertificate(
        profile=profile, kind=kind, number=number.strip(), expires_on=expires_on
    )
    certificate.full_clean()
    certificate.save()
    return certificate


def volunteer_certificate_remove(*, actor: User, certificate: VolunteerCertificate) -> None:
    """Delete a certificate from the actor's own profile."""
    _require_person(actor)
    deleted, _rows = VolunteerCertificate.objects.filter(
        pk=certificate.pk, profile__user=actor
    ).delete()
    if not deleted:
        raise PermissionDenied(_("You can only remove your own certificates."))


def volunteer_calendar_token_reset(*, actor: User) -> VolunteerProfile:
    """Give the actor's calendar feed a new secret address; the old one stops working."""
    _require_person(actor)
    profile = _profile_of(actor)
    profile.calendar_token = _new_calendar_token()
    profile.save(update_fields=["calendar_token"])
    return profile


def _profile_of(actor: User) -> VolunteerProfile:
    try:
        return VolunteerProfile.objects.get(user=actor)
    except VolunteerProfile.DoesNotExist:
        raise VolunteerError(
            _("Create your volunteer profile before signing up."), code="no_profile"
        ) from None


# --- The audit trail ----------------------------------------------------------------------------


def _shift_label(shift: Shift) -> str:
    return f"{shift.task.title} · {shift.starts_at.astimezone(PLATFORM_ZONE):%Y-%m-%d %H:%M}"


def _audit_task(actor: User, action: str, task: ReliefTask, changes: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=task,
        organization=task.organization_id,
        object_type=AuditObjectType.RELIEF_TASK,
        label=task.title,
        changes=changes,
    )


def _audit_shift(actor: User, action: str, shift: Shift, changes: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=shift,
        organization=shift.task.organization_id,
        object_type=AuditObjectType.SHIFT,
        label=_shift_label(shift),
        changes=changes,
    )


def _audit_signup(actor: User | None, action: str, signup: ShiftSignup, changes: dict) -> None:
    """The volunteer is known by the sign-up's number, which the roster shows; their name stays
    out of the trail. Precondition: `signup.shift` is the locked shift (with its task)."""
    audit_record(
        actor=actor,
        action=action,
        obj=signup,
        organization=signup.shift.task.organization_id,
        object_type=AuditObjectType.SIGNUP,
        label=f"#{signup.pk} · {_shift_label(signup.shift)}",
        changes=changes,
    )


# --- Tasks and shifts ---------------------------------------------------------------------------


def relief_task_create(
    *, actor: User, organization: Organization, required_skills=(), **fields
) -> ReliefTask:
    """A coordinator describes work the organization needs volunteers for."""
    require(actor, "shift.manage", organization)
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"Unknown relief task fields: {sorted(unknown)}")
    task = ReliefTask(organization=organization, created_by=actor, **fields)
    task.full_clean()
    with transaction.atomic():
        task.save()
        skills = _skills(required_skills)
        task.required_skills.set(skills)
        changes = changes_between(dict.fromkeys(fields), task)
        changes["required_skills"] = [None, sorted(skill.pk for skill in skills)]
        _audit_task(actor, AuditAction.RELIEF_TASK_CREATE, task, changes)
    return task


def shift_create_series(
    *,
    actor: User,
    task: ReliefTask,
    first_start: datetime.datetime,
    duration: datetime.timedelta,
    days: int = 1,
    every_n_days: int = 1,
    weekdays=None,
    capacity: int,
    minimum: int = 0,
    requires_approval: bool = False,
    signup_opens_hours_before: int | None = None,
    cancel_cutoff_hours: int = 24,
    coordinator: User | None = None,
) -> list[Shift]:
    """Create the shifts of `task` starting at `first_start` and then every `every_n_days` days
    within `days` days (days=14, every_n_days=1: fourteen daily shifts), only on `weekdays`
    (0 = Monday, local) when given.

    Repeats keep the local wall-clock time of `first_start` in the platform's zone.
    """
    require(actor, "shift.manage", task.organization)
    if timezone.is_naive(first_start):
        raise ValueError("first_start must be an aware datetime")
    if duration <= datetime.timedelta(0):
        raise VolunteerError({"ends_at": _("A shift must end after it starts.")}, code="duration")
    if not 1 <= days <= MAX_SERIES_DAYS or every_n_days < 1:
        raise VolunteerError(
            _("A series repeats at least every day, over 1 to %(max)d days.")
            % {"max": MAX_SERIES_DAYS},
            code="series_length",
        )
    if coordinator is not None and not can(coordinator, "shift.manage", task.organization):
        raise VolunteerError(
            {
                "coordinator": _(
                    "The coordinator must be able to manage this organization's shifts."
                )
            },
            code="coordinator",
        )
    local_first = first_start.astimezone(PLATFORM_ZONE)
    shifts = []
    for offset in range(0, days, every_n_days):
        # Aware arithmetic within one zone keeps the wall-clock time across DST changes.
        local_start = local_first + datetime.timedelta(days=offset)
        if weekdays is not None and local_start.weekday() not in weekdays:
            continue
        starts_at = local_start.astimezone(datetime.UTC)
        shift = Shift(
            task=task,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            capacity=capacity,
            minimum=minimum,
            requires_approval=requires_approval,
            signup_opens_hours_before=signup_opens_hours_before,
            cancel_cutoff_hours=cancel_cutoff_hours,
            coordinator=coordinator,
        )
        shift.full_clean()
        shifts.append(shift)
    if not shifts:
        raise VolunteerError(
            {
                "weekdays": VolunteerError(
                    _("None of the chosen weekdays falls within the series."), code="no_days"
                )
            }
        )
    with transaction.atomic():
        for shift in shifts:
            shift.save()
            _audit_shift(
                actor,
                AuditAction.SHIFT_CREATE,
                shift,
                changes_between(dict.fromkeys(("task", *SHIFT_FIELDS)), shift),
            )
    return shifts


# --- Sign-up rules ------------------------------------------------------------------------------


def _lock_shift(shift_id: int) -> Shift:
    return (
        Shift.objects.select_for_update(of=("self",))
        .select_related("task__organization")
        .get(pk=shift_id)
    )


def _lock_profiles(profile_ids) -> dict[int, VolunteerProfile]:
    """Lock volunteer rows in id order (see the module's lock order)."""
    profiles = VolunteerProfile.objects.select_for_update().filter(pk__in=set(profile_ids))
    return {profile.pk: profile for profile in profiles.order_by("pk")}


def _local_date(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(PLATFORM_ZONE).date()


def _iso_week_bounds(moment: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """Monday 00:00 to the next Monday 00:00 (platform zone) of the week `moment` falls in."""
    day = _local_date(moment)
    monday = day - datetime.timedelta(days=day.weekday())
    start = datetime.datetime.combine(monday, datetime.time(), tzinfo=PLATFORM_ZONE)
    end = datetime.datetime.combine(
        monday + datetime.timedelta(days=7), datetime.time(), tzinfo=PLATFORM_ZONE
    )
    return start, end


def _held_elsewhere(profile: VolunteerProfile, shift: Shift):
    """The volunteer's place-holding sign-ups on other shifts that still take place."""
    return (
        ShiftSignup.objects.filter(volunteer=profile, status__in=PLACE_HOLDING_STATUSES)
        .exclude(shift=shift)
        .filter(shift__cancelled_at__isnull=True)
    )


def _check_eligible(
    shift: Shift, profile: VolunteerProfile, *, now: datetime.datetime, opening: bool
) -> None:
    """Raise VolunteerError unless `profile` may take a place on `shift` now.

    `opening`: a new sign-up, which must also fall inside the sign-up window. Call while holding
    the shift's and the profile's row locks: overlaps and weekly hours depend on both.
    """
    if shift.is_cancelled:
        raise VolunteerError(_("This shift has been cancelled."), code="shift_cancelled")
    if now >= shift.starts_at:
        raise VolunteerError(_("This shift has already started."), code="shift_started")
    if opening and shift.signup_opens_at is not None and now < shift.signup_opens_at:
        raise VolunteerError(
            _("Sign-up for this shift opens at %(time)s.")
            % {"time": shift.signup_opens_at.astimezone(PLATFORM_ZONE).strftime("%Y-%m-%d %H:%M")},
            code="signup_not_open",
        )
    shift_day = _local_date(shift.starts_at)
    if profile.is_minor(shift_day) and profile.guardian_consent_at is None:
        raise VolunteerError(
            _("A volunteer under 18 needs their guardian's consent first."),
            code="guardian_consent",
        )

    task = shift.task
    missing_skills = task.required_skills.exclude(pk__in=profile.skills.values("pk"))
    if missing_skills:
        raise VolunteerError(
            _("This shift needs these skills: %(skills)s.")
            % {"skills": ", ".join(skill.name for skill in missing_skills)},
            code="skills_missing",
        )
    # A certificate must still be valid on the last day of the shift.
    last_day = _local_date(shift.ends_at)
    missing_certificates = [
        kind
        for kind in task.required_certificates
        if not any(
            certificate.is_valid_on(last_day)
            for certificate in profile.certificates.all()
            if certificate.kind == kind
        )
    ]
    if missing_certificates:
        raise VolunteerError(
            _("This shift needs a certificate valid on %(day)s: %(kinds)s.")
            % {
                "day": last_day.isoformat(),
                "kinds": ", ".join(
                    str(CertificateKind(kind).label) for kind in missing_certificates
                ),
            },
            code="certificates_missing",
        )

    held = _held_elsewhere(profile, shift)
    if held.filter(shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at).exists():
        raise VolunteerError(
            _("You already have a place on another shift at this time."), code="overlap"
        )
    week_start, week_end = _iso_week_bounds(shift.starts_at)
    week = held.filter(shift__starts_at__gte=week_start, shift__starts_at__lt=week_end)
    hours = sum(
        (ends - starts for starts, ends in week.values_list("shift__starts_at", "shift__ends_at")),
        shift.duration,
    )
    if hours > datetime.timedelta(hours=profile.max_hours_per_week):
        raise VolunteerError(
            _("This shift would take you over your limit of %(hours)d hours that week.")
            % {"hours": profile.max_hours_per_week},
            code="weekly_hours",
        )


def _take_places(shift: Shift, delta: int) -> None:
    """Precondition: the shift row is locked. The CHECK constraint refuses going over capacity."""
    if delta:
        Shift.objects.filter(pk=shift.pk).update(places_taken=F("places_taken") + delta)
        shift.places_taken += delta


def _set_status(
    signup: ShiftSignup,
    status: str,
    *,
    actor: User | None,
    now: datetime.datetime,
    note: str = "",
    fields: dict | None = None,
) -> None:
    """Move a sign-up along SIGNUP_TRANSITIONS, keeping the shift's count of places and writing an
    audit row; `fields` are saved in the same UPDATE (CHECK constraints tie some to the status).
    Precondition: the sign-up's shift row is locked (and is `signup.shift`)."""
    old = signup.status
    if status not in SIGNUP_TRANSITIONS[SignupStatus(old)]:
        raise VolunteerError(
            _("A sign-up cannot go from %(old)s to %(new)s.")
            % {"old": SignupStatus(old).label, "new": SignupStatus(status).label},
            code="bad_transition",
        )
    _take_places(signup.shift, (status in PLACE_HOLDING_STATUSES) - (old in PLACE_HOLDING_STATUSES))
    fields = fields or {}
    for name, value in fields.items():
        setattr(signup, name, value)
    signup.status = status
    signup.status_changed_at = now
    signup.save(update_fields=["status", "status_changed_at", *fields])
    SignupStatusChange.objects.create(
        signup=signup,
        from_status=old,
        to_status=status,
        changed_by=actor,
        changed_at=now,
        note=note,
    )
    changes = {"status": [old, status]}
    if status == SignupStatus.COMPLETED:
        action = AuditAction.SIGNUP_HOURS_APPROVE
        changes["approved_minutes"] = [None, signup.approved_minutes]
        if signup.hours_note:
            changes["hours_note"] = [None, signup.hours_note]
    else:
        action = AuditAction.SIGNUP_STATUS
    _audit_signup(actor, action, signup, changes)


def _notify_on_commit(signup: ShiftSignup, kind: str) -> None:
    from .tasks import shift_signup_notify

    transaction.on_commit(partial(shift_signup_notify.delay, signup.pk, kind))


def _promote_waitlisted(shift: Shift, *, actor: User | None, now: datetime.datetime) -> list:
    """Fill free places from the waitlist in sign-up order, skipping (and leaving waitlisted)
    anyone who no longer passes the rules; each promoted volunteer is emailed on commit.
    Precondition: the shift row is locked."""
    free = shift.capacity - shift.places_taken
    if free <= 0 or shift.is_cancelled or now >= shift.starts_at:
        return []
    waiting = list(
        ShiftSignup.objects.filter(shift=shift, status=SignupStatus.WAITLISTED).order_by("pk")
    )
    if not waiting:
        return []
    profiles = _lock_profiles(signup.volunteer_id for signup in waiting)
    promoted = []
    for signup in waiting:
        signup.shift = shift
        signup.volunteer = profiles[signup.volunteer_id]
        try:
            _check_eligible(shift, signup.volunteer, now=now, opening=False)
        except VolunteerError:
            continue
        status = SignupStatus.APPLIED if shift.requires_approval else SignupStatus.CONFIRMED
        _set_status(signup, status, actor=actor, now=now, note="promoted from the waitlist")
        _notify_on_commit(signup, NotifyKind.PROMOTED)
        promoted.append(signup)
        free -= 1
        if free == 0:
            break
    return promoted


def shift_signup_create(*, actor: User, shift: Shift) -> ShiftSignup:
    """The actor signs themself up: confirmed while places are free (applied when the shift needs
    approval), else waitlisted. Raises VolunteerError when a rule forbids it."""
    _require_person(actor)
    profile = _profile_of(actor)
    try:
        with transaction.atomic():
            shift = _lock_shift(shift.pk)
            profile = _lock_profiles([profile.pk])[profile.pk]
            now = timezone.now()
            if (
                ShiftSignup.objects.filter(shift=shift, volunteer=profile)
                .exclude(status=SignupStatus.CANCELLED)
                .exists()
            ):
                raise VolunteerError(
                    _("You have already signed up for this shift."), code="duplicate"
                )
            _check_eligible(shift, profile, now=now, opening=True)
            if shift.places_taken < shift.capacity:
                status = SignupStatus.APPLIED if shift.requires_approval else SignupStatus.CONFIRMED
            else:
                status = SignupStatus.WAITLISTED
            signup = ShiftSignup.objects.create(
                shift=shift, volunteer=profile, status=status, created_at=now, status_changed_at=now
            )
            SignupStatusChange.objects.create(
                signup=signup, from_status="", to_status=status, changed_by=actor, changed_at=now
            )
            _take_places(shift, int(status in PLACE_HOLDING_STATUSES))
            signup.shift = shift
            _audit_signup(actor, AuditAction.SIGNUP_CREATE, signup, {"status": [None, status]})
    except IntegrityError as error:
        if "signup_one_per_volunteer_and_shift" in str(error):
            raise VolunteerError(
                _("You have already signed up for this shift."), code="duplicate"
            ) from error
        raise
    return signup


def _locked_signup(signup: ShiftSignup) -> tuple[ShiftSignup, Shift]:
    """Lock the sign-up's shift, then read the sign-up as it is now."""
    shift_id = ShiftSignup.objects.values_list("shift_id", flat=True).get(pk=signup.pk)
    shift = _lock_shift(shift_id)
    signup = ShiftSignup.objects.select_related("volunteer__user").get(pk=signup.pk)
    signup.shift = shift
    return signup, shift


@transaction.atomic
def shift_signup_cancel(*, actor: User, signup: ShiftSignup) -> ShiftSignup:
    """The volunteer (before the cut-off, for a confirmed place) or a coordinator withdraws a
    sign-up; a freed place goes to the first eligible waitlisted volunteer. No-op if cancelled."""
    _require_person(actor)
    signup, shift = _locked_signup(signup)
    is_coordinator = can(actor, "shift.manage", shift.task.organization)
    if signup.volunteer.user_id != actor.pk and not is_coordinator:
        raise PermissionDenied(_("You can only cancel your own sign-ups."))
    if signup.status == SignupStatus.CANCELLED:
        return signup
    now = timezone.now()
    if signup.status not in ACTIVE_STATUSES or now >= shift.starts_at:
        raise VolunteerError(
            _("This sign-up can no longer be cancelled; the coordinator records what happened."),
            code="cannot_cancel",
        )
    if (
        signup.status == SignupStatus.CONFIRMED
        and not is_coordinator
        and now >= shift.cancel_cutoff_at
    ):
        raise VolunteerError(
            _(
                "Cancellation closed %(hours)d hours before the shift; please contact the "
                "coordinator."
            )
            % {"hours": shift.cancel_cutoff_hours},
            code="cancel_cutoff",
        )
    held = signup.holds_place
    _set_status(signup, SignupStatus.CANCELLED, actor=actor, now=now)
    if held:
        _promote_waitlisted(shift, actor=actor, now=now)
    return signup


@transaction.atomic
def shift_signup_approve(*, actor: User, signup: ShiftSignup) -> ShiftSignup:
    """A coordinator confirms an application, if the volunteer still passes the rules."""
    signup, shift = _locked_signup(signup)
    require(actor, "shift.manage", shift.task.organization)
    if signup.status == SignupStatus.CONFIRMED:
        return signup
    if signup.status != SignupStatus.APPLIED:
        raise VolunteerError(_("Only an application can be approved."), code="not_applied")
    now = timezone.now()
    signup.volunteer = _lock_profiles([signup.volunteer_id])[signup.volunteer_id]
    _check_eligible(shift, signup.volunteer, now=now, opening=False)
    _set_status(signup, SignupStatus.CONFIRMED, actor=actor, now=now)
    _notify_on_commit(signup, NotifyKind.APPROVED)
    return signup


@transaction.atomic
def shift_signup_decline(*, actor: User, signup: ShiftSignup, reason: str = "") -> ShiftSignup:
    """A coordinator turns down an application (or a waitlisted sign-up); the volunteer is told
    and a freed place goes to the waitlist."""
    signup, shift = _locked_signup(signup)
    require(actor, "shift.manage", shift.task.organization)
    if signup.status == SignupStatus.CANCELLED:
        return signup
    if signup.status not in (SignupStatus.APPLIED, SignupStatus.WAITLISTED):
        raise VolunteerError(
            _("Only an application or a waitlisted sign-up can be declined."), code="not_applied"
        )
    now = timezone.now()
    held = signup.holds_place
    _set_status(
        signup, SignupStatus.CANCELLED, actor=actor, now=now, note=f"declined {reason}"[:200]
    )
    _notify_on_commit(signup, NotifyKind.DECLINED)
    if held:
        _promote_waitlisted(shift, actor=actor, now=now)
    return signup


@transaction.atomic
def shift_cancel(*, actor: User, shift: Shift, reason: str = "") -> Shift:
    """A coordinator calls a shift off; every active sign-up is cancelled and its volunteer told."""
    shift = _lock_shift(shift.pk)
    require(actor, "shift.manage", shift.task.organization)
    if shift.is_cancelled:
        return shift
    now = timezone.now()
    shift.cancelled_at = now
    shift.save(update_fields=["cancelled_at"])
    _audit_shift(actor, AuditAction.SHIFT_CANCEL, shift, {"cancelled_at": [None, now]})
    note = f"shift cancelled {reason}"[:200]
    for signup in ShiftSignup.objects.filter(shift=shift, status__in=ACTIVE_STATUSES).order_by(
        "pk"
    ):
        signup.shift = shift
        _set_status(signup, SignupStatus.CANCELLED, actor=actor, now=now, note=note)
        _notify_on_commit(signup, NotifyKind.SHIFT_CANCELLED)
    return shift


def signup_email_send(
    *, signup_id: int, template: str, only_if_status: str | None = None, **context
) -> bool:
    """Email the volunteer about one of their sign-ups, in their language, with the sign-up, its
    shift, task and organization in the context. False, sending nothing, when they have no
    address or the sign-up is gone or (with `only_if_status`) no longer in that status."""
    signups = ShiftSignup.objects.select_related("volunteer__user", "shift__task__organization")
    if only_if_status is not None:
        signups = signups.filter(status=only_if_status)
    signup = signups.filter(pk=signup_id).first()
    if signup is None:
        return False
    user = signup.volunteer.user
    if not user.email:
        return False
    email_send(
        template=template,
        context={
            "signup": signup,
            "shift": signup.shift,
            "task": signup.shift.task,
            "organization": signup.shift.task.organization,
            "volunteer": user,
            **context,
        },
        to=user.email,
        language=user.preferred_language or settings.LANGUAGE_CODE,
    )
    return True


def shift_signup_notify(*, signup_id: int, kind: str) -> bool:
    """Email the volunteer what happened to their sign-up, in their language."""
    if kind not in NotifyKind.ALL:
        raise ValueError(f"Unknown sign-up notification {kind!r}")
    return signup_email_send(
        signup_id=signup_id, template="volunteers/email/signup_update", kind=kind
    )


# --- Changing published work --------------------------------------------------------------------


def _notify_active(shifts, kind: str) -> None:
    """Email everyone holding or awaiting a place on `shifts`, on commit."""
    for signup in ShiftSignup.objects.filter(shift__in=shifts, status__in=ACTIVE_STATUSES):
        _notify_on_commit(signup, kind)


@transaction.atomic
def shift_update(*, actor: User, shift: Shift, **fields) -> Shift:
    """A coordinator changes a shift (fields from SHIFT_FIELDS). Fewer places than are taken is
    refused; more places go to the waitlist; new times are emailed to everyone signed up."""
    unknown = set(fields) - set(SHIFT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown shift fields: {sorted(unknown)}")
    shift = _lock_shift(shift.pk)
    require(actor, "shift.manage", shift.task.organization)
    if shift.is_cancelled:
        raise VolunteerError(_("A cancelled shift cannot be changed."), code="shift_cancelled")
    changed = [name for name, value in fields.items() if getattr(shift, name) != value]
    if not changed:
        return shift
    before = snapshot(shift, changed)
    for name in changed:
        setattr(shift, name, fields[name])
    if shift.capacity < shift.places_taken:
        raise VolunteerError(
            {
                "capacity": _(
                    "%(taken)d places are already taken; cancel sign-ups before reducing the "
                    "places below that."
                )
                % {"taken": shift.places_taken}
            },
            code="capacity_below_taken",
        )
    coordinator = fields.get("coordinator")
    if coordinator is not None and not can(coordinator, "shift.manage", shift.task.organization):
        raise VolunteerError(
            {
                "coordinator": _(
                    "The coordinator must be able to manage this organization's shifts."
                )
            },
            code="coordinator",
        )
    shift.full_clean()
    shift.save(update_fields=changed)
    _audit_shift(actor, AuditAction.SHIFT_UPDATE, shift, changes_between(before, shift))
    if any(name in SHIFT_NOTIFY_FIELDS for name in changed):
        # Only future reminders: one already sent named the old time.
        ShiftSignup.objects.filter(shift=shift).update(reminder_sent_at=None)
        _notify_active([shift], NotifyKind.SHIFT_CHANGED)
    if "capacity" in changed:
        _promote_waitlisted(shift, actor=actor, now=timezone.now())
    return shift


@transaction.atomic
def relief_task_update(*, actor: User, task: ReliefTask, required_skills=None, **fields):
    """A coordinator changes a task (fields from TASK_FIELDS). A new place is emailed to
    everyone signed up for its shifts still to come."""
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"Unknown relief task fields: {sorted(unknown)}")
    task = ReliefTask.objects.select_for_update().select_related("organization").get(pk=task.pk)
    require(actor, "shift.manage", task.organization)
    changed = [name for name, value in fields.items() if getattr(task, name) != value]
    before = snapshot(task, changed)
    for name in changed:
        setattr(task, name, fields[name])
    task.full_clean()
    if changed:
        task.save(update_fields=changed)
    changes = changes_between(before, task)
    if required_skills is not None:
        old_skills = sorted(task.required_skills.values_list("pk", flat=True))
        task.required_skills.set(_skills(required_skills))
        new_skills = sorted(task.required_skills.values_list("pk", flat=True))
        if old_skills != new_skills:
            changes["required_skills"] = [old_skills, new_skills]
    if changes:
        _audit_task(actor, AuditAction.RELIEF_TASK_UPDATE, task, changes)
    if any(name in TASK_NOTIFY_FIELDS for name in changed):
        coming = Shift.objects.filter(
            task=task, cancelled_at__isnull=True, starts_at__gt=timezone.now()
        )
        _notify_active(coming, NotifyKind.SHIFT_CHANGED)
    return task


# --- Reminders ----------------------------------------------------------------------------------


def shift_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Email each confirmed volunteer once, in the 24 hours before their shift. Safe to run in
    several workers at once: each sign-up is claimed by a conditional update before its email
    goes out, and released again if sending fails. Returns how many were sent."""
    now = now or timezone.now()
    due = ShiftSignup.objects.filter(
        status=SignupStatus.CONFIRMED,
        reminder_sent_at__isnull=True,
        shift__cancelled_at__isnull=True,
        shift__starts_at__gt=now,
        shift__starts_at__lte=now + REMINDER_AHEAD,
    )
    sent = 0
    for signup_id in due.values_list("pk", flat=True).order_by("pk"):
        # Conditions on the sign-up's own row only: an UPDATE whose WHERE reaches other tables
        # becomes "id IN (subquery)", which PostgreSQL does not re-check against a row another
        # worker has just claimed. A shift cancelled meanwhile has cancelled its sign-ups.
        claimed = ShiftSignup.objects.filter(
            pk=signup_id, status=SignupStatus.CONFIRMED, reminder_sent_at__isnull=True
        ).update(reminder_sent_at=now)
        if not claimed:
            continue  # another worker has it, or it changed meanwhile
        try:
            if shift_signup_remind(signup_id=signup_id):
                sent += 1
        except Exception:
            ShiftSignup.objects.filter(pk=signup_id, reminder_sent_at=now).update(
                reminder_sent_at=None
            )
            raise
    return sent


def shift_signup_remind(*, signup_id: int) -> bool:
    """Email the volunteer the details of tomorrow's shift, in their language."""
    return signup_email_send(signup_id=signup_id, template="volunteers/email/shift_reminder")


def shift_signup_place(*, actor: User, shift: Shift, volunteer: VolunteerProfile) -> ShiftSignup:
    """A coordinator places a volunteer on a shift (from a confirmed assignment proposal): the
    volunteer's waitlisted or applied sign-up is confirmed, or a confirmed one is made. Same locks
    and rules as a volunteer's own sign-up, except the sign-up window (the coordinator may place
    before it opens); raises VolunteerError, changing nothing, when a rule forbids it or the shift
    is full."""
    require(actor, "shift.manage", shift.task.organization)
    with transaction.atomic():
        shift = _lock_shift(shift.pk)
        profile = _lock_profiles([volunteer.pk])[volunteer.pk]
        now = timezone.now()
        signup = (
            ShiftSignup.objects.filter(shift=shift, volunteer=profile)
            .exclude(status=SignupStatus.CANCELLED)
            .first()
        )
        if signup is not None and signup.status not in (
            SignupStatus.APPLIED,
            SignupStatus.WAITLISTED,
        ):
            raise VolunteerError(
                _("The volunteer already has a place on this shift."), code="duplicate"
            )
        _check_eligible(shift, profile, now=now, opening=False)
        holds_place = signup is not None and signup.holds_place
        if not holds_place and shift.places_taken >= shift.capacity:
            raise VolunteerError(_("This shift is full."), code="full")
        note = "placed by a coordinator"
        if signup is None:
            signup = ShiftSignup.objects.create(
                shift=shift,
                volunteer=profile,
                status=SignupStatus.CONFIRMED,
                created_at=now,
                status_changed_at=now,
            )
            SignupStatusChange.objects.create(
                signup=signup,
                from_status="",
                to_status=SignupStatus.CONFIRMED,
                changed_by=actor,
                changed_at=now,
                note=note,
            )
            _take_places(shift, 1)
            signup.shift = shift
            _audit_signup(
                actor, AuditAction.SIGNUP_CREATE, signup, {"status": [None, SignupStatus.CONFIRMED]}
            )
        else:
            signup.shift = shift
            signup.volunteer = profile
            _set_status(signup, SignupStatus.CONFIRMED, actor=actor, now=now, note=note)
    return signup
