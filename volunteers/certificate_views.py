"""Service certificates: the volunteer's list and issuing form, the printable page and PDF (for
the volunteer and the issuing organization's coordinators and owner), revoking, and the public
verification page, which shows only the masked name, hours, organization and date.
"""

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Min
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from charity.models import Organization
from charity.permissions import can

from .certificates import certificate_pdf, service_certificate_issue, service_certificate_revoke
from .models import ServiceCertificate, ShiftSignup, SignupStatus, VolunteerProfile
from .selectors import volunteer_service_record
from .services import PLATFORM_ZONE


class IssueForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Organization"), queryset=Organization.objects.none()
    )
    period_start = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    period_end = forms.DateField(
        label=gettext_lazy("Until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, profile, **kwargs):
        super().__init__(*args, **kwargs)
        served = ShiftSignup.objects.filter(
            volunteer=profile, status=SignupStatus.COMPLETED
        ).values("shift__task__organization")
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=served)


def _profile_or_none(user) -> VolunteerProfile | None:
    return VolunteerProfile.objects.filter(user=user).select_related("user").first()


@login_required
@never_cache
def my_certificates(request):
    profile = _profile_or_none(request.user)
    form = None
    if profile is not None:
        first = ShiftSignup.objects.filter(
            volunteer=profile, status=SignupStatus.COMPLETED
        ).aggregate(first=Min("shift__starts_at"))["first"]
        today = timezone.now().astimezone(PLATFORM_ZONE).date()
        initial = {
            "period_start": first.astimezone(PLATFORM_ZONE).date() if first else today,
            "period_end": today,
        }
        form = IssueForm(request.POST or None, profile=profile, initial=initial)
        if len(form.fields["organization"].queryset) == 1:
            form.fields["organization"].initial = form.fields["organization"].queryset[0]
        if request.method == "POST" and form.is_valid():
            try:
                certificate = service_certificate_issue(
                    actor=request.user, volunteer=profile, **form.cleaned_data
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error.messages)
            else:
                messages.success(request, _("Your certificate is ready."))
                return redirect("volunteers:certificate_detail", certificate.pk)
    return render(
        request,
        "volunteers/my_certificates.html",
        {
            "profile": profile,
            "form": form,
            "record": volunteer_service_record(profile) if profile else None,
        },
    )


def _certificate_for(request, pk) -> ServiceCertificate:
    """The certificate if the user is its volunteer or manages the issuing organization's
    volunteers; else 404 (a certificate's existence is private)."""
    certificate = (
        ServiceCertificate.objects.select_related("organization", "volunteer__user")
        .filter(pk=pk)
        .first()
    )
    if certificate is None:
        raise Http404
    user, organization = request.user, certificate.organization
    if not (
        certificate.volunteer.user_id == user.pk
        or can(user, "shift.manage", organization)
        or can(user, "certificate.revoke", organization)
    ):
        raise Http404
    return certificate


def _verify_url(request, certificate) -> str:
    return request.build_absolute_uri(
        reverse("volunteers:certificate_verify", args=[certificate.verification_code])
    )


@login_required
@never_cache
def certificate_detail(request, pk):
    certificate = _certificate_for(request, pk)
    verify_url = _verify_url(request, certificate)
    return render(
        request,
        "volunteers/certificate_detail.html",
        {
            "certificate": certificate,
            "organization": certificate.organization,
            "verify_url": verify_url,
            "qr_svg": segno.make(verify_url, error="m").svg_inline(scale=3),
            "can_revoke": can(request.user, "certificate.revoke", certificate.organization),
        },
    )


@login_required
@never_cache
def certificate_pdf_download(request, pk):
    certificate = _certificate_for(request, pk)
    content = certificate_pdf(
        certificate,
        verify_url=_verify_url(request, certificate),
        language=translation.get_language(),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    return response


@login_required
@require_POST
def certificate_revoke(request, pk):
    certificate = _certificate_for(request, pk)
    try:
        service_certificate_revoke(
            actor=request.user, certificate=certificate, reason=request.POST.get("reason", "")
        )
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, _("The certificate is revoked; its public page says so."))
    return redirect("volunteers:certificate_detail", certificate.pk)


def certificate_verify(request, code):
    """Public: anyone holding the code sees that the certificate exists, masked."""
    certificate = (
        ServiceCertificate.objects.select_related("organization")
        .filter(verification_code=code.strip().upper())
        .first()
    )
    if certificate is None:
        return render(
            request, "volunteers/certificate_verify.html", {"certificate": None}, status=404
        )
    return render(
        request,
        "volunteers/certificate_verify.html",
        {
            "certificate": certificate,
            "issued_on": certificate.issued_at.astimezone(PLATFORM_ZONE).date(),
            "revoked_on": (
                certificate.revoked_at.astimezone(PLATFORM_ZONE).date()
                if certificate.revoked_at
                else None
            ),
        },
    )
