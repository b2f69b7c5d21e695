"""Service certificates (志愿服务证明): issuing one for an organization's approved hours over a
period, revoking it, and its PDF.

The fields follow the 2021 rules on volunteer service records and certificates (志愿服务记录与证明
出具办法): the volunteer's name and number, the service content, the hours, the period, the issuing
organization and its contact, the certificate number and date; plus a verification code.
"""

import datetime
import io
import secrets

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from charity.models import Organization, User
from charity.permissions import can, require

from .exceptions import VolunteerError
from .models import ServiceCertificate, ShiftSignup, SignupStatus, VolunteerProfile
from .services import PLATFORM_ZONE, _require_person

MAX_CONTENT_LENGTH = 1000


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=PLATFORM_ZONE)


def _certificate_number(now: datetime.datetime) -> str:
    # Random rather than sequential, like volunteer numbers: it must not reveal how many
    # certificates an organization gives. The unique constraint catches the rare collision.
    return f"SC{now.astimezone(PLATFORM_ZONE):%Y}{secrets.randbelow(10**10):010d}"


def certificate_signups(*, volunteer: VolunteerProfile, organization: Organization, start, end):
    """Completed sign-ups with approved hours on the organization's shifts that started on a day
    from `start` to `end` (inclusive, platform time)."""
    return ShiftSignup.objects.filter(
        volunteer=volunteer,
        status=SignupStatus.COMPLETED,
        approved_minutes__isnull=False,
        shift__task__organization=organization,
        shift__starts_at__gte=_day_start(start),
        shift__starts_at__lt=_day_start(end + datetime.timedelta(days=1)),
    )


@transaction.atomic
def service_certificate_issue(
    *,
    actor: User,
    volunteer: VolunteerProfile,
    organization: Organization,
    period_start: datetime.date,
    period_end: datetime.date,
) -> ServiceCertificate:
    """The volunteer (or a coordinator of the organization) issues a certificate of the
    volunteer's approved hours with the organization from `period_start` to `period_end`.

    Asking again for the same period and hours returns the certificate already issued.
    """
    _require_person(actor)
    if volunteer.user_id != actor.pk and not can(actor, "shift.manage", organization):
        raise PermissionDenied(_("Only the volunteer or the organization's coordinators can."))
    today = timezone.now().astimezone(PLATFORM_ZONE).date()
    if period_end < period_start:
        raise VolunteerError(
            {
                "period_end": VolunteerError(
                    _("The period must end on or after its first day."), code="period"
                )
            }
        )
    if period_end > today:
        raise VolunteerError(
            {"period_end": VolunteerError(_("The period cannot end in the future."), code="period")}
        )
    signups = certificate_signups(
        volunteer=volunteer, organization=organization, start=period_start, end=period_end
    )
    minutes = signups.aggregate(total=Sum("approved_minutes"))["total"] or 0
    if not minutes:
        raise VolunteerError(
            _("%(org)s has approved no hours of yours in this period.")
            % {"org": organization.name},
            code="no_hours",
        )
    existing = ServiceCertificate.objects.filter(
        volunteer=volunteer,
        organization=organization,
        period_start=period_start,
        period_end=period_end,
        minutes=minutes,
        revoked_at__isnull=True,
    ).first()
    if existing is not None:
        return existing
    titles = list(
        dict.fromkeys(
            signups.order_by("shift__starts_at").values_list("shift__task__title", flat=True)
        )
    )
    now = timezone.now()
    user = volunteer.user
    certificate = ServiceCertificate(
        volunteer=volunteer,
        organization=organization,
        number=_certificate_number(now),
        volunteer_name=(user.display_name or user.get_full_name() or user.public_name)[:80],
        period_start=period_start,
        period_end=period_end,
        minutes=minutes,
        service_content="; ".join(titles)[:MAX_CONTENT_LENGTH],
        issued_at=now,
        issued_by=actor,
    )
    certificate.full_clean()
    certificate.save()
    return certificate


@transaction.atomic
def service_certificate_revoke(
    *, actor: User, certificate: ServiceCertificate, reason: str
) -> ServiceCertificate:
    """The organization's owner withdraws a certificate; its public page then says so. No-op if
    revoked already."""
    certificate = ServiceCertificate.objects.select_for_update().get(pk=certificate.pk)
    require(actor, "certificate.revoke", certificate.organization)
    if certificate.is_revoked:
        return certificate
    reason = reason.strip()
    if not reason:
        raise VolunteerError(
            {
                "reason": VolunteerError(
                    _("Say why the certificate is revoked."), code="reason_missing"
                )
            }
        )
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = actor
    certificate.revoke_reason = reason[:200]
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return certificate


# --- The PDF ------------------------------------------------------------------------------------


def hours_text(minutes: int) -> str:
    """150 → "2 hours 30 minutes", in the active language."""
    hours, rest = divmod(minutes, 60)
    if rest:
        return _("%(hours)d hours %(minutes)d minutes") % {"hours": hours, "minutes": rest}
    return _("%(hours)d hours") % {"hours": hours}


def certificate_pdf(certificate: ServiceCertificate, *, verify_url: str, language: str) -> bytes:
    """An A4 PDF of the certificate in `language`, with the verification QR code."""
    from fpdf import FPDF

    organization = certificate.organization
    with translation.override(language):
        pdf = FPDF(format="A4")
        pdf.set_title(_("Volunteer service certificate") + f" {certificate.number}")
        pdf.set_auto_page_break(False)
        pdf.add_page()
        pdf.add_font("cjk", fname=settings.CERTIFICATE_FONT, collection_font_number=_font_index())
        pdf.set_draw_color(15, 94, 99)
        pdf.set_line_width(1.2)
        pdf.rect(12, 12, 186, 273)
        pdf.set_line_width(0.3)
        pdf.rect(15, 15, 180, 267)

        pdf.set_font("cjk", size=26)
        pdf.set_text_color(15, 94, 99)
        pdf.set_y(32)
        pdf.cell(
            0, 14, _("Volunteer service certificate"), align="C", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_font("cjk", size=11)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(
            0,
            8,
            _("Certificate no. %(number)s") % {"number": certificate.number},
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )

        period = f"{certificate.period_start:%Y-%m-%d} – {certificate.period_end:%Y-%m-%d}"
        rows = [
            (_("Name"), certificate.volunteer_name),
            (_("Volunteer number"), certificate.volunteer.volunteer_number),
            (_("Service period"), period),
            (_("Hours of service"), hours_text(certificate.minutes)),
            (_("Service content"), certificate.service_content),
            (_("Issuing organization"), organization.name),
            (_("Unified social credit code"), organization.credit_code),
            (
                _("Contact"),
                " · ".join(
                    part
                    for part in (
                        organization.contact_phone,
                        organization.contact_email,
                        organization.address,
                    )
                    if part
                ),
            ),
            (_("Date of issue"), f"{certificate.issued_at.astimezone(PLATFORM_ZONE):%Y-%m-%d}"),
        ]
        pdf.set_y(70)
        for label, value in rows:
            y = pdf.get_y()
            pdf.set_x(28)
            pdf.set_font("cjk", size=11)
            pdf.set_text_color(100, 100, 100)
            pdf.cell(42, 9, label)
            pdf.set_xy(72, y)
            pdf.set_font("cjk", size=12)
            pdf.set_text_color(20, 20, 20)
            pdf.multi_cell(110, 9, value, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_draw_color(220, 220, 220)
            pdf.line(28, pdf.get_y() + 1, 182, pdf.get_y() + 1)
            pdf.set_y(pdf.get_y() + 3)

        statement = _(
            "%(org)s certifies that the volunteer above served with it as stated, according to "
            "its service records."
        ) % {"org": organization.name}
        pdf.set_y(max(pdf.get_y() + 6, 200))
        pdf.set_x(28)
        pdf.set_font("cjk", size=11)
        pdf.set_text_color(20, 20, 20)
        pdf.multi_cell(154, 7, statement, align="L", new_x="LMARGIN", new_y="NEXT")

        qr = io.BytesIO()
        segno.make(verify_url, error="m").save(qr, kind="png", scale=8, border=2)
        qr.seek(0)
        pdf.image(qr, x=28, y=232, w=36, h=36)
        pdf.set_xy(70, 238)
        pdf.set_font("cjk", size=10)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(
            112,
            6,
            align="L",
            text=_(
                "Verify this certificate by scanning the code or at %(url)s (verification code %(code)s)."
            )
            % {"url": verify_url, "code": certificate.verification_code},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        return bytes(pdf.output())


def _font_index() -> int:
    return settings.CERTIFICATE_FONT_INDEX if settings.CERTIFICATE_FONT.endswith(".ttc") else 0
