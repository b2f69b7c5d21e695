"""Volunteers' pages: finding shifts, signing up, the profile, the dashboard and the calendar feed.

Thin: they parse input, call one service or selector, and render. A volunteer's own rows are
fetched with the volunteer in the query, so someone else's id is simply not found (404).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from config.ratelimit import rate_limited

from . import selectors, services
from .calendar import signups_calendar
from .forms import CertificateForm, OpportunityFilterForm, VolunteerProfileForm
from .models import Shift, ShiftSignup, SignupStatus, VolunteerCertificate, VolunteerProfile
from .selectors_matching import shift_recommendations

SHIFTS_PER_PAGE = 20


def _profile(user) -> VolunteerProfile | None:
    if not user.is_authenticated:
        return None
    return VolunteerProfile.objects.filter(user=user).first()


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def opportunities(request):
    profile = _profile(request.user)
    form = OpportunityFilterForm(request.GET, choices=selectors.opportunity_filter_choices())
    form.is_valid()  # a bad value is reported beside its field; the others still apply
    values = {
        name: value
        for name, value in form.cleaned_data.items()
        if name not in form.errors and value not in (None, "")
    }
    filters = selectors.OpportunityFilters(**values)
    shifts = selectors.shift_opportunities(filters=filters, profile=profile)
    try:
        page = Paginator(shifts, SHIFTS_PER_PAGE).page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404(_("No such page of shifts.")) from None
    return render(
        request,
        "volunteers/opportunities.html",
        {
            "form": form,
            "page_obj": page,
            "shifts": list(page),
            "profile": profile,
            "for_me": filters.for_me and profile is not None,
            "filtered": any(values.get(name) for name in form.fields if name != "for_me"),
            "recommendations": (
                shift_recommendations(profile, limit=3)
                if profile is not None and page.number == 1
                else None
            ),
        },
    )


def shift_detail(request, shift_id: int):
    profile = _profile(request.user)
    try:
        shift = selectors.shift_for_page(shift_id=shift_id, profile=profile)
    except Shift.DoesNotExist:
        raise Http404(_("No shift has this address.")) from None
    now = timezone.now()
    signup = selectors.signup_of(shift=shift, profile=profile)
    if signup is not None:
        signup.shift = shift
    return render(
        request,
        "volunteers/shift_detail.html",
        {
            "shift": shift,
            "task": shift.task,
            "signup": signup,
            "cancellable": signup is not None and selectors.volunteer_may_cancel(signup, now=now),
            "profile": profile,
            "started": shift.starts_at <= now,
            "not_open_yet": shift.signup_opens_at is not None and now < shift.signup_opens_at,
            "is_full": shift.places_taken >= shift.capacity,
        },
    )


@require_POST
@rate_limited("shift_signup")
def shift_signup(request, shift_id: int):
    shift_url = reverse("volunteers:shift_detail", args=[shift_id])
    if not request.user.is_authenticated:
        return redirect_to_login(shift_url)
    shift = get_object_or_404(Shift, pk=shift_id, task__organization__verified_at__isnull=False)
    if _profile(request.user) is None:
        messages.info(request, _("Tell us a little about yourself first; then sign up."))
        return redirect(f"{reverse('volunteers:profile')}?{urlencode({'next': shift_url})}")
    try:
        signup = services.shift_signup_create(actor=request.user, shift=shift)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _signup_message(signup))
    return redirect(shift_url)


def _signup_message(signup: ShiftSignup) -> str:
    if signup.status == SignupStatus.CONFIRMED:
        return _("You are confirmed for this shift. Thank you!")
    if signup.status == SignupStatus.APPLIED:
        return _("You have applied; the coordinator will confirm your place.")
    position = selectors.signup_of(shift=signup.shift, profile=signup.volunteer).position
    return _(
        "The shift is full, so you are on the waitlist at position %(position)d. We will email "
        "you if a place opens up."
    ) % {"position": position}


@login_required
@require_POST
def signup_cancel(request, signup_id: int):
    signup = get_object_or_404(ShiftSignup, pk=signup_id, volunteer__user=request.user)
    try:
        services.shift_signup_cancel(actor=request.user, signup=signup)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect(_next_url(request) or reverse("volunteers:dashboard"))


def _next_url(request) -> str | None:
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


@login_required
@never_cache
def profile_edit(request):
    profile = _profile(request.user)
    form = VolunteerProfileForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_profile_save(actor=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Your volunteer profile is saved.")
                if profile
                else _("Welcome! You are now a volunteer. Find a shift that fits you."),
            )
            return redirect(_next_url(request) or reverse("volunteers:dashboard"))
    certificates = list(profile.certificates.all()) if profile else []
    return render(
        request,
        "volunteers/profile.html",
        {
            "form": form,
            "profile": profile,
            "certificates": certificates,
            "certificate_form": CertificateForm(),
            "next": _next_url(request) or "",
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def certificate_add(request):
    form = CertificateForm(request.POST)
    if form.is_valid():
        try:
            services.volunteer_certificate_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Certificate added."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect(reverse("volunteers:profile") + "#certificates")


@login_required
@require_POST
def certificate_remove(request, certificate_id: int):
    certificate = get_object_or_404(
        VolunteerCertificate, pk=certificate_id, profile__user=request.user
    )
    services.volunteer_certificate_remove(actor=request.user, certificate=certificate)
    messages.success(request, _("Certificate removed."))
    return redirect(reverse("volunteers:profile") + "#certificates")


@login_required
@never_cache
def dashboard(request):
    profile = _profile(request.user)
    if profile is None:
        messages.info(request, _("Create your volunteer profile to sign up for shifts."))
        return redirect("volunteers:profile")
    feed_path = reverse("volunteers:calendar_feed", args=[profile.calendar_token])
    feed_url = request.build_absolute_uri(feed_path)
    return render(
        request,
        "volunteers/dashboard.html",
        {
            "profile": profile,
            "shifts": selectors.volunteer_shifts(profile=profile),
            "service_record": selectors.volunteer_service_record(profile),
            "recommendations": shift_recommendations(profile, limit=5),
            "feed_url": feed_url,
            "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
        },
    )


@login_required
@require_POST
def calendar_reset(request):
    try:
        services.volunteer_calendar_token_reset(actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _(
                "Your calendar has a new address. Subscribe to it again; the old one no longer works."
            ),
        )
    return redirect(reverse("volunteers:dashboard") + "#calendar")


@never_cache
def calendar_feed(request, token: str):
    """The private feed: whoever has the address may read it, so it reveals only the owner's
    own shifts and nothing about other volunteers."""
    try:
        signups = selectors.calendar_signups(token=token)
    except VolunteerProfile.DoesNotExist:
        raise Http404(_("No calendar has this address.")) from None
    calendar = signups_calendar(
        signups=signups,
        domain=request.get_host().split(":")[0],
        shift_url=lambda shift: request.build_absolute_uri(
            reverse("volunteers:shift_detail", args=[shift.pk])
        ),
    )
    response = HttpResponse(calendar, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="shanxin-shifts.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
