"""Finance staff work with their organization's donations in the admin, and only theirs."""

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from charity import services
from charity.models import Donation, DonationChannel, DonationStatus, LedgerEntry, Refund, Role
from cms.workspaces import organization_workspace_sync
from tests.factories import OrganizationFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_of(site, member_of):
    """Members whose organization has its CMS workspace (admin access follows membership)."""

    def make(organization, role=Role.FINANCE, **user_fields):
        user = member_of(organization, role, **user_fields)
        organization_workspace_sync(organization=organization)
        return user

    return make


def record(actor, organization, amount=20_000, **fields):
    return services.donation_record_offline(
        actor=actor,
        organization=organization,
        project=fields.pop("project", None),
        amount=amount,
        currency="CNY",
        channel=fields.pop("channel", DonationChannel.BANK_TRANSFER),
        received_at=timezone.now(),
        **fields,
    )


def not_found(response, url) -> bool:
    """A 404, or LocaleMiddleware's redirect of one to the language-prefixed URL."""
    return response.status_code == 404 or (
        response.status_code == 302 and response["Location"] == f"/zh-hans{url}"
    )


def upload(rows, name="gifts.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["金额", "收款日期", "渠道", "银行流水号", "捐赠人"])
    writer.writerows(rows)
    file = io.BytesIO(out.getvalue().encode("utf-8"))
    file.name = name
    return file


def test_finance_lists_searches_and_filters_their_organizations_donations(
    client, organization, member_of
):
    finance = member_of(organization)
    record(finance, organization, donor_name="张三", bank_reference="A-1")
    record(finance, organization, donor_name="李四", channel=DonationChannel.CASH)
    other = OrganizationFactory()
    record(member_of(other), other, donor_name="外人")
    client.force_login(finance)
    assert "/cms-admin/donations/" in client.get("/cms-admin/").content.decode()  # the menu
    body = client.get("/cms-admin/donations/").content.decode()
    assert "张三" in body and "李四" in body
    assert "外人" not in body
    body = client.get("/cms-admin/donations/?q=张三").content.decode()
    assert "张三" in body and "李四" not in body
    body = client.get("/cms-admin/donations/?channel=cash").content.decode()
    assert "李四" in body and "张三" not in body
    # Another organization is not even a filter choice.
    response = client.get(f"/cms-admin/donations/?organization={other.pk}")
    assert "外人" not in response.content.decode()


def test_finance_records_an_offline_gift_in_fen(client, organization, member_of):
    finance = member_of(organization)
    project = ProjectFactory(organization=organization)
    client.force_login(finance)
    assert client.get("/cms-admin/donations/record/").status_code == 200
    response = client.post(
        "/cms-admin/donations/record/",
        {
            "organization": organization.pk,
            "project": project.pk,
            "amount": "350.20",
            "currency": "CNY",
            "channel": "cash",
            "received_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "donor_name": "王五",
        },
    )
    donation = Donation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cms-admin/donations/{donation.pk}/"
    assert (donation.amount, donation.project, donation.status) == (
        35_020,
        project,
        DonationStatus.SUCCEEDED,
    )
    assert donation.receipt_number


def test_a_duplicate_bank_reference_is_a_form_error(client, organization, member_of):
    finance = member_of(organization)
    record(finance, organization, bank_reference="DUP-1")
    client.force_login(finance)
    response = client.post(
        "/cms-admin/donations/record/",
        {
            "organization": organization.pk,
            "amount": "10",
            "currency": "CNY",
            "channel": "bank_transfer",
            "received_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "bank_reference": "DUP-1",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Donation.objects.count() == 1


def test_import_previews_then_imports_on_confirmation(client, organization, member_of):
    client.force_login(member_of(organization))
    response = client.post(
        "/cms-admin/donations/import/",
        {
            "organization": organization.pk,
            "file": upload(
                [
                    ["200.5", "2025-03-01", "现金", "", "甲"],
                    ["99", "2025-03-02", "银行转账", "X-1", "乙"],
                ]
            ),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-import-preview" in body and "¥299.50" in body
    assert not Donation.objects.exists()
    token = response.context["token"]
    response = client.post("/cms-admin/donations/import/confirm/", {"token": token})
    assert response.status_code == 302
    assert sorted(Donation.objects.values_list("amount", flat=True)) == [9_900, 20_050]
    assert LedgerEntry.objects.count() == 2
    # The same confirmation twice imports nothing more.
    client.post("/cms-admin/donations/import/confirm/", {"token": token})
    assert Donation.objects.count() == 2


def test_a_bad_file_lists_every_bad_row_and_offers_no_confirmation(client, organization, member_of):
    client.force_login(member_of(organization))
    rows = [["10", "2025-03-01", "cash"], ["0", "2025-03-01", "cash"], ["10", "later", "cash"]]
    response = client.post(
        "/cms-admin/donations/import/", {"organization": organization.pk, "file": upload(rows)}
    )
    errors = [(e.line, e.column) for e in response.context["check"].errors]
    assert errors == [(3, "金额"), (4, "收款日期")]
    assert response.context["token"] is None
    assert "Confirm import" not in response.content.decode()
    assert not Donation.objects.exists()


def test_an_upload_token_is_no_use_to_another_user(client, organization, member_of):
    finance, colleague = member_of(organization), member_of(organization)
    client.force_login(finance)
    response = client.post(
        "/cms-admin/donations/import/",
        {"organization": organization.pk, "file": upload([["10", "2025-03-01", "cash"]])},
    )
    token = response.context["token"]
    client.force_login(colleague)
    client.post("/cms-admin/donations/import/confirm/", {"token": token})
    assert not Donation.objects.exists()


def test_members_of_another_organization_get_nothing_of_it(client, organization, member_of):
    theirs = record(member_of(organization), organization, bank_reference="THEIRS")
    outsider = member_of(OrganizationFactory(), Role.OWNER)
    client.force_login(outsider)
    url = f"/cms-admin/donations/{theirs.pk}/"
    # The admin's 404 passes through LocaleMiddleware's redirect to a language prefix first.
    assert client.get(url, follow=True).status_code == 404
    response = client.post(url, {"amount": "10"})
    assert not_found(response, url)
    assert not Refund.objects.exists()
    url = f"/cms-admin/donations/export/?organization={organization.pk}&format=csv"
    assert client.get(url, follow=True).status_code == 404
    response = client.post(
        "/cms-admin/donations/import/",
        {"organization": organization.pk, "file": upload([["10", "2025-03-01", "cash"]])},
    )
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert Donation.objects.count() == 1


@pytest.mark.parametrize("role", [Role.EDITOR, Role.COORDINATOR])
def test_editors_and_coordinators_have_no_donations(client, organization, member_of, role):
    donation = record(member_of(organization), organization)
    client.force_login(member_of(organization, role))
    for url in (
        "/cms-admin/donations/",
        f"/cms-admin/donations/{donation.pk}/",
        "/cms-admin/donations/record/",
        "/cms-admin/donations/import/",
        f"/cms-admin/donations/export/?organization={organization.pk}&format=csv",
    ):
        assert client.get(url).status_code in (302, 403, 404), url
    assert "/cms-admin/donations/" not in client.get("/cms-admin/").content.decode()


def test_outsiders_without_admin_access_are_sent_away(client, organization, member_of):
    record(member_of(organization), organization)
    client.force_login(UserFactory())
    response = client.get(f"/cms-admin/donations/export/?organization={organization.pk}&format=csv")
    assert response.status_code == 302
    assert "csv" not in response.get("Content-Type", "")


def test_the_export_downloads_the_organizations_donations(client, organization, member_of):
    finance = member_of(organization)
    record(finance, organization, amount=12_345, donor_name="张三")
    other = OrganizationFactory()
    record(member_of(other), other, donor_name="外人")
    client.force_login(finance)
    assert client.get("/cms-admin/donations/export/").status_code == 200
    response = client.get(f"/cms-admin/donations/export/?organization={organization.pk}&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "张三" in text and "123.45" in text and "外人" not in text
    response = client.get(
        f"/cms-admin/donations/export/?organization={organization.pk}&format=xlsx"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert len(list(sheet.iter_rows())) == 2


def test_a_partial_refund_then_the_rest_refunds_the_gift(client, organization, member_of):
    finance = member_of(organization)
    donation = record(finance, organization, amount=20_000)
    client.force_login(finance)
    url = f"/cms-admin/donations/{donation.pk}/"
    response = client.get(url)
    assert response.context["refund_form"].initial["amount"] == 200
    assert client.post(url, {"amount": "50.50", "reason": "duplicate"}).status_code == 302
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PARTIALLY_REFUNDED
    response = client.get(url)
    assert response.context["refundable"] == 14_950
    # More than what is left is refused with the reason, and nothing changes.
    response = client.post(url, {"amount": "149.51"})
    assert response.status_code == 200
    assert "¥149.50" in " ".join(response.context["refund_form"].non_field_errors())
    assert Refund.objects.count() == 1
    assert client.post(url, {"amount": "149.50"}).status_code == 302
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED
    assert sum(e.amount for e in LedgerEntry.objects.filter(donation=donation)) == 0
    assert client.get(url).context["refund_form"] is None


def test_bad_refund_amounts_are_form_errors(client, organization, member_of):
    finance = member_of(organization)
    donation = record(finance, organization)
    client.force_login(finance)
    for amount in ("0", "-1", "abc", "1.234"):
        response = client.post(f"/cms-admin/donations/{donation.pk}/", {"amount": amount})
        assert response.status_code == 200
        assert "amount" in response.context["refund_form"].errors
    assert not Refund.objects.exists()
