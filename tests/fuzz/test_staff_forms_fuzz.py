"""The staff forms of the Wagtail admin (expenditures with receipt uploads, offline gifts), posted
by a finance member with hostile input: never a 500, nothing stored on a refusal, what is stored
is what was typed, shown escaped on the admin pages, and uploads land inside the media folder."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st
from wagtail.users.models import UserProfile

from charity.models import Donation, Expenditure, ExpenditureDocument, LedgerEntry, Role
from cms.workspaces import organization_workspace_sync
from tests.cms.conftest import Site
from tests.factories import ProjectFactory

from .strategies import (
    SIGNATURES,
    assert_no_raw_markup,
    assert_rendered_escaped,
    count_case,
    currency_text,
    file_bytes,
    filenames,
    fuzz_heavy,
    hostile_text,
    mutated,
    number_text,
    storable_text,
)

pytestmark = pytest.mark.django_db

date_text = st.one_of(
    st.sampled_from(["2026-11-01", "2026-02-30", "0000-01-01", "9999-12-31", "2026-11-01T25:00"]),
    st.dates().map(str),
    hostile_text(max_size=40),
)
datetime_text = st.one_of(
    st.sampled_from(["2026-11-01 10:00", "2026-11-01 25:61", "1900-01-01 00:00"]),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%d %H:%M")),
    hostile_text(max_size=40),
)


good_receipt = st.tuples(st.sampled_from(["invoice.pdf", "收据.PDF"]), st.just(b"%PDF-1.4\n"))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def finance(organization, member_of):
    Site(organization)
    user = member_of(organization, Role.FINANCE)
    organization_workspace_sync(organization=organization)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save(update_fields=["preferred_language"])
    return user


@pytest.fixture
def project(organization):
    return ProjectFactory(organization=organization)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@given(
    fields=mutated(
        {
            "currency": st.just("CNY"),
            "amount": st.sampled_from(["120.50", "1", "99999.99"]),
            "category": st.sampled_from(["program", "management", "fundraising"]),
            "payee": storable_text(200),
            "purpose": storable_text(300),
            "spent_on": st.just("2026-11-01"),
            "is_advance": st.just(""),
            "advance_reason": storable_text(300),
        },
        {
            "currency": currency_text,
            "amount": number_text,
            "category": hostile_text(),
            "payee": hostile_text(max_size=250),
            "purpose": hostile_text(max_size=350),
            "spent_on": date_text,
            "is_advance": st.just("on"),
            "advance_reason": hostile_text(max_size=350),
        },
    ),
    uploads=st.lists(
        st.one_of(
            # A good receipt as often as the two kinds of bad file together.
            good_receipt,
            good_receipt,
            st.tuples(filenames, st.sampled_from(SIGNATURES).map(lambda head: head + b"\0" * 8)),
            st.tuples(filenames, file_bytes),
        ),
        max_size=2,
    ),
    general_fund=st.booleans(),
)
@fuzz_heavy
def test_an_expenditure_is_refused_or_stored_as_typed(
    organization, project, finance, fields, uploads, general_fund
):
    count_case()
    client = _client(finance)
    data = {
        "organization": organization.pk,
        "project": "" if general_fund else project.pk,
        **fields,
        "documents": [SimpleUploadedFile(name, content) for name, content in uploads],
    }
    before = Expenditure.objects.count(), ExpenditureDocument.objects.count()

    response = client.post("/cms-admin/expenditures/new/", data)

    assert response.status_code in (200, 302)
    event(f"status {response.status_code}")
    if response.status_code == 200:
        assert (Expenditure.objects.count(), ExpenditureDocument.objects.count()) == before
        html = response.content.decode()
        assert_no_raw_markup(html, fields["payee"])
        assert_no_raw_markup(html, fields["purpose"])
        return
    expenditure = Expenditure.objects.latest("pk")
    assert Expenditure.objects.count() == before[0] + 1
    assert expenditure.payee == fields["payee"].strip()
    assert expenditure.purpose == fields["purpose"].strip()
    assert expenditure.amount > 0 and expenditure.currency in ("CNY", "HKD", "USD")
    assert "\x00" not in expenditure.payee + expenditure.purpose
    documents = list(expenditure.documents.all())
    assert len(documents) == len(uploads)
    media = Path(django_settings.MEDIA_ROOT).resolve()
    for document in documents:
        stored = Path(document.file.path).resolve()
        assert stored.is_relative_to(media) and os.path.isfile(stored)
        assert document.file.read(4)[:1] in (b"%", b"\xff", b"\x89")  # a PDF, JPG or PNG

    for url in (f"/cms-admin/expenditures/{expenditure.pk}/", "/cms-admin/expenditures/"):
        page = client.get(url)
        assert page.status_code == 200
        assert_rendered_escaped(page.content.decode(), expenditure.purpose)


@given(
    fields=mutated(
        {
            "amount": st.sampled_from(["200.50", "1", "0.01"]),
            "currency": st.just("CNY"),
            "channel": st.sampled_from(["cash", "bank_transfer"]),
            "received_at": st.just("2026-11-01 10:00"),
            "bank_reference": st.just(""),
            "donor_name": storable_text(100),
            "donor_email": st.sampled_from(["", "a@example.org"]),
            "is_anonymous": st.sampled_from(["", "on"]),
            "message": storable_text(300),
        },
        {
            "amount": number_text,
            "currency": currency_text,
            "channel": st.one_of(st.just("online"), hostile_text()),
            "received_at": datetime_text,
            "bank_reference": hostile_text(max_size=120),
            "donor_name": hostile_text(max_size=120),
            "donor_email": hostile_text(max_size=40),
            "message": hostile_text(max_size=320),
        },
    ),
    general_fund=st.booleans(),
)
@fuzz_heavy
def test_an_offline_gift_is_refused_or_recorded_as_typed(
    organization, project, finance, fields, general_fund
):
    count_case()
    client = _client(finance)
    data = {"organization": organization.pk, "project": "" if general_fund else project.pk}
    before = Donation.objects.count(), LedgerEntry.objects.count()

    response = client.post("/cms-admin/donations/record/", {**data, **fields})

    assert response.status_code in (200, 302)
    event(f"status {response.status_code}")
    if response.status_code == 200:
        assert (Donation.objects.count(), LedgerEntry.objects.count()) == before
        assert_no_raw_markup(response.content.decode(), fields["donor_name"])
        return
    donation = Donation.objects.latest("pk")
    assert (Donation.objects.count(), LedgerEntry.objects.count()) == (before[0] + 1, before[1] + 1)
    assert donation.donor_name == fields["donor_name"].strip()
    assert donation.message == fields["message"].strip()
    assert donation.amount > 0 and donation.channel in ("cash", "bank_transfer")
    assert LedgerEntry.objects.get(donation=donation).amount == donation.amount
    for url in (f"/cms-admin/donations/{donation.pk}/", "/cms-admin/donations/"):
        page = client.get(url)
        assert page.status_code == 200
        if donation.donor_name:
            assert_rendered_escaped(page.content.decode(), donation.donor_name)
