import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import translation

from charity.models import Role
from charity.permissions import ACTIONS, can, require
from tests.factories import OrganizationFactory, UserFactory

# The expected matrix, written out by hand so that a change to the rules shows up here.
EXPECTED = {
    Role.OWNER: set(ACTIONS),
    Role.FINANCE: {
        "organization.view_dashboard",
        "membership.view",
        "project.edit",
        "donation.view",
        "donation.record",
        "donation.refund",
        "expenditure.create",
        "expenditure.approve",
        "report.publish",
    },
    Role.COORDINATOR: {
        "organization.view_dashboard",
        "membership.view",
        "shift.manage",
        "volunteer.view_contact",
    },
    Role.EDITOR: {
        "organization.view_dashboard",
        "membership.view",
        "page.edit",
        "project.edit",
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_holds_exactly_its_actions(organization, member_of, role):
    user = member_of(organization, role)
    allowed = {action for action in ACTIONS if can(user, action, organization)}
    assert allowed == EXPECTED[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_a_role_in_one_organization_gives_nothing_in_another(
    organization, other_organization, member_of, role
):
    user = member_of(organization, role)
    assert not any(can(user, action, other_organization) for action in ACTIONS)


@pytest.mark.django_db
def test_outsiders_and_anonymous_visitors_can_do_nothing(organization):
    outsider = UserFactory()
    for user in (outsider, AnonymousUser(), None):
        assert not any(can(user, action, organization) for action in ACTIONS)


@pytest.mark.django_db
def test_staff_without_verified_email_can_do_nothing(organization, member_of):
    owner = member_of(organization, Role.OWNER, verified=False)
    assert not any(can(owner, action, organization) for action in ACTIONS)
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    owner._shanxin_email_verified = None  # a new request re-reads
    assert can(owner, "membership.manage", organization)


@pytest.mark.django_db
def test_deactivated_members_can_do_nothing(organization, member_of):
    owner = member_of(organization, Role.OWNER)
    owner.is_active = False
    assert not any(can(owner, action, organization) for action in ACTIONS)


@pytest.mark.django_db
def test_unverified_organization_cannot_publish_or_take_money(member_of):
    unverified = OrganizationFactory(unverified=True)
    owner = member_of(unverified, Role.OWNER)
    for action in ("page.publish", "project.publish", "donation.record", "expenditure.create"):
        assert not can(owner, action, unverified), action
    # Preparing is fine: the organization gets ready while it waits for verification.
    assert can(owner, "page.edit", unverified)
    assert can(owner, "membership.manage", unverified)
    with translation.override("en"), pytest.raises(PermissionDenied, match="not verified"):
        require(owner, "project.publish", unverified)


@pytest.mark.django_db
def test_platform_admin_acts_for_verified_organizations(organization, platform_admin):
    assert all(can(platform_admin, action, organization) for action in ACTIONS)


@pytest.mark.django_db
def test_an_unknown_action_is_a_programming_error(organization, owner):
    with pytest.raises(ValueError, match="Unknown organization action"):
        can(owner, "expenditure.aprove", organization)


@pytest.mark.django_db
def test_require_explains_a_missing_role(organization, member_of):
    editor = member_of(organization, Role.EDITOR)
    with translation.override("en"), pytest.raises(PermissionDenied, match="role"):
        require(editor, "donation.refund", organization)
