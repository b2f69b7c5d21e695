"""Finance staff enter, approve, publish and reverse their organization's expenditures in the
admin, and only theirs; four eyes and the fund's balance are enforced over HTTP."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from charity import services
from charity.models import (
    Allocation,
    DonationChannel,
    Expenditure,
    ExpenditureDocument,
    ExpenditureStatus,
    LedgerEntry,
    LedgerEntryKind,
    Role,
)
from cms.workspaces import organization_workspace_sync
from tests.factories import OrganizationFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = "/cms-admin/expenditures/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded receipts land in a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def member_of(site, member_of):
    """Members whose organization has its CMS workspace (admin access follows membership),
    reading the admin in English so that the messages below are legible."""

    def make(organization, role=Role.FINANCE, **user_fields):
        user = member_of(organization, role, **user_fields)
        organization_workspace_sync(organization=organization)
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "en"
        profile.save(update_fields=["preferred_language"])
        return user

    return make


@pytest.fixture
def project(organization):
    return ProjectFactory(organization=organization)


def give(actor, project, amount, **fields):
    return services.donation_record_offline(
        actor=actor,
        organization=project.organization,
        project=project,
        amount=amount,
        currency=project.currency,
        channel=DonationChannel.BANK_TRANSFER,
        received_at=timezone.now() - datetime.timedelta(days=3),
        **fields,
    )


def enter(actor, project, amount=10_000, **fields):
    return services.expenditure_create(
        actor=actor,
        organization=project.organization,
        project=project,
        currency=project.currency,
        amount=amount,
        category=fields.pop("category", "program"),
        payee=fields.pop("payee", "成都粮油公司"),
        purpose=fields.pop("purpose", "大米 600 公斤"),
        spent_on=fields.pop("spent_on", datetime.date(2026, 11, 1)),
        **fields,
    )


def published(creator, approver, project, amount=10_000, **fields):
    expenditure = enter(creator, project, amount, **fields)
    services.expenditure_approve(actor=approver, expenditure=expenditure)
    return services.expenditure_publish(actor=approver, expenditure=expenditure)


def balance(project):
    return services.fund_balance(
        organization_id=project.organization_id, project_id=project.pk, currency=project.currency
    )


def form_data(organization, project=None, **overrides):
    return {
        "organization": organization.pk,
        "project": project.pk if project else "",
        "currency": "CNY",
        "amount": "120.50",
        "category": "program",
        "payee": "成都粮油公司",
        "purpose": "大米 600 公斤",
        "spent_on": "2026-11-01",
        **overrides,
    }


def not_found(response, url) -> bool:
    """A 404, or LocaleMiddleware's redirect of one to the language-prefixed URL."""
    return response.status_code == 404 or (
        response.status_code == 302 and response["Location"] == f"/zh-hans{url}"
    )


def errors_of(response) -> str:
    return " ".join(str(e) for e in response.context["errors"])


def test_finance_enters_an_expenditure_with_receipts_as_a_draft(
    client, organization, project, member_of
):
    finance = member_of(organization)
    give(finance, project, 50_000)
    client.force_login(finance)
    assert f"{BASE}" in client.get("/cms-admin/").content.decode()  # the menu
    response = client.get(f"{BASE}new/")
    assert response.status_code == 200
    assert "¥500" in response.content.decode()  # the project's balance is shown
    response = client.post(
        f"{BASE}new/",
        form_data(
            organization,
            project,
            documents=[
                SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("photo.PNG", PNG, content_type="image/png"),
            ],
        ),
    )
    expenditure = Expenditure.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}{expenditure.pk}/"
    assert (expenditure.amount, expenditure.project, expenditure.status) == (
        12_050,
        project,
        ExpenditureStatus.DRAFT,
    )
    assert expenditure.created_by == finance
    documents = list(expenditure.documents.all())
    assert [d.title for d in documents] == ["invoice.pdf", "photo.PNG"]
    assert documents[0].file.read() == PDF
    body = client.get(response["Location"]).content.decode()
    assert documents[0].file.url in body and documents[1].file.url in body
    assert not LedgerEntry.objects.filter(expenditure=expenditure).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.docx", b"PK\x03\x04 a word file", "not a PDF, JPG or PNG"),
        ("fake.pdf", b"MZ an executable in disguise", "not a PDF, JPG or PNG"),
        ("huge.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024), "larger than 10 MB"),
    ],
)
def test_a_bad_receipt_file_is_refused_and_nothing_is_saved(
    client, organization, project, member_of, name, content, message
):
    client.force_login(member_of(organization))
    good = SimpleUploadedFile("invoice.pdf", PDF)
    bad = SimpleUploadedFile(name, content)
    response = client.post(f"{BASE}new/", form_data(organization, project, documents=[good, bad]))
    assert response.status_code == 200
    with translation.override("en"):  # the user's admin language; the errors are lazy
        errors = " ".join(str(error) for error in response.context["form"].errors["documents"])
    assert name in errors and message in errors
    assert message in response.content.decode()
    assert not Expenditure.objects.exists() and not ExpenditureDocument.objects.exists()


def test_the_creator_cannot_approve_a_colleague_can(client, organization, project, member_of):
    finance, colleague = member_of(organization), member_of(organization)
    expenditure = enter(finance, project)
    url = f"{BASE}{expenditure.pk}/"
    client.force_login(finance)
    response = client.get(url)
    assert not response.context["can_approve"] and response.context["four_eyes"]
    assert "data-four-eyes" in response.content.decode()
    response = client.post(f"{url}approve/")
    assert response.status_code == 200
    assert "Another member of the finance team must approve" in errors_of(response)
    expenditure.refresh_from_db()
    assert expenditure.status == ExpenditureStatus.DRAFT and expenditure.approved_by is None

    client.force_login(colleague)
    assert client.get(url).context["can_approve"]
    response = client.post(f"{url}approve/")
    assert response.status_code == 302 and response["Location"] == url
    expenditure.refresh_from_db()
    assert expenditure.status == ExpenditureStatus.APPROVED
    assert expenditure.approved_by == colleague
    body = client.get(BASE).content.decode()
    assert str(colleague) in body and str(finance) in body  # created by, approved by


def test_publishing_spends_from_the_fund_and_shows_the_gifts_that_paid(
    client, organization, project, member_of
):
    finance, colleague = member_of(organization), member_of(organization)
    give(finance, project, 6_000, donor_name="公开的捐赠人")
    secret = give(finance, project, 6_000, donor_name="匿名的捐赠人", is_anonymous=True)
    expenditure = enter(finance, project, amount=10_000)
    services.expenditure_approve(actor=colleague, expenditure=expenditure)
    assert balance(project) == 12_000
    client.force_login(finance)
    url = f"{BASE}{expenditure.pk}/"
    assert client.get(url).context["can_publish"]
    response = client.post(f"{url}publish/")
    assert response.status_code == 302
    expenditure.refresh_from_db()
    assert expenditure.status == ExpenditureStatus.PUBLISHED
    entry = LedgerEntry.objects.get(expenditure=expenditure)
    assert (entry.kind, entry.amount) == (LedgerEntryKind.EXPENDITURE_PUBLISHED, -10_000)
    assert balance(project) == 2_000
    response = client.get(url)
    rows = response.context["allocations"]
    assert [row["amount"] for row in rows] == [6_000, 4_000]
    assert rows[1]["receipt_number"] == secret.receipt_number
    body = response.content.decode()
    assert "公开的捐赠人" in body and secret.receipt_number in body
    assert "匿名的捐赠人" not in body
    # A published expenditure is no longer editable.
    response = client.get(f"{url}edit/")
    assert response.status_code == 302 and response["Location"] == url


def test_overspending_is_refused_unless_it_is_an_advance(client, organization, project, member_of):
    finance, colleague = member_of(organization), member_of(organization)
    give(finance, project, 5_000)
    expenditure = enter(finance, project, amount=8_000)
    services.expenditure_approve(actor=colleague, expenditure=expenditure)
    client.force_login(colleague)
    url = f"{BASE}{expenditure.pk}/"
    response = client.post(f"{url}publish/")
    assert response.status_code == 200
    assert "The fund holds ¥50, less than this expenditure" in errors_of(response)
    assert "Mark it as an advance" in response.content.decode()
    expenditure.refresh_from_db()
    assert expenditure.status == ExpenditureStatus.APPROVED
    assert not LedgerEntry.objects.filter(expenditure=expenditure).exists()
    assert balance(project) == 5_000

    # Marked as an advance (which sends it back to draft), approved again, it goes out.
    response = client.post(
        f"{url}edit/",
        {
            **form_data(organization, project, amount="80"),
            "is_advance": "on",
            "advance_reason": "送粮不能等",
        },
    )
    assert response.status_code == 302
    expenditure.refresh_from_db()
    assert (expenditure.status, expenditure.is_advance) == (ExpenditureStatus.DRAFT, True)
    client.force_login(finance)
    assert client.post(f"{url}approve/").status_code == 200  # still four eyes after the edit
    client.force_login(colleague)
    assert client.post(f"{url}approve/").status_code == 302  # who edited does not matter
    expenditure.refresh_from_db()
    assert expenditure.status == ExpenditureStatus.APPROVED
    assert client.post(f"{url}publish/").status_code == 302
    assert balance(project) == -3_000
    assert client.get(url).context["unallocated"] == 3_000


def test_an_advance_needs_its_reason_on_the_form(client, organization, project, member_of):
    client.force_login(member_of(organization))
    response = client.post(f"{BASE}new/", form_data(organization, project, is_advance="on"))
    assert response.status_code == 200
    assert "advance_reason" in response.context["form"].errors
    assert not Expenditure.objects.exists()


def test_reversing_creates_a_draft_reversal_and_publishing_it_refills_the_fund(
    client, organization, project, member_of
):
    finance, colleague = member_of(organization), member_of(organization)
    give(finance, project, 20_000)
    original = published(finance, colleague, project, amount=7_000)
    assert balance(project) == 13_000
    client.force_login(finance)
    url = f"{BASE}{original.pk}/"
    assert client.get(url).context["reverse_form"] is not None
    # A reason is required.
    response = client.post(f"{url}reverse/", {"reason": " "})
    assert response.status_code == 200
    assert "reason" in response.context["reverse_form"].errors
    assert Expenditure.objects.count() == 1

    response = client.post(f"{url}reverse/", {"reason": "发票开错了"})
    reversal = Expenditure.objects.get(reverses=original)
    assert response.status_code == 302 and response["Location"] == f"{BASE}{reversal.pk}/"
    assert (reversal.status, reversal.amount, reversal.purpose) == (
        ExpenditureStatus.DRAFT,
        7_000,
        "发票开错了",
    )
    # Reversed once is enough.
    assert client.get(url).context["reverse_form"] is None
    response = client.post(f"{url}reverse/", {"reason": "again"})
    assert response.status_code == 200
    assert "already been reversed" in errors_of(response)
    assert Expenditure.objects.count() == 2

    client.force_login(colleague)
    assert client.post(f"{BASE}{reversal.pk}/approve/").status_code == 302
    assert client.post(f"{BASE}{reversal.pk}/publish/").status_code == 302
    assert balance(project) == 20_000
    assert sum(a.amount for a in Allocation.objects.filter(expenditure=original)) == 0
    response = client.get(url)
    assert response.context["allocations"] == []
    history = [(event["label"], event["by"]) for event in response.context["history"]]
    assert history == [
        ("Entered as a draft", finance),
        ("Approved", colleague),
        ("Published", colleague),
        (f"Reversal #{reversal.pk}: Entered as a draft", finance),
        (f"Reversal #{reversal.pk}: Approved", colleague),
        (f"Reversal #{reversal.pk}: Published", colleague),
    ]
    # A reversal itself is not reversed.
    assert client.get(f"{BASE}{reversal.pk}/").context["reverse_form"] is None


def test_the_history_shows_an_approval_that_an_edit_cleared(
    client, organization, project, member_of
):
    finance, colleague = member_of(organization), member_of(organization)
    give(finance, project, 50_000)
    expenditure = enter(finance, project)
    services.expenditure_approve(actor=colleague, expenditure=expenditure)
    client.force_login(finance)
    response = client.post(
        f"{BASE}{expenditure.pk}/edit/", form_data(organization, project, amount="99.00")
    )
    assert response.status_code == 302
    client.force_login(colleague)
    assert client.post(f"{BASE}{expenditure.pk}/approve/").status_code == 302
    history = client.get(f"{BASE}{expenditure.pk}/").context["history"]
    assert [(e["label"], e["by"]) for e in history] == [
        ("Entered as a draft", finance),
        ("Approved", colleague),
        ("Edited: back to draft", finance),
        ("Approved", colleague),
    ]


def test_receipts_can_be_added_until_the_expenditure_is_published(
    client, organization, project, member_of
):
    finance, colleague = member_of(organization), member_of(organization)
    give(finance, project, 50_000)
    expenditure = enter(finance, project)
    services.expenditure_approve(actor=colleague, expenditure=expenditure)
    client.force_login(finance)
    url = f"{BASE}{expenditure.pk}/receipts/"
    assert client.get(f"{BASE}{expenditure.pk}/").context["receipts_form"] is not None
    # A renamed file is refused, and nothing is attached.
    response = client.post(url, {"documents": [SimpleUploadedFile("fake.pdf", b"MZ not a pdf")]})
    assert response.status_code == 200
    assert "fake.pdf" in str(response.context["receipts_form"].errors)
    assert not ExpenditureDocument.objects.exists()
    response = client.post(
        url,
        {
            "documents": [
                SimpleUploadedFile("invoice.pdf", PDF),
                SimpleUploadedFile("photo.png", PNG),
            ]
        },
    )
    assert response.status_code == 302
    assert sorted(d.title for d in expenditure.documents.all()) == ["invoice.pdf", "photo.png"]
    # Adding a receipt does not undo the approval.
    expenditure.refresh_from_db()
    assert expenditure.status == ExpenditureStatus.APPROVED

    services.expenditure_publish(actor=colleague, expenditure=expenditure)
    assert client.get(f"{BASE}{expenditure.pk}/").context["receipts_form"] is None
    response = client.post(url, {"documents": [SimpleUploadedFile("late.pdf", PDF)]})
    assert response.status_code == 200
    assert "receipts cannot change" in errors_of(response)
    assert expenditure.documents.count() == 2
    # Another organization's staff cannot attach anything.
    draft = enter(finance, project)
    client.force_login(member_of(OrganizationFactory(), Role.OWNER))
    draft_url = f"{BASE}{draft.pk}/receipts/"
    response = client.post(draft_url, {"documents": [SimpleUploadedFile("x.pdf", PDF)]})
    assert not_found(response, draft_url)
    assert not draft.documents.exists()


def test_the_list_filters_and_searches_the_organizations_expenditures(
    client, organization, project, member_of
):
    finance, colleague = member_of(organization), member_of(organization)
    give(finance, project, 50_000)
    published(finance, colleague, project, amount=1_000, purpose="大米", payee="粮油公司")
    enter(finance, project, amount=2_000, purpose="课本", payee="新华书店", category="management")
    other = OrganizationFactory()
    enter(member_of(other), ProjectFactory(organization=other), purpose="外人的支出")
    client.force_login(finance)
    body = client.get(BASE).content.decode()
    assert "大米" in body and "课本" in body and "外人的支出" not in body
    assert "¥10" in body and "¥20" in body
    body = client.get(f"{BASE}?q=新华").content.decode()
    assert "课本" in body and "大米" not in body
    body = client.get(f"{BASE}?status=published").content.decode()
    assert "大米" in body and "课本" not in body
    body = client.get(f"{BASE}?category=management").content.decode()
    assert "课本" in body and "大米" not in body
    response = client.get(f"{BASE}?organization={other.pk}")
    assert "外人的支出" not in response.content.decode()


def test_the_list_runs_as_many_queries_for_many_rows_as_for_one(
    client, organization, project, member_of
):
    finance, colleague = member_of(organization), member_of(organization)
    give(finance, project, 50_000)
    published(finance, colleague, project, amount=1_000)
    client.force_login(finance)
    client.get(BASE)  # warm caches (content types, site)
    with CaptureQueriesContext(connection) as one:
        client.get(BASE)
    for n in range(5):
        published(finance, colleague, project, amount=1_000 + n)
    with CaptureQueriesContext(connection) as six:
        client.get(BASE)
    assert len(six) == len(one)


def test_the_form_offers_only_the_users_organizations_and_projects(
    client, organization, project, member_of
):
    finance = member_of(organization)
    other = OrganizationFactory()
    member_of(other)
    theirs = ProjectFactory(organization=other)
    client.force_login(finance)
    form = client.get(f"{BASE}new/").context["form"]
    assert list(form.fields["organization"].queryset) == [organization]
    assert list(form.fields["project"].queryset) == [project]
    response = client.post(f"{BASE}new/", form_data(other, theirs))
    assert response.status_code == 200
    assert {"organization", "project"} <= set(response.context["form"].errors)
    assert not Expenditure.objects.exists()


def test_members_of_another_organization_get_nothing_of_it(
    client, organization, project, member_of
):
    finance, colleague = member_of(organization), member_of(organization)
    give(finance, project, 50_000)
    draft = enter(finance, project)
    public = published(finance, colleague, project)
    outsider = member_of(OrganizationFactory(), Role.OWNER)
    client.force_login(outsider)
    assert client.get(BASE).status_code == 200  # their own (empty) list
    for url in (f"{BASE}{draft.pk}/", f"{BASE}{draft.pk}/edit/"):
        assert client.get(url, follow=True).status_code == 404, url
    for url, data in (
        (f"{BASE}{draft.pk}/approve/", {}),
        (f"{BASE}{draft.pk}/edit/", form_data(organization, project)),
        (f"{BASE}{public.pk}/publish/", {}),
        (f"{BASE}{public.pk}/reverse/", {"reason": "mine now"}),
    ):
        assert not_found(client.post(url, data), url), url
    draft.refresh_from_db()
    assert (draft.status, draft.amount) == (ExpenditureStatus.DRAFT, 10_000)
    assert Expenditure.objects.count() == 2


@pytest.mark.parametrize("role", [Role.EDITOR, Role.COORDINATOR])
def test_editors_and_coordinators_have_no_expenditures(
    client, organization, project, member_of, role
):
    finance = member_of(organization)
    give(finance, project, 50_000)
    draft = enter(finance, project)
    client.force_login(member_of(organization, role))
    assert f"{BASE}" not in client.get("/cms-admin/").content.decode()
    # The list and the form are forbidden outright (Wagtail's admin answers a refusal with a
    # redirect to its dashboard); a single expenditure is not found.
    for url in (BASE, f"{BASE}new/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "大米" not in response.content.decode()
    for url in (f"{BASE}{draft.pk}/", f"{BASE}{draft.pk}/edit/"):
        assert client.get(url, follow=True).status_code == 404, url
    for url in (f"{BASE}{draft.pk}/approve/", f"{BASE}{draft.pk}/reverse/"):
        assert not_found(client.post(url, {"reason": "x"}), url), url
    response = client.post(f"{BASE}new/", form_data(organization, project))
    assert response.status_code in (302, 403)
    draft.refresh_from_db()
    assert draft.status == ExpenditureStatus.DRAFT
    assert Expenditure.objects.count() == 1


def test_outsiders_without_admin_access_are_sent_to_log_in(client, organization, project):
    client.force_login(UserFactory())
    response = client.get(BASE)
    assert response.status_code == 302
    assert "login" in response["Location"]
