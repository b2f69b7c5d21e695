"""The audit trail of charity's services: every change to an organization, its members, projects
and expenditures leaves one entry with who, what and the changed values, never personal data."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from charity import services
from charity.audit import CHANGED, SENSITIVE_FIELDS, audit_record, changes_between, snapshot
from charity.models import (
    AppendOnlyError,
    AuditAction,
    AuditEntry,
    AuditObjectType,
    DonationChannel,
    Membership,
    Role,
)
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, valid_credit_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def entries(action, **filters):
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("pk"))


def only(action, **filters):
    (entry,) = entries(action, **filters)
    return entry


# --- Organizations and members ------------------------------------------------------------------


def test_registering_records_the_organization_and_its_first_owner_without_contacts():
    founder = UserFactory()
    organization = services.organization_register(
        actor=founder,
        name="Sunshine Relief",
        slug="sunshine",
        credit_code=valid_credit_code(4242),
        contact_email="zhang.wei@example.org",
        contact_phone="13800138000",
        address="成都市武侯区人民南路 1 号",
    )
    created = only(AuditAction.ORGANIZATION_CREATE)
    assert created.organization == organization
    assert created.actor == founder
    assert created.object_type == AuditObjectType.ORGANIZATION
    assert created.object_id == organization.pk
    assert created.changes["name"] == [None, "Sunshine Relief"]
    assert created.changes["contact_email"] == CHANGED
    assert created.changes["contact_phone"] == CHANGED
    assert created.changes["address"] == CHANGED
    added = only(AuditAction.MEMBERSHIP_ADD)
    assert added.changes == {"user": [None, founder.pk], "role": [None, Role.OWNER]}
    stored = str(list(AuditEntry.objects.values()))
    assert "zhang.wei" not in stored and "13800138000" not in stored and "人民南路" not in stored


def test_updating_an_organization_records_only_what_changed(organization, owner):
    services.organization_update(
        actor=owner,
        organization=organization,
        name="Renamed Relief",
        contact_phone="13900139000",
        website="",
    )
    entry = only(AuditAction.ORGANIZATION_UPDATE)
    assert entry.actor == owner
    assert entry.changes == {
        "name": [organization.name, "Renamed Relief"],
        "contact_phone": CHANGED,
    }
    # Saving the same values again is no change at all.
    services.organization_update(actor=owner, organization=organization, name="Renamed Relief")
    assert len(entries(AuditAction.ORGANIZATION_UPDATE)) == 1


def test_an_editor_cannot_update_the_organization_and_nothing_is_recorded(organization, member_of):
    from django.core.exceptions import PermissionDenied

    editor = member_of(organization, Role.EDITOR)
    with pytest.raises(PermissionDenied):
        services.organization_update(actor=editor, organization=organization, name="Mine now")
    assert not AuditEntry.objects.exists()


def test_verification_and_its_withdrawal_are_recorded_with_the_platform_admin(platform_admin):
    organization = MembershipFactory(
        role=Role.OWNER, organization__verified_at=None, organization__verified_by=None
    ).organization
    services.organization_verify(actor=platform_admin, organization=organization)
    services.organization_verify(actor=platform_admin, organization=organization)  # no-op
    services.organization_unverify(actor=platform_admin, organization=organization)
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == [
        AuditAction.ORGANIZATION_VERIFY,
        AuditAction.ORGANIZATION_UNVERIFY,
    ]
    assert {e.actor for e in AuditEntry.objects.all()} == {platform_admin}


def test_membership_add_role_change_and_removal(organization, owner):
    colleague = UserFactory()
    membership = services.membership_create(
        actor=owner, organization=organization, user=colleague, role=Role.EDITOR
    )
    services.membership_change_role(actor=owner, membership=membership, role=Role.FINANCE)
    services.membership_remove(actor=owner, membership=membership)
    added, changed, removed = AuditEntry.objects.filter(
        object_type=AuditObjectType.MEMBERSHIP
    ).order_by("pk")
    assert (added.action, added.changes) == (
        AuditAction.MEMBERSHIP_ADD,
        {"user": [None, colleague.pk], "role": [None, Role.EDITOR]},
    )
    assert (changed.action, changed.changes) == (
        AuditAction.MEMBERSHIP_CHANGE_ROLE,
        {"role": [Role.EDITOR, Role.FINANCE]},
    )
    assert (removed.action, removed.changes) == (
        AuditAction.MEMBERSHIP_REMOVE,
        {"user": [colleague.pk, None], "role": [Role.FINANCE, None]},
    )
    assert {added.object_id, changed.object_id, removed.object_id} == {membership.pk}
    assert {e.actor for e in (added, changed, removed)} == {owner}
    # The member is an id, not a name or an address.
    assert colleague.email not in added.object_label
    assert colleague.display_name not in added.object_label


def test_accepting_an_invitation_records_the_new_member_as_the_actor(organization, owner):
    invitee = UserFactory()
    invitation = services.invitation_create(
        actor=owner, organization=organization, email=invitee.email, role=Role.COORDINATOR
    )
    services.invitation_accept(user=invitee, token=invitation.token)
    entry = only(AuditAction.MEMBERSHIP_ADD)
    assert entry.actor == invitee
    assert entry.changes["role"] == [None, Role.COORDINATOR]
    assert invitee.email not in str(entry.changes)


def test_the_django_admin_edits_organizations_and_memberships_through_the_services(
    client, organization, owner, platform_admin
):
    colleague = MembershipFactory(organization=organization, role=Role.EDITOR)
    client.force_login(platform_admin)
    url = f"/django-admin/charity/organization/{organization.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("logo", "verified_at", "verified_by", "created_at")
    }
    data["name"] = "Renamed by the platform"
    inline = page.context["inline_admin_formsets"][0].formset
    prefix = inline.prefix
    data |= {
        f"{prefix}-TOTAL_FORMS": 2,
        f"{prefix}-INITIAL_FORMS": 2,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    owner_membership = Membership.objects.get(organization=organization, user=owner)
    # Each inline form is matched to its row by the id it posts, whatever the order.
    for index, membership in enumerate((owner_membership, colleague)):
        data |= {
            f"{prefix}-{index}-id": membership.pk,
            f"{prefix}-{index}-organization": organization.pk,
            f"{prefix}-{index}-user": membership.user_id,
            f"{prefix}-{index}-role": Role.FINANCE if membership == colleague else Role.OWNER,
            f"{prefix}-{index}-created_at_0": f"{membership.created_at:%Y-%m-%d}",
            f"{prefix}-{index}-created_at_1": f"{membership.created_at:%H:%M:%S}",
        }
    response = client.post(url, data)
    assert response.status_code == 302
    update = only(AuditAction.ORGANIZATION_UPDATE)
    assert update.actor == platform_admin
    assert update.changes == {"name": [organization.name, "Renamed by the platform"]}
    role = only(AuditAction.MEMBERSHIP_CHANGE_ROLE)
    assert role.changes == {"role": [Role.EDITOR, Role.FINANCE]}


# --- Projects -----------------------------------------------------------------------------------


def test_project_create_update_and_status_are_recorded(organization, owner):
    project = services.project_create(
        actor=owner,
        organization=organization,
        beneficiary_groups=["orphans"],
        title="Winter coats",
        goal_amount=5_000_000,
        currency="CNY",
        region="510107",
        fundraising_starts_at=timezone.now(),
        fundraising_ends_at=timezone.now() + datetime.timedelta(days=30),
    )
    created = only(AuditAction.PROJECT_CREATE)
    assert created.object_label == "Winter coats"
    assert created.changes["goal_amount"] == [None, 5_000_000]
    assert created.changes["status"] == [None, "draft"]
    assert created.changes["beneficiary_groups"] == [None, ["orphans"]]

    services.project_update(
        actor=owner,
        project=project,
        beneficiary_groups=["orphans", "left_behind_elderly"],
        goal_amount=6_000_000,
        title="Winter coats",
    )
    updated = only(AuditAction.PROJECT_UPDATE)
    assert updated.changes == {
        "goal_amount": [5_000_000, 6_000_000],
        "beneficiary_groups": [["orphans"], ["left_behind_elderly", "orphans"]],
    }
    services.project_set_status(actor=owner, project=project, status="fundraising")
    status = only(AuditAction.PROJECT_STATUS)
    assert status.changes == {"status": ["draft", "fundraising"]}
    assert status.actor == owner


# --- Expenditures -------------------------------------------------------------------------------


def _fund(project, amount=1_000_000):
    finance = MembershipFactory(organization=project.organization, role=Role.FINANCE).user
    services.donation_record_offline(
        actor=finance,
        organization=project.organization,
        project=project,
        amount=amount,
        currency="CNY",
        channel=DonationChannel.BANK_TRANSFER,
        received_at=timezone.now() - datetime.timedelta(days=3),
        donor_name="陈小明",
    )
    return finance


def test_an_expenditure_s_life_is_recorded_with_the_payee_masked():
    project = ProjectFactory()
    creator = _fund(project)
    approver = MembershipFactory(organization=project.organization, role=Role.FINANCE).user
    expenditure = services.expenditure_create(
        actor=creator,
        organization=project.organization,
        project=project,
        currency="CNY",
        amount=60_000,
        category="program",
        payee="张三丰",
        payee_is_individual=True,
        purpose="医药费",
        spent_on=datetime.date(2026, 11, 1),
        documents=[SimpleUploadedFile("receipt.pdf", b"%PDF-1.4")],
    )
    services.expenditure_update(actor=creator, expenditure=expenditure, amount=50_000)
    services.expenditure_add_documents(
        actor=creator,
        expenditure=expenditure,
        documents=[SimpleUploadedFile("invoice.pdf", b"%PDF-1.4")],
    )
    services.expenditure_approve(actor=approver, expenditure=expenditure)
    services.expenditure_publish(actor=approver, expenditure=expenditure)
    reversal = services.expenditure_reverse(
        actor=creator, expenditure=expenditure, reason="Entered twice"
    )
    trail = list(AuditEntry.objects.filter(object_type=AuditObjectType.EXPENDITURE).order_by("pk"))
    assert [(e.action, e.actor) for e in trail] == [
        (AuditAction.EXPENDITURE_CREATE, creator),
        (AuditAction.EXPENDITURE_UPDATE, creator),
        (AuditAction.EXPENDITURE_ADD_DOCUMENTS, creator),
        (AuditAction.EXPENDITURE_APPROVE, approver),
        (AuditAction.EXPENDITURE_PUBLISH, approver),
        (AuditAction.EXPENDITURE_REVERSE, creator),
    ]
    created, updated, receipts, approved, published, reversed_ = trail
    assert created.changes["amount"] == [None, 60_000]
    assert created.changes["payee"] == CHANGED
    assert created.changes["documents"] == [None, 1]
    assert updated.changes == {"amount": [60_000, 50_000]}
    assert receipts.changes == {"documents": [1, 2]}
    assert approved.changes == {"status": ["draft", "approved"]}
    assert published.changes == {"status": ["approved", "published"]}
    assert reversed_.object_id == expenditure.pk
    assert reversed_.changes["reversed_by"] == [None, reversal.pk]
    assert "张三丰" not in str(list(AuditEntry.objects.values()))
    assert "张" not in created.object_label


# --- The rule and the guard ---------------------------------------------------------------------


def test_personal_fields_are_recorded_as_changed_whatever_the_caller_passes(organization, owner):
    entry = audit_record(
        actor=owner,
        action=AuditAction.ORGANIZATION_UPDATE,
        obj=organization,
        organization=organization,
        object_type=AuditObjectType.ORGANIZATION,
        changes={
            "contact_email": ["a@example.org", "b@example.org"],
            "website": ["", "https://relief.example.org"],
            # Not listed for the model, but named like contact data: the safety net.
            "backup_phone": ["1", "2"],
        },
    )
    assert entry.changes == {
        "contact_email": CHANGED,
        "website": ["", "https://relief.example.org"],
        "backup_phone": CHANGED,
    }


def test_the_rule_lists_the_personal_fields_of_the_models_that_hold_them():
    from django.apps import apps

    for label, fields in SENSITIVE_FIELDS.items():
        model = apps.get_model(label)
        names = {field.name for field in model._meta.get_fields()}
        # A renamed field would silently fall out of the rule.
        assert fields - {"note"} <= names, (label, fields - names)
    assert {"donor_name", "donor_email", "message"} <= SENSITIVE_FIELDS["charity.donation"]
    assert {"phone", "emergency_contact_phone", "guardian_name"} <= SENSITIVE_FIELDS[
        "volunteers.volunteerprofile"
    ]


def test_changes_between_compares_plain_values(organization):
    before = snapshot(organization, ["name", "verified_by", "verified_at"])
    assert changes_between(before, organization) == {}
    organization.name = "Other"
    organization.verified_by = None
    organization.verified_at = None
    assert changes_between(before, organization) == {
        "name": [before["name"], "Other"],
        "verified_by": [before["verified_by"], None],
        "verified_at": [before["verified_at"], None],
    }
    assert isinstance(before["verified_by"], int)
    assert isinstance(before["verified_at"], str)


def test_entries_cannot_be_changed_or_deleted(organization, owner):
    services.organization_update(actor=owner, organization=organization, name="Once")
    entry = AuditEntry.objects.get()
    entry.changes = {}
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().update(changes={})
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().changes == {"name": [organization.name, "Once"]}


def test_the_django_admin_shows_entries_read_only(client, organization, owner, platform_admin):
    services.organization_update(actor=owner, organization=organization, name="Once")
    entry = AuditEntry.objects.get()
    client.force_login(platform_admin)
    assert client.get("/django-admin/charity/auditentry/").status_code == 200
    assert client.get(f"/django-admin/charity/auditentry/{entry.pk}/change/").status_code == 200
    assert client.get("/django-admin/charity/auditentry/add/").status_code == 403
    assert client.post(f"/django-admin/charity/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
