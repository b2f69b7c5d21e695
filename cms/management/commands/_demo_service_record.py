"""Demo service records for seed_demo: past shifts of the verified organizations' relief tasks
with volunteers checked in and out, approved hours (one adjusted, one no-show), certificates (one
of them revoked), and a shift under way with one volunteer checked in, for the roster.

Everything goes through the services, as on a real day. Sign-up is only possible before a shift
starts, so the demo's shifts are created ahead, signed up for, and then dated back two weeks; the
check-in times are then set to what they would have been on the day.
"""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from charity.models import Role
from volunteers import attendance, services
from volunteers.certificates import service_certificate_issue, service_certificate_revoke
from volunteers.exceptions import VolunteerError
from volunteers.models import ReliefTask, Shift, ShiftSignup, VolunteerProfile

# Created this far ahead, clear of the demo's upcoming shifts (no overlaps), then dated back to
# about two weeks ago.
AHEAD = datetime.timedelta(days=90)
DATED_BACK = AHEAD + datetime.timedelta(days=14)
MARKER = "（往期）"  # in the demo tasks' titles: a task with it means the seed ran

RUNNING_TITLE = "社区防汛沙袋装运 Sandbagging"

# organization slug → (task title, place, district, shifts)
PAST_TASKS = {
    "sunshine-community": (
        f"社区长者助餐 Meals for elders {MARKER}",
        "北京市东城区和平里社区食堂",
        "110101",
        4,
    ),
    "mountain-children": (
        f"留守儿童课后陪伴 Homework club {MARKER}",
        "成都市武侯区玉林街道儿童之家",
        "510107",
        2,
    ),
}

# (email, display name) of the volunteers created when there are none yet
VOLUNTEERS = [
    ("volunteer@shanxin.example", "孙悦 Sun Yue"),
    ("volunteer2@shanxin.example", "张小明 Zhang Xiaoming"),
    ("volunteer3@shanxin.example", "林芳 Lin Fang"),
]


def seed_service_record(*, organizations, make_user) -> int:
    """Past shifts, hours and certificates, once. `make_user(email, display_name)` returns a
    verified demo user (seed_demo's). Returns the number of approved sign-ups created."""
    if ReliefTask.objects.filter(title__contains=MARKER).exists():
        return 0
    with transaction.atomic():
        volunteers = _volunteers(make_user)
        approved = 0
        for slug, (title, place, district, count) in PAST_TASKS.items():
            organization = organizations.get(slug)
            if organization is None or not organization.is_verified:
                continue
            coordinator = _coordinator(organization)
            approved += _past_shifts(
                organization, coordinator, volunteers, title, place, district, count
            )
        _certificates(organizations["sunshine-community"], volunteers)
        _running_shift(organizations["sunshine-community"], volunteers)
    return approved


def _volunteers(make_user) -> list[VolunteerProfile]:
    profiles = list(VolunteerProfile.objects.select_related("user").order_by("pk")[:3])
    if profiles:
        return profiles
    for index, (email, name) in enumerate(VOLUNTEERS):
        user = make_user(email, name)
        services.volunteer_profile_save(
            actor=user,
            consent=True,
            phone=f"1380013{index:04d}",
            district="110101",
            emergency_contact_name="家人 Family",
            emergency_contact_phone="13900139000",
            max_hours_per_week=20,
        )
    return list(
        VolunteerProfile.objects.filter(user__email__in=[e for e, _ in VOLUNTEERS])
        .select_related("user")
        .order_by("pk")
    )


def _today() -> datetime.date:
    return timezone.now().astimezone(services.PLATFORM_ZONE).date()


def _coordinator(organization):
    memberships = organization.memberships.select_related("user")
    by_role = {m.role: m.user for m in memberships}
    return by_role.get(Role.COORDINATOR) or by_role[Role.OWNER]


def _past_shifts(organization, coordinator, volunteers, title, place, district, count) -> int:
    task = services.relief_task_create(
        actor=coordinator,
        organization=organization,
        title=title,
        place=place,
        district=district,
        description="过去两周的每日助餐；志愿者的服务时长已核定。 Past shifts with approved hours.",
    )
    first_start = datetime.datetime.combine(
        _today() + AHEAD, datetime.time(9), tzinfo=services.PLATFORM_ZONE
    )
    shifts = services.shift_create_series(
        actor=coordinator,
        task=task,
        first_start=first_start,
        duration=datetime.timedelta(hours=3),
        days=count,
        capacity=6,
        minimum=2,
        coordinator=coordinator,
    )
    signups = []
    for shift in shifts:
        for profile in volunteers:
            try:
                signups.append(services.shift_signup_create(actor=profile.user, shift=shift))
            except VolunteerError:  # e.g. a volunteer of the demo whose weekly limit is reached
                continue
    Shift.objects.filter(pk__in=[s.pk for s in shifts]).update(
        starts_at=F("starts_at") - DATED_BACK, ends_at=F("ends_at") - DATED_BACK
    )
    approved = 0
    for index, signup in enumerate(signups):
        shift = Shift.objects.get(pk=signup.shift_id)
        if index == len(signups) - 1:  # the last volunteer of the last shift did not come
            attendance.signup_mark_no_show(actor=coordinator, signup=signup)
            continue
        attendance.signup_check_in(actor=coordinator, signup=signup)
        attendance.signup_check_out(actor=coordinator, signup=signup)
        late = datetime.timedelta(minutes=5 * (index % 3))
        ShiftSignup.objects.filter(pk=signup.pk).update(
            checked_in_at=shift.starts_at + late,
            checked_out_at=shift.ends_at - datetime.timedelta(minutes=10 * (index % 2)),
        )
        signup.refresh_from_db()
        if index == 1:
            attendance.signup_hours_approve(
                actor=coordinator,
                signup=signup,
                minutes=120,
                note="提前离开照顾家人 Left early to look after family",
            )
        else:
            attendance.signup_hours_approve(actor=coordinator, signup=signup)
        approved += 1
    return approved


def _certificates(organization, volunteers) -> None:
    """The first volunteer's certificate stands; the second's was revoked by the owner."""
    if not organization.is_verified:
        return
    owner = organization.memberships.get(role=Role.OWNER).user
    today = _today()
    period = {"period_start": today - datetime.timedelta(days=30), "period_end": today}
    for index, profile in enumerate(volunteers[:2]):
        certificate = service_certificate_issue(
            actor=profile.user, volunteer=profile, organization=organization, **period
        )
        if index == 1:
            service_certificate_revoke(
                actor=owner,
                certificate=certificate,
                reason="时长重复登记，已更正 Hours were recorded twice; corrected",
            )


def _running_shift(organization, volunteers) -> None:
    """A shift that started an hour before the seed ran, one volunteer checked in: the roster
    and its QR code have something to show (log in as the coordinator)."""
    if not organization.is_verified:
        return
    coordinator = _coordinator(organization)
    task = services.relief_task_create(
        actor=coordinator,
        organization=organization,
        title=RUNNING_TITLE,
        place="北京市东城区和平里东街 18 号 院内",
        district="110101",
        urgency="high",
    )
    (shift,) = services.shift_create_series(
        actor=coordinator,
        task=task,
        first_start=timezone.now().replace(second=0, microsecond=0) + AHEAD,
        duration=datetime.timedelta(hours=4),
        capacity=6,
        coordinator=coordinator,
    )
    signups = []
    for profile in volunteers:
        try:
            signups.append(services.shift_signup_create(actor=profile.user, shift=shift))
        except VolunteerError:
            continue
    back = AHEAD + datetime.timedelta(hours=1)
    Shift.objects.filter(pk=shift.pk).update(
        starts_at=F("starts_at") - back, ends_at=F("ends_at") - back
    )
    if signups:
        attendance.signup_check_in(actor=coordinator, signup=signups[0])
