"""The owner's audit screen in the staff admin: only owners, only their organizations' entries,
filterable, paginated, in the owner's time zone, with a constant number of queries, and as CSV."""

import csv
import datetime
import io

import pytest
from django.utils import translation
from wagtail.users.models import UserProfile

from charity import services
from charity.models import AuditAction, AuditEntry, AuditObjectType, Role
from cms.workspaces import organization_workspace_sync
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/cms-admin/audit/"
CSV_URL = "/cms-admin/audit/export.csv"


@pytest.fixture
def member_of(site, member_of):
    """Members with admin access (their organization's workspace), reading the admin in English."""

    def make(organization, role=Role.OWNER, **user_fields):
        user = member_of(organization, role, **user_fields)
        organization_workspace_sync(organization=organization)
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "en"
        profile.save(update_fields=["preferred_language"])
        return user

    return make


def rename(owner, organization, name):
    return services.organization_update(actor=owner, organization=organization, name=name)


def refused(response) -> bool:
    """The Wagtail admin turns a PermissionDenied into a redirect to its home page, with a
    message; nothing of the trail is in the response."""
    return response.status_code == 302 and response["Location"] == "/cms-admin/"


def shown(response) -> list[AuditEntry]:
    return [row["entry"] for row in response.context["rows"]]


def test_an_owner_sees_their_organization_s_changes_and_not_another_s(
    client, organization, member_of
):
    owner = member_of(organization)
    other = OrganizationFactory()
    other_owner = member_of(other)
    rename(owner, organization, "Ours, renamed")
    rename(other_owner, other, "Theirs, renamed")
    client.force_login(owner)
    response = client.get(URL)
    assert response.status_code == 200
    assert [e.organization for e in shown(response)] == [organization]
    html = response.content.decode()
    assert "Ours, renamed" in html
    assert "Theirs, renamed" not in html
    assert owner.public_name in html  # who did it
    # Asking for the other organization's entries finds nothing.
    response = client.get(URL, {"organization": other.pk})
    assert shown(response) == []
    csv_text = b"".join(client.get(CSV_URL, {"organization": other.pk}).streaming_content)
    assert "Theirs" not in csv_text.decode()


@pytest.mark.parametrize("role", [Role.FINANCE, Role.COORDINATOR, Role.EDITOR])
def test_other_roles_are_refused_and_see_no_menu_item(client, organization, member_of, role):
    owner = member_of(organization)
    rename(owner, organization, "Renamed")
    staff = member_of(organization, role)
    client.force_login(staff)
    assert refused(client.get(URL))
    assert refused(client.get(CSV_URL))
    assert URL not in client.get("/cms-admin/").content.decode()


def test_the_menu_item_is_the_owner_s(client, organization, member_of):
    client.force_login(member_of(organization))
    assert f'"{URL}"' in client.get("/cms-admin/").content.decode()


def test_a_platform_admin_who_owns_nothing_reads_the_trail_in_django_admin_instead(
    client, organization, member_of, platform_admin
):
    rename(member_of(organization), organization, "Renamed")
    client.force_login(platform_admin)
    assert refused(client.get(URL))
    assert client.get("/django-admin/charity/auditentry/").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_filters_by_kind_person_and_dates_in_the_owner_s_time_zone(client, organization, member_of):
    owner = member_of(organization)
    colleague = member_of(organization, Role.EDITOR)
    services.membership_change_role(
        actor=owner,
        membership=colleague.memberships.get(),
        role=Role.FINANCE,
    )
    # 2026-11-01 02:30 UTC: 10:30 on Nov 1 in Beijing, 22:30 on Oct 31 in New York.
    at = datetime.datetime(2026, 11, 1, 2, 30, tzinfo=datetime.UTC)
    AuditEntry.objects.create(
        organization=organization,
        actor=colleague,
        action=AuditAction.PROJECT_CREATE,
        object_type=AuditObjectType.PROJECT,
        object_id=1,
        object_label="Winter coats",
        changes={"goal_amount": [None, 100]},
        created=at,
    )
    client.force_login(owner)
    by_kind = shown(client.get(URL, {"object_type": "membership"}))
    assert [e.action for e in by_kind] == [AuditAction.MEMBERSHIP_CHANGE_ROLE]
    by_person = shown(client.get(URL, {"actor": colleague.pk}))
    assert [e.object_label for e in by_person] == ["Winter coats"]
    day = shown(client.get(URL, {"since": "2026-11-01", "until": "2026-11-01"}))
    assert [e.object_label for e in day] == ["Winter coats"]
    assert "2026-11-01 10:30" in client.get(URL).content.decode()

    owner.time_zone = "America/New_York"
    owner.save(update_fields=["time_zone"])
    assert shown(client.get(URL, {"since": "2026-11-01", "until": "2026-11-01"})) == []
    day = shown(client.get(URL, {"since": "2026-10-31", "until": "2026-10-31"}))
    assert [e.object_label for e in day] == ["Winter coats"]
    assert "2026-10-31 22:30" in client.get(URL).content.decode()


def test_changes_are_shown_with_field_names_and_personal_values_only_as_changed(
    client, organization, member_of
):
    owner = member_of(organization)
    services.organization_update(
        actor=owner,
        organization=organization,
        name="Sunshine",
        contact_email="li.na@example.org",
    )
    colleague = UserFactory(display_name="Wang Fang")
    services.membership_create(
        actor=owner, organization=organization, user=colleague, role=Role.COORDINATOR
    )
    client.force_login(owner)
    with translation.override("en"):
        html = client.get(URL).content.decode()
    assert "li.na@example.org" not in html
    rows = {row["entry"].action: row["changes"] for row in client.get(URL).context["rows"]}
    update = rows[AuditAction.ORGANIZATION_UPDATE]
    assert {"field": "contact email", "changed": True} in update
    assert {"field": "name", "old": organization.name, "new": "Sunshine"} in update
    # The member is stored as an id and shown by name to the owner.
    member = rows[AuditAction.MEMBERSHIP_ADD]
    assert {"field": "user", "old": "—", "new": "Wang Fang"} in member
    assert {"field": "role", "old": "—", "new": "Volunteer coordinator"} in member


def test_amounts_are_shown_in_yuan_not_in_fen(client, organization, member_of):
    owner = member_of(organization)
    AuditEntry.objects.create(
        organization=organization,
        actor=owner,
        action=AuditAction.PROJECT_UPDATE,
        object_type=AuditObjectType.PROJECT,
        object_id=1,
        object_label="Winter coats",
        changes={"goal_amount": [1300000, 1234550]},
    )
    client.force_login(owner)
    (row,) = client.get(URL).context["rows"]
    assert row["changes"] == [{"field": "goal", "old": "13,000", "new": "12,345.50"}]


def test_the_list_is_paginated_newest_first(client, organization, member_of):
    owner = member_of(organization)
    for n in range(55):
        rename(owner, organization, f"Name {n}")
    client.force_login(owner)
    first = client.get(URL)
    assert len(shown(first)) == 50
    assert shown(first)[0].changes["name"][1] == "Name 54"
    second = client.get(URL, {"p": 2})
    assert [e.changes["name"][1] for e in shown(second)] == [
        "Name 4",
        "Name 3",
        "Name 2",
        "Name 1",
        "Name 0",
    ]


def test_the_screen_costs_the_same_queries_for_many_entries_as_for_one(
    client, organization, member_of, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner = member_of(organization)
    colleague = member_of(organization, Role.EDITOR)
    services.membership_change_role(
        actor=owner, membership=colleague.memberships.get(), role=Role.FINANCE
    )
    client.force_login(owner)
    client.get(URL)  # warm caches (content types, site)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for n in range(20):
        rename(owner, organization, f"Name {n}")
        services.membership_change_role(
            actor=owner,
            membership=colleague.memberships.get(),
            role=Role.EDITOR if n % 2 == 0 else Role.FINANCE,
        )
    with django_assert_num_queries(len(one)):
        response = client.get(URL)
    assert len(shown(response)) == 41


def test_the_csv_holds_the_filtered_list(client, organization, member_of):
    owner = member_of(organization)
    rename(owner, organization, "=HYPERLINK(1)")
    services.membership_create(
        actor=owner, organization=organization, user=UserFactory(), role=Role.EDITOR
    )
    client.force_login(owner)
    response = client.get(CSV_URL, {"object_type": "organization"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["action"] for row in rows] == ["organization.update"]
    assert rows[0]["who"] == owner.public_name
    assert rows[0]["object"].startswith("'=")  # not a formula in a spreadsheet


def test_the_demo_owner_s_trail_tells_the_organization_s_story(client):
    from django.core.management import call_command

    call_command("seed_demo")
    owner = UserFactory._meta.model.objects.get(email="owner@shanxin.example")
    client.force_login(owner)
    response = client.get(URL)
    assert response.status_code == 200
    kinds = set(
        AuditEntry.objects.filter(organization__slug="sunshine-community").values_list(
            "object_type", flat=True
        )
    )
    assert kinds == set(AuditObjectType.values)
    actions = {e.action for e in shown(response)}
    assert len(actions) >= 3
    names = {e.actor.public_name for e in shown(response) if e.actor}
    assert names  # staff and volunteers by name, never an address
    assert "@" not in response.content.decode().split("data-audit-entries", 1)[1]


def test_an_expenditure_s_receipts_and_reversal_are_labelled(client, organization, member_of):
    owner = member_of(organization)
    entry = AuditEntry.objects.create(
        organization=organization,
        actor=owner,
        action=AuditAction.EXPENDITURE_REVERSE,
        object_type=AuditObjectType.EXPENDITURE,
        object_id=7,
        changes={"documents": [1, 2], "reversed_by": [None, 8], "category": [None, "program"]},
    )
    client.force_login(owner)
    (row,) = client.get(URL).context["rows"]
    assert row["entry"] == entry
    # In any order: PostgreSQL's jsonb keeps its own order of keys.
    assert sorted(row["changes"], key=lambda change: change["field"]) == [
        {"field": "category", "old": "—", "new": "Charitable activity"},
        {"field": "receipts and invoices", "old": "1", "new": "2"},
        {"field": "reversed by", "old": "—", "new": "8"},
    ]
