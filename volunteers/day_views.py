"""On the day: the coordinator's mobile roster (check-in, check-out, no-show, hours) and the
volunteer's QR check-in.

A shift's roster exists only for people who manage its organization's shifts (shift.manage);
for anyone else it is a 404, so outsiders cannot even tell which shift ids exist.
"""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from charity.permissions import can

from . import attendance, certificates
from .models import Shift, ShiftSignup, SignupStatus
from .selectors import shift_roster, volunteer_contacts_visible_to


def _managed_shift_or_404(request, shift_id) -> Shift:
    shift = (
        Shift.objects.select_related("task__organization", "coordinator")
        .filter(pk=shift_id)
        .first()
    )
    if shift is None or not can(request.user, "shift.manage", shift.task.organization):
        raise Http404(_("No shift of yours has this number."))
    return shift


def _error_text(error) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@login_required
@never_cache
def roster(request, shift_id):
    shift = _managed_shift_or_404(request, shift_id)
    signups = shift_roster(shift)
    now = timezone.now()
    contacts = volunteer_contacts_visible_to(request.user, [s.volunteer for s in signups])
    rows = [
        {
            "signup": signup,
            "contact_visible": signup.volunteer_id in contacts,
            "default_minutes": attendance.default_minutes(signup),
            "default_hours": _hours(attendance.default_minutes(signup)),
        }
        for signup in signups
    ]
    confirmed = [s for s in signups if s.status in (SignupStatus.CONFIRMED, SignupStatus.COMPLETED)]
    check_in_url = request.build_absolute_uri(
        reverse("volunteers:check_in", kwargs={"token": attendance.shift_check_in_token(shift)})
    )
    opens, closes = attendance.check_in_window(shift)
    context = {
        "shift": shift,
        "task": shift.task,
        "rows": rows,
        "counts": {
            "confirmed": len(confirmed),
            "checked_in": sum(1 for s in confirmed if s.checked_in_at),
            "checked_out": sum(1 for s in confirmed if s.checked_out_at),
            "no_show": sum(1 for s in signups if s.status == SignupStatus.NO_SHOW),
            "applied": sum(1 for s in signups if s.status == SignupStatus.APPLIED),
        },
        "started": now >= shift.starts_at,
        "ended": now >= shift.ends_at,
        "check_in_open": opens <= now < closes and not shift.is_cancelled,
        "check_in_opens": opens,
        "check_in_url": check_in_url,
        "qr_svg": segno.make(check_in_url, error="m").svg_inline(
            scale=5, dark="#10302f", title=_("Check-in code")
        ),
    }
    return render(request, "volunteers/roster.html", context)


ROSTER_ACTIONS = {
    "check-in": (attendance.signup_check_in, lambda s: _("%(name)s is checked in.")),
    "check-out": (attendance.signup_check_out, lambda s: _("%(name)s is checked out.")),
    "no-show": (attendance.signup_mark_no_show, lambda s: _("%(name)s is marked as a no-show.")),
}


@login_required
@require_POST
def roster_action(request, shift_id, signup_id, action):
    shift = _managed_shift_or_404(request, shift_id)
    signup = ShiftSignup.objects.filter(pk=signup_id, shift=shift).first()
    if signup is None or action not in ROSTER_ACTIONS:
        raise Http404
    service, message = ROSTER_ACTIONS[action]
    try:
        signup = service(actor=request.user, signup=signup)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, message(signup) % {"name": signup.volunteer.user.public_name})
    return redirect(f"{reverse('volunteers:roster', args=[shift.pk])}#signup-{signup.pk}")


@login_required
@require_POST
def hours_approve(request, shift_id, signup_id):
    shift = _managed_shift_or_404(request, shift_id)
    signup = ShiftSignup.objects.filter(pk=signup_id, shift=shift).first()
    if signup is None:
        raise Http404
    try:
        minutes = _minutes_from(request.POST)
        signup = attendance.signup_hours_approve(
            actor=request.user,
            signup=signup,
            minutes=minutes,
            note=request.POST.get("note", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("%(name)s's hours are approved: %(time)s.")
            % {
                "name": signup.volunteer.user.public_name,
                "time": certificates.hours_text(signup.approved_minutes),
            },
        )
    return redirect(f"{reverse('volunteers:roster', args=[shift.pk])}#signup-{signup.pk}")


def _hours(minutes: int) -> str:
    """Minutes as hours for a form field: 150 → "2.5", 180 → "3"."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def _minutes_from(data) -> int | None:
    """Hours as typed (e.g. 2.5) → minutes; empty means the proposed figure."""
    text = (data.get("hours") or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        hours = float(text)
    except ValueError:
        raise ValidationError(_("Enter the hours as a number, e.g. 2.5.")) from None
    if not 0 < hours < 1000:
        raise ValidationError(_("Enter the hours as a number, e.g. 2.5."))
    return round(hours * 60)


@login_required
@require_POST
def certificate_for_signup(request, shift_id, signup_id):
    """A coordinator issues a certificate of a completed shift's hours for the volunteer."""
    shift = _managed_shift_or_404(request, shift_id)
    signup = (
        ShiftSignup.objects.filter(pk=signup_id, shift=shift, status=SignupStatus.COMPLETED)
        .select_related("volunteer__user")
        .first()
    )
    if signup is None:
        raise Http404
    day = timezone.localtime(shift.starts_at, attendance.PLATFORM_ZONE).date()
    try:
        certificate = certificates.service_certificate_issue(
            actor=request.user,
            volunteer=signup.volunteer,
            organization=shift.task.organization,
            period_start=day,
            period_end=day,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect("volunteers:roster", shift.pk)
    return redirect("volunteers:certificate_detail", certificate.pk)


@login_required
@never_cache
def check_in(request, token):
    """The page the shift's QR code opens: which shift, and one button to check in."""
    error = shift = None
    try:
        shift = attendance.shift_from_check_in_token(token)
    except ValidationError as refusal:
        error = _error_text(refusal)
    if request.method == "POST" and shift is not None:
        try:
            signup = attendance.signup_check_in_with_token(actor=request.user, token=token)
        except (ValidationError, PermissionDenied) as refusal:
            error = _error_text(refusal)
        else:
            return render(
                request,
                "volunteers/check_in.html",
                {"shift": shift, "task": shift.task, "signup": signup, "done": True},
            )
    elif request.method not in ("GET", "HEAD", "POST"):
        raise Http404
    elif shift is not None:
        signup = ShiftSignup.objects.filter(
            shift=shift, volunteer__user=request.user, checked_in_at__isnull=False
        ).first()
        if signup is not None:  # scanned again: say so rather than offer the button
            return render(
                request,
                "volunteers/check_in.html",
                {"shift": shift, "task": shift.task, "signup": signup, "done": True},
            )
    return render(
        request,
        "volunteers/check_in.html",
        {"shift": shift, "task": shift.task if shift else None, "error": error, "token": token},
        status=400 if error else 200,
    )
