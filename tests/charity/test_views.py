import pytest
from django.utils import translation

from charity.models import Invitation, Membership, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def members_url(organization):
    return f"/en/orgs/{organization.slug}/members/"


def test_members_page_needs_login(client, organization):
    response = client.get(members_url(organization))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_outsiders_and_other_organizations_owners_get_403(
    client, organization, other_organization, member_of
):
    for user in (UserFactory(), member_of(other_organization, Role.OWNER)):
        client.force_login(user)
        assert client.get(members_url(organization)).status_code == 403
        response = client.post(
            members_url(organization), {"email": "x@example.org", "role": "editor"}
        )
        assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_members_see_the_list_but_only_owners_can_invite(client, organization, owner, member_of):
    editor = member_of(organization, Role.EDITOR)
    client.force_login(editor)
    response = client.get(members_url(organization))
    assert response.status_code == 200
    assert owner.email in response.content.decode()
    assert response.context["form"] is None
    assert (
        client.post(
            members_url(organization), {"email": "x@example.org", "role": "editor"}
        ).status_code
        == 403
    )


def test_owner_invites_from_the_members_page(client, organization, owner):
    client.force_login(owner)
    response = client.post(
        members_url(organization), {"email": "new@example.org", "role": "finance"}, follow=True
    )
    assert response.status_code == 200
    assert Invitation.objects.get(email="new@example.org").role == Role.FINANCE
    assert "new@example.org" in response.content.decode()


def test_inviting_a_member_shows_the_error_on_the_form(client, organization, owner, member_of):
    editor = member_of(organization, Role.EDITOR)
    client.force_login(owner)
    response = client.post(members_url(organization), {"email": editor.email, "role": "finance"})
    assert response.status_code == 200
    with translation.override("en"):
        assert "already a member" in " ".join(response.context["form"].errors["email"])
    assert not Invitation.objects.exists()


def test_unknown_organization_is_404(client, owner):
    client.force_login(owner)
    assert client.get("/en/orgs/no-such-org/members/").status_code == 404


def test_role_change_with_a_bogus_role_changes_nothing(client, organization, owner, member_of):
    editor = member_of(organization, Role.EDITOR)
    membership = Membership.objects.get(user=editor)
    client.force_login(owner)
    client.post(
        f"/en/orgs/{organization.slug}/members/{membership.pk}/role/", {"role": "superuser"}
    )
    membership.refresh_from_db()
    assert membership.role == Role.EDITOR


def test_owner_changes_a_role_and_removes_a_member(client, organization, owner, member_of):
    editor = member_of(organization, Role.EDITOR)
    membership = Membership.objects.get(user=editor)
    client.force_login(owner)
    client.post(f"/en/orgs/{organization.slug}/members/{membership.pk}/role/", {"role": "finance"})
    membership.refresh_from_db()
    assert membership.role == Role.FINANCE
    client.post(f"/en/orgs/{organization.slug}/members/{membership.pk}/remove/")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_membership_of_another_organization_is_404_through_this_one(
    client, organization, other_organization, owner, member_of
):
    theirs = Membership.objects.get(user=member_of(other_organization, Role.EDITOR))
    client.force_login(owner)
    response = client.post(f"/en/orgs/{organization.slug}/members/{theirs.pk}/remove/")
    assert response.status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_register_organization_form_reports_a_bad_credit_code(client):
    client.force_login(UserFactory())
    response = client.post(
        "/en/orgs/new/",
        {
            "name": "X",
            "slug": "x",
            "credit_code": "91350100M000100Y44",
            "contact_email": "x@example.org",
        },
    )
    assert response.status_code == 200
    with translation.override("en"):
        assert "check character" in " ".join(response.context["form"].errors["credit_code"])


def test_dashboard_lists_memberships_and_invitations(client, organization, owner):
    invitee = UserFactory(email="inv@example.org")
    Invitation.objects.create(
        organization=organization, email=invitee.email, role=Role.EDITOR, invited_by=owner
    )
    client.force_login(invitee)
    response = client.get("/en/me/")
    assert response.status_code == 200
    assert organization.name in response.content.decode()


def test_members_are_listed_owners_first(client, organization, owner, member_of):
    member_of(organization, Role.COORDINATOR, email="aaa@example.org")
    client.force_login(owner)
    members = list(client.get(members_url(organization)).context["members"])
    assert members[0].user == owner
