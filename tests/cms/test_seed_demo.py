import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import models
from wagtail.models import Page, Site

from charity.models import Membership, Organization, Role, User
from charity.permissions import can

pytestmark = pytest.mark.django_db

OUR_APPS = ("charity", "volunteers", "cms", "wagtailcore", "wagtailimages", "account")


def snapshot() -> dict:
    """Every row of every model of our apps (and the page tree and addresses), serialized."""
    return {
        model._meta.label: serializers.serialize("json", model.objects.order_by("pk"))
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS
    }


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first


def test_seed_demo_creates_verified_organizations_and_one_user_per_role(capsys):
    call_command("seed_demo")
    output = capsys.readouterr().out
    verified = Organization.objects.filter(verified_at__isnull=False)
    assert verified.count() >= 2
    assert Organization.objects.filter(verified_at__isnull=True).exists()  # shows the pending state
    organization = verified.first()
    for role in Role:
        member = Membership.objects.filter(organization=organization, role=role).first()
        assert member is not None, role
        assert member.user.email in output
    assert User.objects.filter(is_superuser=True).exists()
    assert "shanxin-demo-2026" in output
    # The demo accounts are usable at once: verified addresses, working roles.
    owner = Membership.objects.get(organization=organization, role=Role.OWNER).user
    assert EmailAddress.objects.get(user=owner).verified
    assert can(owner, "membership.manage", organization)
    assert owner.check_password("shanxin-demo-2026")


def test_seed_demo_publishes_the_home_page_in_both_languages(client):
    call_command("seed_demo")
    site = Site.objects.get(is_default_site=True)
    assert {
        page.locale.language_code for page in site.root_page.get_translations(inclusive=True)
    } == {"zh-hans", "en"}
    assert not Page.objects.filter(title__startswith="Welcome to your new Wagtail site").exists()
    chinese = client.get("/zh-hans/")
    english = client.get("/en/")
    assert chinese.status_code == english.status_code == 200
    assert "每一份善意" in chinese.content.decode()
    assert "Every act of kindness" in english.content.decode()
    assert '<html lang="zh-hans"' in chinese.content.decode()
    assert '<html lang="en"' in english.content.decode()


def test_seed_demo_shows_service_records_and_certificates(client):
    from volunteers.models import ServiceCertificate, ShiftSignup, SignupStatus
    from volunteers.selectors import approved_volunteer_minutes

    call_command("seed_demo")
    assert approved_volunteer_minutes() > 0
    assert ShiftSignup.objects.filter(status=SignupStatus.NO_SHOW).exists()
    assert ShiftSignup.objects.exclude(hours_note="").exists()  # adjusted hours, with the reason
    # A shift under way, for the roster: someone is checked in and not yet completed.
    assert ShiftSignup.objects.filter(
        status=SignupStatus.CONFIRMED, checked_in_at__isnull=False
    ).exists()
    valid = ServiceCertificate.objects.get(revoked_at__isnull=True)
    revoked = ServiceCertificate.objects.get(revoked_at__isnull=False)
    page = client.get(f"/en/certificates/verify/{valid.verification_code}/").content.decode()
    assert "This certificate is valid" in page and valid.masked_name in page
    page = client.get(f"/en/certificates/verify/{revoked.verification_code}/").content.decode()
    assert "has been revoked" in page


def test_seed_demo_shows_volunteering(client):
    from volunteers.models import ReliefTask, Shift, ShiftSignup, VolunteerProfile

    call_command("seed_demo")
    assert VolunteerProfile.objects.count() >= 20
    tasks = ReliefTask.objects.all()
    assert len({task.district for task in tasks}) >= 5
    assert {task.urgency for task in tasks} == {"normal", "high", "critical"}
    assert tasks.filter(project__isnull=False).exists()
    shifts = Shift.objects.all()
    assert shifts.filter(requires_approval=True).exists()
    assert shifts.filter(places_taken=models.F("capacity")).exists()
    statuses = set(ShiftSignup.objects.values_list("status", flat=True))
    assert {"confirmed", "waitlisted", "applied"} <= statuses
    demo = User.objects.get(email="volunteer@shanxin.example")
    assert demo.check_password("shanxin-demo-2026")
    assert {"confirmed", "waitlisted", "applied"} <= set(
        demo.volunteer_profile.signups.values_list("status", flat=True)
    )
    client.force_login(demo)
    assert client.get("/zh-hans/volunteer/me/").status_code == 200
    assert client.get("/zh-hans/volunteer/").context["page_obj"].paginator.count >= 40


def test_seed_demo_publishes_an_annual_report_per_organization_one_with_a_flagged_ratio(client):
    from django.utils import timezone

    from charity.models import TransparencyReport
    from cms.models import TransparencyReportPage

    call_command("seed_demo")
    last = timezone.localdate().year - 1
    reports = TransparencyReport.objects.filter(status="published", period_kind="year")
    verified = Organization.objects.filter(verified_at__isnull=False)
    assert sorted(r.organization_id for r in reports) == sorted(o.pk for o in verified)
    flagged = {}
    for report in reports:
        assert report.period_start.year == last
        flagged[report.organization.slug] = [
            ratio["key"] for ratio in report.figures["ratios"] if ratio["ok"] is False
        ]
        assert report.figures["totals"][0]["spending"] > 0
    # Honest figures: the foundation is within bounds; the small centre (a social service agency,
    # by its credit code) spent on its programmes less than 8% of what it held at the start of
    # the year, and less than half of last year's income.
    assert flagged == {
        "sunshine-community": [],
        "mountain-children": ["program", "program_income"],
    }
    for page in TransparencyReportPage.objects.live():
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        assert response.content.decode().count("<svg") >= 4
    assert {p.locale.language_code for p in TransparencyReportPage.objects.live()} == {
        "zh-hans",
        "en",
    }
