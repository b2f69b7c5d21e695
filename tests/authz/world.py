"""The objects and people the authorization matrix requests URLs with.

Organization A is verified by the real service (so its Wagtail workspace and groups exist as in
production) and holds one of everything; organization B is verified too and has only its owner, the
outsider who knows the admin well. Everything is built once per matrix run.
"""

import datetime
from dataclasses import dataclass, field

from django.test import TestCase
from django.utils import timezone
from wagtail.models import Locale

from charity import services as charity_services
from charity.models import DonationChannel, RecurringGiftStatus, Role, TestGatewayObject
from tests.cms.conftest import Site
from tests.factories import (
    DonationFactory,
    MembershipFactory,
    OrganizationFactory,
    RecurringGiftFactory,
    UserFactory,
)
from tests.volunteers.factories import ShiftFactory, VolunteerProfileFactory
from tests.volunteers.on_the_day import move
from volunteers import attendance, services_matching
from volunteers import services as volunteer_services
from volunteers.certificates import service_certificate_issue
from volunteers.models import AssignmentProposal, ProposedPlacement, SolverStatus

ANONYMOUS_DONOR_NAME = "王匿名"

ACTORS = (
    "anonymous",
    "donor",
    "volunteer",
    "a_owner",
    "a_finance",
    "a_coordinator",
    "a_editor",
    "b_owner",
    "platform_admin",
)


@dataclass
class World:
    users: dict = field(default_factory=dict)  # actor → user (anonymous: None)
    objects: dict = field(default_factory=dict)  # name → object of organization A


def _verify(organization, admin):
    """Verify through the service and run what it schedules on commit (the workspace sync)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        charity_services.organization_verify(actor=admin, organization=organization)


def build_world() -> World:
    world = World()
    o = world.objects
    Locale.objects.get_or_create(language_code="en")
    admin = UserFactory(is_staff=True, is_superuser=True)
    org_a = OrganizationFactory(unverified=True)
    org_b = OrganizationFactory(unverified=True)
    site = Site(org_a)
    people = {}
    for role in (Role.OWNER, Role.FINANCE, Role.COORDINATOR, Role.EDITOR):
        people[f"a_{role}"] = MembershipFactory(organization=org_a, role=role).user
    people["b_owner"] = MembershipFactory(organization=org_b, role=Role.OWNER).user
    # A second finance officer: the four-eyes rule needs one to enter and another to approve.
    clerk = MembershipFactory(organization=org_a, role=Role.FINANCE).user
    _verify(org_a, admin)
    _verify(org_b, admin)
    org_a.refresh_from_db()

    donor = UserFactory(display_name="王捐赠")
    volunteer_profile = VolunteerProfileFactory(user__display_name="孙悦")
    world.users = {
        "anonymous": None,
        "donor": donor,
        "volunteer": volunteer_profile.user,
        **people,
        "platform_admin": admin,
    }
    owner, finance, coordinator = people["a_owner"], people["a_finance"], people["a_coordinator"]

    # Money: a project with its page, a bank transfer that funds it, the donor's own gifts.
    page = site.add_project(title="A 的项目", organization=org_a)
    project = page.project
    o.update(org=org_a, org_b=org_b, project=project, project_page=page, site=site)
    o["org_page"] = site.org_page
    charity_services.donation_record_offline(
        actor=finance,
        organization=org_a,
        project=project,
        amount=500_000,
        currency="CNY",
        channel=DonationChannel.BANK_TRANSFER,
        received_at=timezone.now() - datetime.timedelta(days=5),
        donor_name="银行汇款人",
    )
    # The donor's gift is anonymous: its name (not the donor's account name) must never show.
    o["donation"] = DonationFactory(
        project=project,
        donor=donor,
        donor_name=ANONYMOUS_DONOR_NAME,
        is_anonymous=True,
        received=True,
    )
    o["monthly_gift"] = RecurringGiftFactory(
        project=project,
        donor=donor,
        donor_email=donor.email,
        status=RecurringGiftStatus.ACTIVE,
        stripe_subscription_id="sub_matrix_1",
    )
    TestGatewayObject.objects.create(
        id="sub_matrix_1",
        type="subscription",
        data={"id": "sub_matrix_1", "object": "subscription", "status": "active"},
    )
    o["checkout_session"] = charity_services.donation_checkout_start(
        project=project,
        amount=10_000,
        frequency="one_off",
        donor=donor,
        donor_name="王捐赠",
        donor_email=donor.email,
        is_anonymous=False,
        message="",
        language="zh-hans",
        success_url="http://testserver/thanks/{token}/",
        cancel_url="http://testserver/",
    ).donation.stripe_checkout_session_id
    o["monthly_donation"] = DonationFactory(
        project=project, donor=donor, recurring_gift=o["monthly_gift"], received=True
    )

    # Spending: a draft, and one entered, approved (four eyes) and published.
    def spend(purpose):
        return charity_services.expenditure_create(
            actor=clerk,
            organization=org_a,
            project=project,
            currency="CNY",
            amount=20_000,
            category="program",
            payee="成都粮油公司",
            purpose=purpose,
            spent_on=timezone.localdate() - datetime.timedelta(days=1),
        )

    o["draft_expenditure"] = spend("大米")
    published = spend("食用油")
    charity_services.expenditure_approve(actor=finance, expenditure=published)
    o["published_expenditure"] = charity_services.expenditure_publish(
        actor=finance, expenditure=published
    )

    # Disclosure: last year's annual report, published.
    report = charity_services.report_create(
        actor=finance,
        organization=org_a,
        period_kind="year",
        year=timezone.localdate().year - 1,
    )
    o["report"] = charity_services.report_publish(actor=clerk, report=report)

    # Volunteering: an upcoming shift the volunteer signed up for, one still open to them, one
    # that ended with the volunteer's hours awaiting approval, and one whose hours were approved
    # and certified.
    shift = ShiftFactory(task__organization=org_a, task__project=project)
    o["task"] = shift.task
    o["shift"] = shift
    o["signup"] = volunteer_services.shift_signup_create(actor=volunteer_profile.user, shift=shift)
    later = shift.starts_at + datetime.timedelta(days=2)
    past = ShiftFactory(
        task=shift.task, starts_at=later, ends_at=later + datetime.timedelta(hours=3)
    )
    past_signup = volunteer_services.shift_signup_create(actor=volunteer_profile.user, shift=past)
    move(past, starts_in=-datetime.timedelta(days=2), hours=3)
    attendance.signup_hours_approve(actor=coordinator, signup=past_signup)
    today = timezone.localdate()
    o["certificate"] = service_certificate_issue(
        actor=volunteer_profile.user,
        volunteer=volunteer_profile,
        organization=org_a,
        period_start=today - datetime.timedelta(days=10),
        period_end=today,
    )
    o["open_shift"] = ShiftFactory(
        task=shift.task,
        starts_at=later + datetime.timedelta(days=2),
        ends_at=later + datetime.timedelta(days=2, hours=3),
    )
    ended = ShiftFactory(
        task=shift.task,
        starts_at=later + datetime.timedelta(days=4),
        ends_at=later + datetime.timedelta(days=4, hours=3),
    )
    o["ended_signup"] = volunteer_services.shift_signup_create(
        actor=volunteer_profile.user, shift=ended
    )
    o["ended_shift"] = move(ended, starts_in=-datetime.timedelta(days=1), hours=3)
    o["past_shift"], o["past_signup"] = past, past_signup
    o["volunteer_number"] = volunteer_profile.volunteer_number
    o["check_in_token"] = attendance.shift_check_in_token(shift)
    o["calendar_token"] = volunteer_profile.calendar_token
    o["volunteer_certificate"] = volunteer_services.volunteer_certificate_add(
        actor=volunteer_profile.user, kind="first_aid", number="FA-MATRIX"
    )

    # Matching: a coordinator's proposal with one proposed placement.
    proposal = services_matching.assignment_proposal_request(
        actor=coordinator,
        organization=org_a,
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(days=7),
    )
    # As the solver leaves it (the task that solves it runs after commit, never here).
    AssignmentProposal.objects.filter(pk=proposal.pk).update(solver_status=SolverStatus.OPTIMAL)
    o["proposal"] = proposal
    o["placement"] = ProposedPlacement.objects.create(
        proposal=proposal, shift=shift, volunteer=volunteer_profile
    )

    # Organization: the editor's membership, a pending invitation.
    o["editor_membership"] = org_a.memberships.get(user=people["a_editor"])
    o["invitation"] = charity_services.invitation_create(
        actor=owner, organization=org_a, email="newcomer@example.org", role=Role.EDITOR
    )
    o["owner"] = owner
    return world
