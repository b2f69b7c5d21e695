import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from charity import services
from charity.exceptions import CharityError
from charity.models import Invitation, Membership, Organization, Role
from tests.factories import UserFactory, valid_credit_code

pytestmark = pytest.mark.django_db


def register(actor, **overrides):
    fields = {
        "name": "Green Valley Relief",
        "slug": "green-valley",
        "credit_code": valid_credit_code(4242),
        "contact_email": "info@greenvalley.example.org",
    }
    fields.update(overrides)
    return services.organization_register(actor=actor, **fields)


def test_registering_makes_the_registrant_owner_of_an_unverified_organization():
    user = UserFactory()
    organization = register(user)
    assert not organization.is_verified
    assert Membership.objects.get(organization=organization).user == user
    assert Membership.objects.get(organization=organization).role == Role.OWNER


def test_a_bad_credit_code_is_refused_and_nothing_is_stored():
    user = UserFactory()
    code = valid_credit_code(4242)
    wrong_check = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ValidationError) as raised:
        register(user, credit_code=wrong_check)
    assert "credit_code" in raised.value.message_dict
    assert not Organization.objects.exists()
    assert not Membership.objects.exists()


def test_public_fundraising_needs_a_certificate_number():
    with pytest.raises(ValidationError) as raised:
        register(UserFactory(), has_public_fundraising=True)
    assert "public_fundraising_certificate" in raised.value.message_dict
    assert not Organization.objects.exists()


def test_the_same_credit_code_cannot_register_twice():
    register(UserFactory())
    with pytest.raises(ValidationError):
        register(UserFactory(), slug="another")
    assert Organization.objects.count() == 1


def test_unverified_email_cannot_register_an_organization():
    with pytest.raises(PermissionDenied):
        register(UserFactory(verified=False))
    assert not Organization.objects.exists()


def test_only_platform_admins_verify(platform_admin):
    owner = UserFactory()
    organization = register(owner)
    with pytest.raises(PermissionDenied):
        services.organization_verify(actor=owner, organization=organization)
    organization.refresh_from_db()
    assert not organization.is_verified
    services.organization_verify(actor=platform_admin, organization=organization)
    organization.refresh_from_db()
    assert organization.is_verified
    assert organization.verified_by == platform_admin


def test_duplicate_membership_is_refused_and_changes_nothing(organization, owner, member_of):
    editor = member_of(organization, Role.EDITOR)
    with pytest.raises(CharityError) as raised:
        services.membership_create(
            actor=owner, organization=organization, user=editor, role=Role.FINANCE
        )
    assert raised.value.code == "duplicate_membership"
    assert Membership.objects.get(user=editor, organization=organization).role == Role.EDITOR


def test_only_owners_manage_members(organization, member_of):
    finance = member_of(organization, Role.FINANCE)
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            actor=finance, organization=organization, email="x@example.org", role=Role.EDITOR
        )
    assert not Invitation.objects.exists()


def test_the_last_owner_can_be_neither_demoted_nor_removed(organization, owner):
    membership = Membership.objects.get(user=owner)
    with pytest.raises(CharityError):
        services.membership_change_role(actor=owner, membership=membership, role=Role.EDITOR)
    with pytest.raises(CharityError):
        services.membership_remove(actor=owner, membership=membership)
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_an_owner_can_step_down_once_there_is_another(organization, owner, member_of):
    member_of(organization, Role.OWNER)
    membership = Membership.objects.get(user=owner)
    services.membership_change_role(actor=owner, membership=membership, role=Role.FINANCE)
    membership.refresh_from_db()
    assert membership.role == Role.FINANCE


class TestInvitations:
    def test_invitation_is_emailed_with_a_working_link(
        self, organization, owner, client, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invitation_create(
                actor=owner,
                organization=organization,
                email="New.Editor@Example.org",
                role=Role.EDITOR,
            )
        invitation.refresh_from_db()
        assert invitation.email == "new.editor@example.org"
        assert invitation.sent_at is not None
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["new.editor@example.org"]
        assert organization.name in message.subject
        assert f"/invitations/{invitation.token}/" in message.body

        invitee = UserFactory(email="new.editor@example.org")
        client.force_login(invitee)
        response = client.post(f"/en/invitations/{invitation.token}/")
        assert response.status_code == 302
        assert Membership.objects.get(user=invitee, organization=organization).role == Role.EDITOR

    def test_inviting_an_existing_member_is_refused_and_sends_nothing(
        self, organization, owner, member_of
    ):
        editor = member_of(organization, Role.EDITOR)
        with pytest.raises(CharityError) as raised:
            services.invitation_create(
                actor=owner,
                organization=organization,
                email=editor.email.upper(),
                role=Role.FINANCE,
            )
        assert raised.value.code == "already_member"
        assert not Invitation.objects.exists()
        assert mail.outbox == []

    def test_a_second_open_invitation_to_the_same_address_is_refused(self, organization, owner):
        services.invitation_create(
            actor=owner, organization=organization, email="a@example.org", role=Role.EDITOR
        )
        with pytest.raises(CharityError) as raised:
            services.invitation_create(
                actor=owner, organization=organization, email="A@example.org", role=Role.FINANCE
            )
        assert raised.value.code == "invitation_exists"
        assert Invitation.objects.count() == 1

    def test_an_expired_invitation_can_be_renewed_but_not_accepted(self, organization, owner):
        old = services.invitation_create(
            actor=owner, organization=organization, email="a@example.org", role=Role.EDITOR
        )
        Invitation.objects.filter(pk=old.pk).update(
            expires_at=timezone.now() - datetime.timedelta(days=1)
        )
        invitee = UserFactory(email="a@example.org")
        with pytest.raises(CharityError) as raised:
            services.invitation_accept(user=invitee, token=old.token)
        assert raised.value.code == "invitation_closed"
        renewed = services.invitation_create(
            actor=owner, organization=organization, email="a@example.org", role=Role.EDITOR
        )
        assert renewed.pk != old.pk
        services.invitation_accept(user=invitee, token=renewed.token)
        assert Membership.objects.filter(user=invitee, organization=organization).exists()

    def test_someone_else_cannot_accept_an_invitation(self, organization, owner):
        invitation = services.invitation_create(
            actor=owner, organization=organization, email="a@example.org", role=Role.FINANCE
        )
        intruder = UserFactory(email="b@example.org")
        with pytest.raises(CharityError) as raised:
            services.invitation_accept(user=intruder, token=invitation.token)
        assert raised.value.code == "invitation_wrong_user"
        assert not Membership.objects.filter(user=intruder).exists()

    def test_the_invitee_must_have_verified_the_address(self, organization, owner):
        invitation = services.invitation_create(
            actor=owner, organization=organization, email="a@example.org", role=Role.FINANCE
        )
        unverified = UserFactory(email="a@example.org", verified=False)
        with pytest.raises(CharityError):
            services.invitation_accept(user=unverified, token=invitation.token)
        assert not Membership.objects.filter(user=unverified).exists()

    def test_a_revoked_invitation_is_not_sent_and_cannot_be_accepted(self, organization, owner):
        invitation = services.invitation_create(
            actor=owner, organization=organization, email="a@example.org", role=Role.EDITOR
        )
        services.invitation_revoke(actor=owner, invitation=invitation)
        assert services.invitation_send(invitation_id=invitation.pk) is False
        with pytest.raises(CharityError):
            services.invitation_accept(
                user=UserFactory(email="a@example.org"), token=invitation.token
            )

    def test_the_email_is_in_the_inviters_language(
        self, organization, owner, client, django_capture_on_commit_callbacks
    ):
        client.force_login(owner)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                f"/zh-hans/orgs/{organization.slug}/members/",
                {"email": "zh@example.org", "role": Role.FINANCE},
            )
        invitation = Invitation.objects.get(email="zh@example.org")
        assert invitation.language == "zh-hans"
        assert f"/zh-hans/invitations/{invitation.token}/" in mail.outbox[0].body
        assert "财务" in mail.outbox[0].body
