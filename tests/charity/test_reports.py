"""Transparency reports: figures from the ledger, regulatory ratios, frozen snapshots, exports."""

import csv
import datetime
import io
import itertools
import json
import zoneinfo
from collections import defaultdict
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from charity import services
from charity.exceptions import CharityError
from charity.models import (
    BeneficiaryGroup,
    DonationChannel,
    LedgerEntry,
    LedgerEntryKind,
    LedgerHead,
    PublishedReportError,
    ReportStatus,
    Role,
    TransparencyReport,
)
from charity.services.reports import RATIO_RULES, period_bounds, ratio_check, report_period
from charity.validators import credit_code_check_character
from tests.charity.test_expenditures import finance_of, spend
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
YEAR, PREVIOUS = 2026, 2025  # the test clock is late in 2026; refunds happen "now"


@pytest.fixture(autouse=True)
def _english():
    """Explanations are checked in English (the default language is Chinese)."""
    with translation.override("en"):
        yield


def china(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CHINA)


def gift(
    project,
    amount,
    at,
    *,
    actor,
    organization=None,
    channel=DonationChannel.BANK_TRANSFER,
    email="",
):
    return services.donation_record_offline(
        actor=actor,
        organization=organization or project.organization,
        project=project,
        amount=amount,
        currency="CNY",
        channel=channel,
        received_at=at,
        donor_name="捐赠人",
        donor_email=email,
    )


def group_of(code):
    return BeneficiaryGroup.objects.get(code=code) if code else None


def figures_for(organization, kind="year", year=YEAR, quarter=None):
    start, end = report_period(period_kind=kind, year=year, quarter=quarter)
    return services.report_figures(
        organization=organization, period_start=start, period_end=end, period_kind=kind
    )


def rows(figures, section, key):
    return {row[key]: row for row in figures[section]}


@pytest.fixture
def books():
    """A project and its organization's general fund with gifts around the year's start in China
    time, a refund, a full refund, spending in each category, a reversal and an advance."""
    project = ProjectFactory()
    organization = project.organization
    clerk, colleague = finance_of(organization), finance_of(organization)
    # 23:30 on New Year's Eve in China is still the previous year, though it is 15:30 UTC.
    gift(project, 50_000, china(PREVIOUS, 12, 31, 23, 30), actor=clerk, email="a@example.org")
    gift(project, 30_000, china(YEAR, 1, 1, 0, 10), actor=clerk, email="b@example.org")
    cash = gift(
        project,
        20_000,
        china(YEAR, 3, 10, 10),
        actor=clerk,
        channel=DonationChannel.CASH,
        email="b@example.org",
    )
    general = gift(
        None,
        10_000,
        china(YEAR, 4, 1, 9),
        actor=clerk,
        organization=organization,
        email="c@example.org",
    )
    services.donation_refund(actor=clerk, donation=cash, amount=5_000)
    services.donation_refund(actor=clerk, donation=general, amount=10_000)
    # Another organization's money never shows.
    other = ProjectFactory()
    gift(other, 99_000, china(YEAR, 2, 1), actor=finance_of(other.organization))

    def pay(amount, category, day, *, fund=project, group=None, **fields):
        expenditure = services.expenditure_create(
            actor=clerk,
            organization=organization,
            project=fund,
            currency="CNY",
            amount=amount,
            category=category,
            beneficiary_group=group_of(group),
            payee="供应商",
            purpose="物资",
            spent_on=day,
            **fields,
        )
        services.expenditure_approve(actor=colleague, expenditure=expenditure)
        return services.expenditure_publish(actor=colleague, expenditure=expenditure)

    pay(10_000, "program", datetime.date(PREVIOUS, 12, 15), group="orphans")
    pay(20_000, "program", datetime.date(YEAR, 2, 1), group="orphans")
    pay(3_000, "management", datetime.date(YEAR, 2, 2))
    pay(2_000, "fundraising", datetime.date(YEAR, 2, 3))
    wrong = pay(7_000, "program", datetime.date(YEAR, 2, 4), group="disaster_victims")
    reversal = services.expenditure_reverse(actor=clerk, expenditure=wrong, reason="录错")
    services.expenditure_approve(actor=colleague, expenditure=reversal)
    services.expenditure_publish(actor=colleague, expenditure=reversal)
    # The general fund gave everything back, so this is an advance.
    pay(
        1_000,
        "program",
        datetime.date(YEAR, 5, 1),
        fund=None,
        group="other",
        is_advance=True,
        advance_reason="急需",
    )
    return project, clerk, colleague


def test_periods_are_calendar_quarters_and_years_in_china_time():
    assert report_period(period_kind="quarter", year=2026, quarter=4) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    assert report_period(period_kind="quarter", year=2026, quarter=1)[1] == datetime.date(
        2026, 3, 31
    )
    start, end = period_bounds(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert start == datetime.datetime(2025, 12, 31, 16, tzinfo=datetime.UTC)
    assert end == datetime.datetime(2026, 12, 31, 16, tzinfo=datetime.UTC)
    with pytest.raises(CharityError):
        report_period(period_kind="quarter", year=2026, quarter=5)


def test_figures_of_a_year(books, django_assert_num_queries):
    project, _clerk, _colleague = books
    organization = project.organization
    with django_assert_num_queries(7):
        figures = figures_for(organization)

    income = rows(figures, "income_by_channel", "channel")
    assert income["bank_transfer"] == {
        "currency": "CNY",
        "channel": "bank_transfer",
        "received": 40_000,  # the New Year's Eve gift belongs to the year before
        "adjustments": -10_000,
        "net": 30_000,
    }
    assert (income["cash"]["received"], income["cash"]["net"]) == (20_000, 15_000)

    category = {row["category"]: row["amount"] for row in figures["spending_by_category"]}
    # The reversed ¥70 nets out; last year's ¥100 is not this year's.
    assert category == {"program": 21_000, "management": 3_000, "fundraising": 2_000}
    group = {
        row["beneficiary_group"]: row["amount"] for row in figures["spending_by_beneficiary_group"]
    }
    assert group == {"orphans": 20_000, "disaster_victims": 0, "other": 1_000, "": 5_000}

    funds = {row["project_id"]: row for row in figures["projects"]}
    assert funds[project.pk] | {"title": ""} == {
        "project_id": project.pk,
        "title": "",
        "currency": "CNY",
        "raised": 45_000,
        "spent": 25_000,
        "balance": 20_000,
        "balance_at_start": 40_000,
        "balance_at_end": 60_000,
    }
    assert funds[project.pk]["title"] == project.title
    assert (funds[None]["raised"], funds[None]["spent"], funds[None]["balance_at_end"]) == (
        0,
        1_000,
        -1_000,
    )

    assert figures["donors"] == 2  # b@ gave twice; c@ was refunded in full but did give
    assert figures["volunteer_hours"] == 0
    assert figures["advances"] == [{"currency": "CNY", "count": 1, "amount": 1_000}]
    (totals,) = figures["totals"]
    assert totals["income"] == 45_000
    assert totals["spending"] == 26_000
    assert totals["net_change"] == 19_000 == totals["balance_at_end"] - totals["balance_at_start"]
    assert totals["previous_year_income"] == 50_000
    assert totals["net_assets_at_previous_year_end"] == 40_000


def test_volunteer_hours_are_the_hours_approved_for_shifts_in_the_period(books):
    from tests.volunteers.factories import ShiftFactory, VolunteerProfileFactory
    from volunteers.models import ShiftSignup, SignupStatus

    project, *_ = books
    organization = project.organization

    def served(starts_at, minutes, task_organization=organization):
        shift = ShiftFactory(
            task__organization=task_organization,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=4),
        )
        ShiftSignup.objects.create(
            shift=shift,
            volunteer=VolunteerProfileFactory(),
            status=SignupStatus.COMPLETED,
            approved_minutes=minutes,
        )

    served(china(YEAR, 1, 1, 0, 30), 150)  # New Year's morning in China: this year
    served(china(YEAR, 6, 1, 9), 90)
    served(china(PREVIOUS, 12, 31, 23), 120)  # last year
    served(china(YEAR, 6, 1, 9), 600, task_organization=ProjectFactory().organization)
    figures = figures_for(organization)
    assert (figures["volunteer_minutes"], figures["volunteer_hours"]) == (240, 4)


def test_a_quarter_has_no_annual_ratios(books):
    project, *_ = books
    figures = figures_for(project.organization, "quarter", quarter=1)
    income = rows(figures, "income_by_channel", "channel")
    assert income["bank_transfer"]["net"] == 30_000  # refunds came in the fourth quarter
    assert income["cash"]["net"] == 20_000
    assert figures["ratios"] == []
    assert "previous_year_income" not in figures["totals"][0]


def test_a_public_fundraising_organization_out_of_bounds_is_flagged(books):
    project, *_ = books
    organization = project.organization
    organization.has_public_fundraising = True
    organization.public_fundraising_certificate = "民公募 001"
    organization.save()
    ratios = {row["key"]: row for row in figures_for(organization)["ratios"]}
    # ¥210 of charitable spending against last year's ¥500 income: 42% < 70%.
    assert ratios["program"]["ok"] is False
    assert ratios["program"]["percent"] == "42.00"
    assert "70%" in ratios["program"]["explanation"]
    # ¥30 of ¥260 spent on management: 11.54% > 10%, and public foundations have no exemption.
    assert ratios["management"]["ok"] is False
    assert ratios["management"]["percent"] == "11.54"
    assert ratios["management"]["rule"] == "public_foundation"


def test_without_public_fundraising_the_band_follows_net_assets(books):
    project, *_ = books
    ratios = {row["key"]: row for row in figures_for(project.organization)["ratios"]}
    # ¥400 of net assets: the band under ¥4m, 8% of net assets and 20% management.
    assert ratios["program"]["rule"] == "non_public_foundation"
    assert (ratios["program"]["threshold_percent"], ratios["program"]["ok"]) == (8, True)
    assert (ratios["management"]["threshold_percent"], ratios["management"]["ok"]) == (20, True)


def test_a_social_service_agency_is_held_to_its_own_rule(books):
    project, *_ = books
    organization = project.organization
    first_17 = "52" + organization.credit_code[2:17]  # 民政, 民办非企业单位 (社会服务机构)
    organization.credit_code = first_17 + credit_code_check_character(first_17)
    organization.save()
    ratios = {row["key"]: row for row in figures_for(organization)["ratios"]}
    # ¥400 of net assets: 第九条's band under ¥1m also wants half of last year's income spent.
    assert ratios["program"]["rule"] == "non_public_social_organization"
    assert ratios["management"]["threshold_percent"] == 20
    assert "program_income" in ratios


PUBLIC = {"has_public_fundraising": True, "net_assets": None}


@pytest.mark.parametrize(
    ("program", "income", "ok"),
    [(7_000, 10_000, True), (6_999, 10_000, False), (70, 100, True), (7_001, 10_000, True)],
)
def test_charitable_spending_floor_is_exactly_seventy_percent(program, income, ok):
    (result, _management) = ratio_check(
        program=program, management=0, total_spending=program, previous_year_income=income, **PUBLIC
    )
    assert result.key == "program"
    assert result.ok is ok
    assert bool(result.explanation) is (not ok)
    assert result.value == Decimal(program) / Decimal(income)


@pytest.mark.parametrize(
    ("management", "total", "ok"),
    [(1_000, 10_000, True), (1_001, 10_000, False), (10, 100, True), (999, 10_000, True)],
)
def test_management_ceiling_is_exactly_ten_percent(management, total, ok):
    (_program, result) = ratio_check(
        program=total - management,
        management=management,
        total_spending=total,
        previous_year_income=total,
        **PUBLIC,
    )
    assert result.key == "management"
    assert result.ok is ok
    if not ok:
        assert "10%" in result.explanation and "10.01" in result.explanation


@pytest.mark.parametrize("income", [0, None])
def test_no_prior_year_income_makes_the_floor_not_applicable(income):
    (result, management) = ratio_check(
        program=5_000, management=0, total_spending=5_000, previous_year_income=income, **PUBLIC
    )
    assert result.ok is None and not result.applicable
    assert result.value is None and result.percent == ""
    assert "previous year" in result.explanation
    assert management.ok is True


def test_nothing_spent_makes_the_management_ratio_not_applicable():
    (_program, management) = ratio_check(
        program=0, management=0, total_spending=0, previous_year_income=100, **PUBLIC
    )
    assert management.ok is None
    assert "Nothing was spent" in management.explanation


def test_bands_by_net_assets_include_their_lower_bound():
    wan = 10_000 * 100

    def band(net_assets, legal_form="foundation"):
        program, management = ratio_check(
            program=0,
            management=0,
            total_spending=1,
            previous_year_income=0,
            net_assets=net_assets,
            has_public_fundraising=False,
            legal_form=legal_form,
        )[:2]
        return program.threshold_percent, management.threshold_percent

    assert band(6000 * wan) == (6, 12)
    assert band(6000 * wan - 1) == (6, 13)
    assert band(800 * wan) == (6, 13)
    assert band(800 * wan - 1) == (7, 15)
    assert band(400 * wan) == (7, 15)
    assert band(400 * wan - 1) == (8, 20)
    assert band(1000 * wan, "social_organization") == (6, 13)
    assert band(500 * wan, "social_organization") == (7, 14)
    assert band(100 * wan, "social_organization") == (8, 15)


def test_small_social_organizations_also_need_half_of_last_years_income():
    results = ratio_check(
        program=4_999,
        management=0,
        total_spending=4_999,
        previous_year_income=10_000,
        net_assets=1_000,
        has_public_fundraising=False,
        legal_form="social_organization",
    )
    by_key = {result.key: result for result in results}
    assert by_key["program"].ok is True  # 4,999 ≥ 8% of 1,000
    assert by_key["program_income"].ok is False  # 49.99% < 50%
    assert "50%" in by_key["program_income"].explanation


def test_net_assets_ratio_explains_where_net_assets_come_from():
    program, _management = ratio_check(
        program=1,
        management=0,
        total_spending=1,
        previous_year_income=0,
        net_assets=1_000,
        has_public_fundraising=False,
    )
    assert program.ok is False
    assert "ledger" in program.explanation


def test_small_management_costs_are_exempt_except_for_public_foundations():
    common = {
        "program": 1,
        "management": 100_000,
        "total_spending": 100_001,
        "previous_year_income": 1,
    }
    (_p, management) = ratio_check(**common, net_assets=1, has_public_fundraising=False)
    assert management.ok is True and "200,000" in management.explanation
    (_p, management) = ratio_check(**common, net_assets=None, has_public_fundraising=True)
    assert management.ok is False


def test_every_rule_names_its_source_and_year():
    assert {(rule.public_fundraising, rule.legal_form) for rule in RATIO_RULES} == {
        (True, "foundation"),
        (True, "social_organization"),
        (False, "foundation"),
        (False, "social_organization"),
    }
    for rule in RATIO_RULES:
        assert rule.source and rule.year == 2016 and rule.name
        bands = sorted(rule.grades, key=lambda g: g.min_net_assets or 0)
        for lower, upper in itertools.pairwise(bands):
            assert lower.max_net_assets == upper.min_net_assets  # no gaps, no overlaps


@pytest.fixture
def last_year(books):
    project, clerk, colleague = books
    return project.organization, clerk, colleague


def test_publishing_freezes_the_figures_with_the_ledger_head(last_year):
    organization, clerk, colleague = last_year
    report = services.report_create(
        actor=clerk, organization=organization, period_kind="year", year=PREVIOUS
    )
    assert report.status == ReportStatus.DRAFT
    published = services.report_publish(actor=colleague, report=report)
    head = LedgerHead.objects.get()
    assert published.status == ReportStatus.PUBLISHED
    assert (published.ledger_seq, published.ledger_hash) == (head.seq, head.entry_hash)
    assert published.published_by == colleague and published.published_at
    income = published.figures["totals"][0]["income"]
    assert income == 50_000

    # A late entry for that year does not change what was published.
    gift(None, 5_000, china(PREVIOUS, 6, 1), actor=clerk, organization=organization)
    published.refresh_from_db()
    assert published.figures["totals"][0]["income"] == 50_000
    assert figures_for(organization, year=PREVIOUS)["totals"][0]["income"] == 55_000

    published.figures = {}
    with pytest.raises(PublishedReportError):
        published.save()
    with pytest.raises(PublishedReportError):
        published.delete()
    assert services.report_publish(actor=colleague, report=published) == published  # a no-op
    again = TransparencyReport.objects.create(
        organization=organization,
        period_kind="year",
        period_start=published.period_start,
        period_end=published.period_end,
        created_by=clerk,
    )
    with pytest.raises(CharityError, match="already published") as refused:
        services.report_publish(actor=colleague, report=again)
    assert refused.value.code == "published"
    with pytest.raises(CharityError, match="already published"):
        services.report_create(
            actor=clerk, organization=organization, period_kind="year", year=PREVIOUS
        )


def test_figures_count_only_entries_up_to_the_head_they_were_read_at(last_year):
    organization, clerk, _colleague = last_year
    seq = LedgerHead.objects.get().seq
    gift(None, 5_000, china(YEAR, 6, 1), actor=clerk, organization=organization)
    start, end = report_period(period_kind="year", year=YEAR)
    before = services.report_figures(
        organization=organization,
        period_start=start,
        period_end=end,
        period_kind="year",
        upto_seq=seq,
    )
    assert before["totals"][0]["income"] == 45_000
    assert figures_for(organization)["totals"][0]["income"] == 50_000


def test_an_unfinished_period_cannot_be_published(last_year):
    organization, clerk, colleague = last_year
    report = services.report_create(
        actor=clerk, organization=organization, period_kind="year", year=YEAR
    )
    with pytest.raises(CharityError, match="period has ended") as refused:
        services.report_publish(actor=colleague, report=report)
    assert refused.value.code == "period_open"
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_exports_parse_back_to_the_same_totals(last_year):
    organization, clerk, _colleague = last_year
    report = services.report_create(
        actor=clerk, organization=organization, period_kind="year", year=YEAR
    )
    totals = report.figures["totals"][0]

    document = json.loads(services.report_export(report=report, fmt="json"))
    assert document["figures"]["totals"][0] == totals
    assert document["ledger_seq"] == report.ledger_seq

    table = list(
        csv.DictReader(
            io.StringIO(services.report_export(report=report, fmt="csv").decode("utf-8-sig"))
        )
    )
    from_csv = {row["measure"]: int(row["value"]) for row in table if row["section"] == "totals"}
    assert from_csv == {key: value for key, value in totals.items() if key != "currency"}
    channels = {
        row["item"]: int(row["value"])
        for row in table
        if row["section"] == "income_by_channel" and row["measure"] == "net"
    }
    assert channels == {"bank_transfer": 30_000, "cash": 15_000}
    assert {"donors": "2"}.items() <= {
        row["measure"]: row["value"] for row in table if row["section"] == "summary"
    }.items()

    workbook = openpyxl.load_workbook(io.BytesIO(services.report_export(report=report, fmt="xlsx")))
    sheet = workbook["totals"]
    header, *values = list(sheet.iter_rows(values_only=True))
    (row,) = values
    from_xlsx = dict(zip(header, row, strict=True))
    assert {key: from_xlsx[key] for key in totals} == totals
    spending = workbook["spending_by_category"]
    assert sum(r[-1] for r in list(spending.iter_rows(values_only=True))[1:]) == 26_000

    with pytest.raises(ValueError, match="Unknown export format"):
        services.report_export(report=report, fmt="pdf")


def test_editors_and_other_organizations_cannot_make_or_publish_reports(last_year, member_of):
    organization, clerk, _colleague = last_year
    report = services.report_create(
        actor=clerk, organization=organization, period_kind="year", year=PREVIOUS
    )
    for outsider in (
        member_of(organization, Role.EDITOR),
        finance_of(ProjectFactory().organization),
    ):
        with pytest.raises(PermissionDenied):
            services.report_create(
                actor=outsider, organization=organization, period_kind="year", year=PREVIOUS
            )
        with pytest.raises(PermissionDenied):
            services.report_publish(actor=outsider, report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def recompute(organization, start, end) -> dict:
    """The report's figures again, from the raw ledger rows, one by one in Python."""
    income = defaultdict(int)
    spending = defaultdict(int)
    groups = defaultdict(int)
    funds = defaultdict(lambda: defaultdict(int))
    donors = set()
    for entry in LedgerEntry.objects.filter(organization=organization).select_related(
        "donation", "expenditure"
    ):
        fund = funds[entry.project_id]
        if entry.occurred_at >= end:
            continue
        fund["balance_at_end"] += entry.amount
        if entry.occurred_at < start:
            fund["balance_at_start"] += entry.amount
            continue
        if entry.donation_id:
            income[entry.donation.channel] += entry.amount
            fund["raised"] += entry.amount
            if entry.kind == LedgerEntryKind.DONATION_RECEIVED:
                donors.add(entry.donation.donor_key)
        else:
            spending[entry.expenditure.category] -= entry.amount
            groups[entry.expenditure.beneficiary_group_id or ""] -= entry.amount
            fund["spent"] -= entry.amount
    return {
        "income": dict(income),
        "spending": dict(spending),
        "groups": dict(groups),
        "funds": {key: dict(value) for key, value in funds.items() if value},
        "donors": len(donors),
    }


class TestReportProperties(TestCase):
    @settings(max_examples=15, deadline=None)
    @given(
        gifts=st.lists(
            st.tuples(
                st.integers(100, 50_000),
                st.integers(0, 600),  # days after 2025-05-01
                st.integers(0, 23),  # hour, China time
                st.booleans(),  # cash or bank transfer
                st.integers(0, 3),  # donor
                st.booleans(),  # general fund or project
            ),
            min_size=1,
            max_size=8,
        ),
        refunds=st.lists(st.tuples(st.integers(0, 7), st.integers(1, 100)), max_size=3),
        spending=st.lists(
            st.tuples(
                st.integers(100, 40_000),
                st.sampled_from(["program", "management", "fundraising"]),
                st.integers(0, 570),
                st.sampled_from([None, "orphans", "other"]),
                st.booleans(),  # reversed later
            ),
            max_size=5,
        ),
        period=st.sampled_from(
            [("year", 2026, None), ("year", 2025, None), ("quarter", 2026, 1), ("quarter", 2025, 4)]
        ),
    )
    def test_totals_equal_a_recomputation_from_the_raw_ledger(
        self, gifts, refunds, spending, period
    ):
        project = ProjectFactory()
        organization = project.organization
        clerk, colleague = finance_of(organization), finance_of(organization)
        base = datetime.date(2025, 5, 1)
        donations = [
            gift(
                None if general else project,
                amount,
                china(*(base + datetime.timedelta(days=day)).timetuple()[:3], hour),
                actor=clerk,
                organization=organization,
                channel=DonationChannel.CASH if cash else DonationChannel.BANK_TRANSFER,
                email=f"d{donor}@example.org",
            )
            for amount, day, hour, cash, donor, general in gifts
        ]
        for index, percent in refunds:
            donation = donations[index % len(donations)]
            donation.refresh_from_db()
            left = donation.amount - sum(r.amount for r in donation.refunds.all())
            if left * percent // 100 >= 1 and donation.status in (
                "succeeded",
                "partially_refunded",
            ):
                services.donation_refund(
                    actor=clerk, donation=donation, amount=left * percent // 100
                )
        for amount, category, day, group, reverse in spending:
            expenditure = spend(
                project,
                amount,
                creator=clerk,
                approver=colleague,
                category=category,
                beneficiary_group=group_of(group),
                spent_on=base + datetime.timedelta(days=day),
                is_advance=True,
                advance_reason="test",
            )
            if reverse:
                reversal = services.expenditure_reverse(
                    actor=clerk, expenditure=expenditure, reason="更正"
                )
                services.expenditure_approve(actor=colleague, expenditure=reversal)
                services.expenditure_publish(actor=colleague, expenditure=reversal)

        kind, year, quarter = period
        figures = figures_for(organization, kind, year, quarter)
        start, end = period_bounds(*report_period(period_kind=kind, year=year, quarter=quarter))
        expected = recompute(organization, start, end)

        assert {r["channel"]: r["net"] for r in figures["income_by_channel"]} == expected["income"]
        assert {r["category"]: r["amount"] for r in figures["spending_by_category"]} == expected[
            "spending"
        ]
        assert {
            r["beneficiary_group"]: r["amount"] for r in figures["spending_by_beneficiary_group"]
        } == expected["groups"]
        funds = {
            r["project_id"]: {
                k: r[k] for k in ("raised", "spent", "balance_at_start", "balance_at_end") if r[k]
            }
            for r in figures["projects"]
        }
        assert {k: v for k, v in funds.items() if v} == {
            k: {m: n for m, n in v.items() if n}
            for k, v in expected["funds"].items()
            if any(v.values())
        }
        assert figures["donors"] == expected["donors"]
        if figures["totals"]:
            (totals,) = figures["totals"]
            assert totals["income"] == sum(expected["income"].values())
            assert totals["spending"] == sum(expected["spending"].values())
            assert totals["balance_at_end"] - totals["balance_at_start"] == totals["net_change"]
        else:
            assert not expected["income"] and not expected["spending"]
