"""Transparency reports: an organization's income, spending, projects and regulatory ratios for a
quarter or a year, computed from the ledger and frozen, with the ledger head, when published.

Periods are calendar quarters and years in China time (settings.DEFAULT_USER_TIME_ZONE); a money
movement belongs to the period its ledger entry's `occurred_at` falls in (a gift: when it was
received; a refund or dispute: when it happened; an expenditure or its reversal: its date). So a
refund in March of a gift received in December lowers March's income, not December's.
"""

import csv
import datetime
import io
import json
import zoneinfo
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ..exceptions import CharityError
from ..models import (
    GENESIS_HASH,
    Allocation,
    BeneficiaryGroupCode,
    DonationChannel,
    Expenditure,
    ExpenditureCategory,
    ExpenditureStatus,
    LedgerEntry,
    LedgerEntryKind,
    LedgerHead,
    LegalForm,
    Organization,
    Project,
    ReportPeriodKind,
    ReportStatus,
    TransparencyReport,
    User,
)
from ..permissions import require
from ..spreadsheets import spreadsheet_row

# ---------------------------------------------------------------------------------------------
# The regulatory ratios, one table.
#
# 《中华人民共和国慈善法》(2016) 第六十条 sets the rule for foundations with public fundraising
# status; 民政部、财政部、国家税务总局《关于慈善组织开展慈善活动年度支出和管理费用的规定》
# (民发〔2016〕189号, in force 2016-10) sets the others. Its 第十条 lets an organization use the
# average of the previous three years instead of the previous year, and defines "previous year's
# total income" net of time-restricted income; the platform records neither, so the ratios below
# use the previous calendar year's income on the platform's ledger as it stands.
# Amounts are in fen (CNY minor units): the rules are written in 人民币.
# ---------------------------------------------------------------------------------------------

FOUNDATION = LegalForm.FOUNDATION.value  # 基金会
SOCIAL_ORGANIZATION = LegalForm.SOCIAL_ORGANIZATION.value  # 社会团体和社会服务机构

PREVIOUS_YEAR_INCOME = "previous_year_income"
NET_ASSETS = "net_assets"

WAN = 10_000 * 100  # 万元 in fen


@dataclass(frozen=True)
class RatioGrade:
    """One band of a rule: applies when min_net_assets <= net assets < max_net_assets (fen)."""

    min_net_assets: int | None
    max_net_assets: int | None
    program_floor_percent: int  # charitable-activity spending, at least this % of the base
    management_ceiling_percent: int  # management costs, at most this % of the year's spending
    # Some bands also require charitable-activity spending of at least this % of the previous
    # year's total income.
    income_floor_percent: int | None = None


@dataclass(frozen=True)
class RatioRule:
    key: str
    name: str
    source: str
    year: int
    public_fundraising: bool
    legal_form: str
    program_base: str  # PREVIOUS_YEAR_INCOME or NET_ASSETS (at the end of the previous year)
    grades: tuple[RatioGrade, ...]
    # 第十一条: annual management costs under ¥200,000 are not held to the management ceiling of
    # 第七条 to 第九条 (the public foundations' 10% is set by the Charity Law itself).
    management_exempt_below: int | None
    # False where a band's figures were not checked against a retrieved copy of the rule's text.
    confirmed: bool


_RULE_2016 = (
    "《关于慈善组织开展慈善活动年度支出和管理费用的规定》(民政部 财政部 国家税务总局, 2016)"
)

RATIO_RULES: tuple[RatioRule, ...] = (
    RatioRule(
        key="public_foundation",
        name="具有公开募捐资格的基金会",
        source="《中华人民共和国慈善法》第六十条; " + _RULE_2016 + " 第六条",
        year=2016,
        public_fundraising=True,
        legal_form=FOUNDATION,
        program_base=PREVIOUS_YEAR_INCOME,
        grades=(RatioGrade(None, None, 70, 10),),
        management_exempt_below=None,
        confirmed=True,
    ),
    RatioRule(
        key="public_social_organization",
        name="具有公开募捐资格的社会团体和社会服务机构",
        source=_RULE_2016 + " 第七条",
        year=2016,
        public_fundraising=True,
        legal_form=SOCIAL_ORGANIZATION,
        program_base=PREVIOUS_YEAR_INCOME,
        grades=(RatioGrade(None, None, 70, 13),),
        management_exempt_below=20 * WAN,
        confirmed=True,
    ),
    RatioRule(
        key="non_public_foundation",
        name="不具有公开募捐资格的基金会",
        source=_RULE_2016 + " 第八条",
        year=2016,
        public_fundraising=False,
        legal_form=FOUNDATION,
        program_base=NET_ASSETS,
        grades=(
            RatioGrade(6000 * WAN, None, 6, 12),
            RatioGrade(800 * WAN, 6000 * WAN, 6, 13),
            RatioGrade(400 * WAN, 800 * WAN, 7, 15),
            RatioGrade(None, 400 * WAN, 8, 20),
        ),
        management_exempt_below=20 * WAN,
        # Band (四) was checked against the text; (二) against a secondary source; (一) and (三)
        # are as remembered from the rule and still to be checked against the official text.
        confirmed=False,
    ),
    RatioRule(
        key="non_public_social_organization",
        name="不具有公开募捐资格的社会团体和社会服务机构",
        source=_RULE_2016 + " 第九条",
        year=2016,
        public_fundraising=False,
        legal_form=SOCIAL_ORGANIZATION,
        program_base=NET_ASSETS,
        grades=(
            RatioGrade(1000 * WAN, None, 6, 13),
            RatioGrade(500 * WAN, 1000 * WAN, 7, 14),
            RatioGrade(100 * WAN, 500 * WAN, 8, 15),
            RatioGrade(None, 100 * WAN, 8, 20, income_floor_percent=50),
        ),
        management_exempt_below=20 * WAN,
        confirmed=True,
    ),
)


def ratio_rule_for(*, has_public_fundraising: bool, legal_form: str = FOUNDATION) -> RatioRule:
    for rule in RATIO_RULES:
        if rule.public_fundraising == has_public_fundraising and rule.legal_form == legal_form:
            return rule
    raise ValueError(f"No ratio rule for {has_public_fundraising=} {legal_form=}")


def _grade_for(rule: RatioRule, net_assets: int | None) -> RatioGrade | None:
    if len(rule.grades) == 1:
        return rule.grades[0]
    if net_assets is None:
        return None
    for grade in rule.grades:
        if (grade.min_net_assets is None or net_assets >= grade.min_net_assets) and (
            grade.max_net_assets is None or net_assets < grade.max_net_assets
        ):
            return grade
    return None


@dataclass(frozen=True)
class RatioResult:
    """One regulatory ratio: numerator / denominator against a floor or a ceiling (in %).

    `ok` is None when the ratio does not apply (no base to divide by); `explanation` says why, or
    why the ratio is out of bounds.
    """

    key: str  # "program", "program_income" or "management"
    rule: str
    rule_name: str
    source: str
    year: int
    bound: str  # "floor" or "ceiling"
    threshold_percent: int
    numerator: int
    denominator: int
    ok: bool | None
    explanation: str = ""

    @property
    def applicable(self) -> bool:
        return self.ok is not None

    @property
    def value(self) -> Decimal | None:
        """The exact ratio as a Decimal (division to 28 digits); comparisons use integers."""
        if not self.denominator:
            return None
        return Decimal(self.numerator) / Decimal(self.denominator)

    @property
    def percent(self) -> str:
        """For display: the ratio in % to two decimals, or "" when it does not apply."""
        value = self.value
        if value is None or not self.applicable:
            return ""
        return str((value * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["applicable"] = self.applicable
        data["percent"] = self.percent
        return data


def _net_assets_note() -> str:
    return _(
        "Net assets are taken as the balance of all the organization's funds on this platform's "
        "ledger at the end of the previous year; the organization's own balance sheet may differ."
    )


def ratio_check(
    *,
    program: int,
    management: int,
    total_spending: int,
    previous_year_income: int | None,
    net_assets: int | None,
    has_public_fundraising: bool,
    legal_form: str = FOUNDATION,
    currency: str = "CNY",
) -> list[RatioResult]:
    """The year's regulatory ratios for one currency's figures (minor units), per RATIO_RULES.

    Compared exactly in integers (spent × 100 ≥ income × 70): exactly on the floor or the
    ceiling is within bounds. A missing or non-positive base makes a ratio not applicable;
    nothing is ever divided by zero. Bands by net assets and the ¥200,000 exemption are in yuan,
    so they apply to CNY figures only.
    """
    rule = ratio_rule_for(has_public_fundraising=has_public_fundraising, legal_form=legal_form)
    in_yuan = currency == "CNY"
    grade = _grade_for(rule, net_assets if in_yuan else None)
    common = {"rule": rule.key, "rule_name": rule.name, "source": rule.source, "year": rule.year}
    results = []

    # Charitable-activity spending against its base.
    if rule.program_base == PREVIOUS_YEAR_INCOME:
        base, base_missing = (
            previous_year_income or 0,
            _("No income was recorded in the previous year, so this ratio does not apply."),
        )
    else:
        base, base_missing = (
            net_assets or 0,
            _(
                "The organization held no net assets at the end of the previous year, so this "
                "ratio does not apply."
            ),
        )
    if grade is None:
        results.append(
            RatioResult(
                key="program",
                bound="floor",
                threshold_percent=0,
                numerator=program,
                denominator=base,
                ok=None,
                explanation=_(
                    "The thresholds by net assets are set in yuan; they do not apply to figures "
                    "in %(currency)s."
                )
                % {"currency": currency},
                **common,
            )
        )
    else:
        floor = grade.program_floor_percent
        if base <= 0:
            ok, explanation = None, base_missing
        elif program * 100 >= base * floor:
            ok, explanation = True, ""
        else:
            ok = False
            explanation = _(
                "Charitable-activity spending was %(percent)s%% of %(base)s, below the floor "
                "of %(floor)s%% (%(rule)s)."
            ) % {
                "percent": _percent(program, base),
                "base": _base_name(rule.program_base),
                "floor": floor,
                "rule": rule.source,
            }
        if rule.program_base == NET_ASSETS and explanation:
            explanation = f"{explanation} {_net_assets_note()}"
        results.append(
            RatioResult(
                key="program",
                bound="floor",
                threshold_percent=floor,
                numerator=program,
                denominator=base,
                ok=ok,
                explanation=explanation,
                **common,
            )
        )
        if grade.income_floor_percent is not None:
            income = previous_year_income or 0
            floor = grade.income_floor_percent
            if income <= 0:
                ok = None
                explanation = _(
                    "No income was recorded in the previous year, so this ratio does not apply."
                )
            elif program * 100 >= income * floor:
                ok, explanation = True, ""
            else:
                ok = False
                explanation = _(
                    "Charitable-activity spending was %(percent)s%% of the previous year's "
                    "income, below the floor of %(floor)s%% (%(rule)s)."
                ) % {"percent": _percent(program, income), "floor": floor, "rule": rule.source}
            results.append(
                RatioResult(
                    key="program_income",
                    bound="floor",
                    threshold_percent=floor,
                    numerator=program,
                    denominator=income,
                    ok=ok,
                    explanation=explanation,
                    **common,
                )
            )

    # Management costs against the year's total spending.
    ceiling = grade.management_ceiling_percent if grade is not None else 0
    if grade is None:
        ok = None
        explanation = _(
            "The thresholds by net assets are set in yuan; they do not apply to figures in "
            "%(currency)s."
        ) % {"currency": currency}
    elif total_spending <= 0:
        ok, explanation = None, _("Nothing was spent in the year, so this ratio does not apply.")
    elif management * 100 <= total_spending * ceiling:
        ok, explanation = True, ""
    elif (
        in_yuan
        and rule.management_exempt_below is not None
        and management < rule.management_exempt_below
    ):
        ok = True
        explanation = _(
            "Management costs were %(percent)s%% of the year's spending, above %(ceiling)s%%, "
            "but under ¥200,000, which the rule exempts from the ceiling."
        ) % {"percent": _percent(management, total_spending), "ceiling": ceiling}
    else:
        ok = False
        explanation = _(
            "Management costs were %(percent)s%% of the year's spending, above the ceiling of "
            "%(ceiling)s%% (%(rule)s)."
        ) % {
            "percent": _percent(management, total_spending),
            "ceiling": ceiling,
            "rule": rule.source,
        }
    results.append(
        RatioResult(
            key="management",
            bound="ceiling",
            threshold_percent=ceiling,
            numerator=management,
            denominator=total_spending,
            ok=ok,
            explanation=explanation,
            **common,
        )
    )
    return results


def _percent(numerator: int, denominator: int) -> str:
    value = Decimal(numerator) * 100 / Decimal(denominator)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _base_name(base: str) -> str:
    if base == PREVIOUS_YEAR_INCOME:
        return _("the previous year's income")
    return _("the net assets at the end of the previous year")


def _legal_form(organization: Organization) -> str:
    # A code that names no known legal form gets the foundations' rules: the stricter ones (a 10%
    # management ceiling with public fundraising).
    return organization.legal_form or FOUNDATION


# ---------------------------------------------------------------------------------------------
# Periods and figures
# ---------------------------------------------------------------------------------------------


def report_period(
    *, period_kind: str, year: int, quarter: int | None = None
) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a calendar year or quarter."""
    if period_kind == ReportPeriodKind.YEAR:
        if quarter is not None:
            raise CharityError(_("A yearly report has no quarter."), code="quarter")
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if period_kind != ReportPeriodKind.QUARTER:
        raise CharityError(_("Reports cover a quarter or a year."), code="period_kind")
    if quarter not in (1, 2, 3, 4):
        raise CharityError(_("Choose a quarter from 1 to 4."), code="quarter")
    start = datetime.date(year, 3 * quarter - 2, 1)
    following = (
        datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, start.month + 3, 1)
    )
    return start, following - datetime.timedelta(days=1)


def _china_midnight(day: datetime.date) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)


def period_bounds(
    period_start: datetime.date, period_end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) as aware datetimes: midnight China time of the first day and of the day
    after the last."""
    return _china_midnight(period_start), _china_midnight(period_end + datetime.timedelta(days=1))


def _sum_rows(rows, key_fields, value_fields) -> list[dict]:
    """Merge rows that share key_fields, adding value_fields (small lists: the grouped rows)."""
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[field] for field in key_fields)
        target = merged.setdefault(
            key, {**{f: row[f] for f in key_fields}, **dict.fromkeys(value_fields, 0)}
        )
        for field in value_fields:
            target[field] += row[field] or 0
    return [merged[key] for key in sorted(merged, key=lambda k: tuple(str(v) for v in k))]


def _approved_volunteer_minutes(*, organization, start, end) -> int:
    # Approved hours live in the volunteers app, which charity may not import: a setting names
    # the reader (volunteers.selectors.approved_volunteer_minutes).
    read = import_string(settings.VOLUNTEER_MINUTES_READER)
    return read(organization=organization, start=start, end=end)


def report_figures(
    *,
    organization: Organization,
    period_start: datetime.date,
    period_end: datetime.date,
    period_kind: str | None = None,
    upto_seq: int | None = None,
) -> dict:
    """The report's figures, from the ledger entries up to `upto_seq` (all when None).

    Seven queries, whatever the number of entries (eight with a yearly report's previous year
    folded into the per-project query): income by channel, spending by category and beneficiary
    group, per-project sums, donors, advances, project titles, approved volunteer hours. All amounts are integer minor units with
    their currency; spending is positive (money out), reversals net out in the period they occur.
    Advances come from the allocations (fund tracing), as they stand when computed.
    """
    start, end = period_bounds(period_start, period_end)
    yearly = period_kind == ReportPeriodKind.YEAR
    volunteer_minutes = _approved_volunteer_minutes(organization=organization, start=start, end=end)
    entries = LedgerEntry.objects.filter(organization=organization)
    if upto_seq is not None:
        entries = entries.filter(seq__lte=upto_seq)
    in_period = entries.filter(occurred_at__gte=start, occurred_at__lt=end)

    income = [
        {
            "currency": row["currency"],
            "channel": row["donation__channel"],
            "received": row["received"] or 0,
            "adjustments": row["net"] - (row["received"] or 0),
            "net": row["net"],
        }
        for row in in_period.filter(donation__isnull=False)
        .values("currency", "donation__channel")
        .annotate(
            received=Sum("amount", filter=Q(kind=LedgerEntryKind.DONATION_RECEIVED)),
            net=Sum("amount"),
        )
        .order_by("currency", "donation__channel")
    ]

    spending_rows = [
        {
            "currency": row["currency"],
            "category": row["expenditure__category"],
            "beneficiary_group": row["expenditure__beneficiary_group_id"] or "",
            "amount": -row["total"],
        }
        for row in in_period.filter(expenditure__isnull=False)
        .values("currency", "expenditure__category", "expenditure__beneficiary_group_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ]
    by_category = _sum_rows(spending_rows, ("currency", "category"), ("amount",))
    by_group = _sum_rows(spending_rows, ("currency", "beneficiary_group"), ("amount",))

    project_sums = {
        "raised": Sum("amount", filter=Q(donation__isnull=False, occurred_at__gte=start)),
        "spent": Sum("amount", filter=Q(expenditure__isnull=False, occurred_at__gte=start)),
        "balance_at_start": Sum("amount", filter=Q(occurred_at__lt=start)),
        "balance_at_end": Sum("amount"),
    }
    if yearly:
        previous_start = _china_midnight(datetime.date(period_start.year - 1, 1, 1))
        project_sums["previous_year_income"] = Sum(
            "amount",
            filter=Q(
                donation__isnull=False, occurred_at__gte=previous_start, occurred_at__lt=start
            ),
        )
    fund_rows = list(
        entries.filter(occurred_at__lt=end)
        .values("project_id", "currency")
        .annotate(**project_sums)
        .order_by()
    )
    titles = dict(
        Project.objects.filter(
            pk__in=[r["project_id"] for r in fund_rows if r["project_id"]]
        ).values_list("pk", "title")
    )
    projects = sorted(
        (
            {
                "project_id": row["project_id"],
                "title": titles.get(row["project_id"], "") if row["project_id"] else "",
                "currency": row["currency"],
                "raised": row["raised"] or 0,
                "spent": -(row["spent"] or 0),
                "balance": (row["raised"] or 0) + (row["spent"] or 0),
                "balance_at_start": row["balance_at_start"] or 0,
                "balance_at_end": row["balance_at_end"] or 0,
            }
            for row in fund_rows
        ),
        key=lambda p: (p["project_id"] is not None, p["project_id"] or 0, p["currency"]),
    )

    donors = in_period.filter(kind=LedgerEntryKind.DONATION_RECEIVED).aggregate(
        donors=Count("donation__donor_key", distinct=True)
    )["donors"]

    advances = _advances(
        organization=organization, period_start=period_start, period_end=period_end
    )

    currencies = sorted(
        {r["currency"] for r in income}
        | {r["currency"] for r in spending_rows}
        | {r["currency"] for r in fund_rows}
    )
    totals = []
    for currency in currencies:
        cat = {r["category"]: r["amount"] for r in by_category if r["currency"] == currency}
        funds = [r for r in fund_rows if r["currency"] == currency]
        row = {
            "currency": currency,
            "received": sum(r["received"] for r in income if r["currency"] == currency),
            "adjustments": sum(r["adjustments"] for r in income if r["currency"] == currency),
            "income": sum(r["net"] for r in income if r["currency"] == currency),
            "program": cat.get(ExpenditureCategory.PROGRAM, 0),
            "management": cat.get(ExpenditureCategory.MANAGEMENT, 0),
            "fundraising": cat.get(ExpenditureCategory.FUNDRAISING, 0),
            "spending": sum(cat.values()),
            "balance_at_start": sum(r["balance_at_start"] or 0 for r in funds),
            "balance_at_end": sum(r["balance_at_end"] or 0 for r in funds),
            "advances": sum(r["amount"] for r in advances if r["currency"] == currency),
        }
        row["net_change"] = row["income"] - row["spending"]
        if yearly:
            row["previous_year_income"] = sum(r["previous_year_income"] or 0 for r in funds)
            # Net assets per the platform's records: every fund's ledger balance at the end of
            # the previous year (the organization keeps no balance sheet here).
            row["net_assets_at_previous_year_end"] = row["balance_at_start"]
        totals.append(row)

    ratios = []
    if yearly:
        for row in totals:
            ratios.extend(
                {"currency": row["currency"], **result.as_dict()}
                for result in ratio_check(
                    program=row["program"],
                    management=row["management"],
                    total_spending=row["spending"],
                    previous_year_income=row["previous_year_income"],
                    net_assets=row["net_assets_at_previous_year_end"],
                    has_public_fundraising=organization.has_public_fundraising,
                    legal_form=_legal_form(organization),
                    currency=row["currency"],
                )
            )

    return {
        "organization": {
            "id": organization.pk,
            "name": organization.name,
            "credit_code": organization.credit_code,
            "has_public_fundraising": organization.has_public_fundraising,
        },
        "period": {
            "kind": period_kind or "",
            "start": period_start.isoformat(),
            "end": period_end.isoformat(),
            "time_zone": settings.DEFAULT_USER_TIME_ZONE,
        },
        "currencies": currencies,
        "income_by_channel": income,
        "spending_by_category": by_category,
        "spending_by_beneficiary_group": by_group,
        "projects": projects,
        "donors": donors,
        "volunteer_hours": volunteer_minutes // 60,
        "volunteer_minutes": volunteer_minutes,
        "advances": advances,
        "totals": totals,
        "ratios": ratios,
    }


def _advances(*, organization, period_start, period_end) -> list[dict]:
    """One query: published expenditures dated in the period that no gift pays for in full
    (services.unallocated_amount, in bulk): neither reversals nor reversed, amount > allocated."""
    allocated = (
        Allocation.objects.filter(expenditure=OuterRef("pk"))
        .values("expenditure")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    rows = (
        Expenditure.objects.filter(
            organization=organization,
            status=ExpenditureStatus.PUBLISHED,
            reverses__isnull=True,
            spent_on__gte=period_start,
            spent_on__lte=period_end,
        )
        .exclude(reversed_by__status=ExpenditureStatus.PUBLISHED)
        .annotate(allocated=Coalesce(Subquery(allocated), Value(0)))
        .filter(amount__gt=F("allocated"))
        .values_list("currency", "amount", "allocated")
    )
    merged: dict[str, dict] = {}
    for currency, amount, allocated_amount in rows:
        row = merged.setdefault(currency, {"currency": currency, "count": 0, "amount": 0})
        row["count"] += 1
        row["amount"] += amount - allocated_amount
    return [merged[c] for c in sorted(merged)]


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


def _ledger_head() -> tuple[int, str]:
    head = LedgerHead.objects.filter(pk=1).values_list("seq", "entry_hash").first()
    return head or (0, GENESIS_HASH)


def report_create(
    *,
    actor: User,
    organization: Organization,
    period_kind: str,
    year: int,
    quarter: int | None = None,
) -> TransparencyReport:
    """Finance staff start a draft report for a quarter or a year, with figures as of now."""
    require(actor, "report.publish", organization)
    period_start, period_end = report_period(period_kind=period_kind, year=year, quarter=quarter)
    if TransparencyReport.objects.filter(
        organization=organization,
        period_start=period_start,
        period_end=period_end,
        status=ReportStatus.PUBLISHED,
    ).exists():
        raise CharityError(_("The report for this period is already published."), code="published")
    seq, entry_hash = _ledger_head()
    report = TransparencyReport(
        organization=organization,
        period_kind=period_kind,
        period_start=period_start,
        period_end=period_end,
        figures=report_figures(
            organization=organization,
            period_start=period_start,
            period_end=period_end,
            period_kind=period_kind,
            upto_seq=seq,
        ),
        ledger_seq=seq,
        ledger_hash=entry_hash,
        computed_at=timezone.now(),
        created_by=actor,
    )
    report.full_clean()
    report.save()
    return report


def report_publish(*, actor: User, report: TransparencyReport) -> TransparencyReport:
    """Recompute a draft's figures and freeze them with the ledger head they were computed at.

    The head is read first and every figure counts only the entries up to it: entries and the
    head commit together, so the snapshot is exactly the chain up to that entry, even while gifts
    keep arriving. Only a period that has ended in China time can be published; publishing a
    published report again changes nothing.
    """
    require(actor, "report.publish", report.organization)
    with transaction.atomic():
        report = (
            TransparencyReport.objects.select_for_update()
            .select_related("organization")
            .get(pk=report.pk)
        )
        if report.status == ReportStatus.PUBLISHED:
            return report
        today = timezone.localtime(timezone=zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE))
        if report.period_end >= today.date():
            raise CharityError(
                _("A report can be published once its period has ended."), code="period_open"
            )
        if TransparencyReport.objects.filter(
            organization_id=report.organization_id,
            period_start=report.period_start,
            period_end=report.period_end,
            status=ReportStatus.PUBLISHED,
        ).exists():
            raise CharityError(
                _("The report for this period is already published."), code="published"
            )
        seq, entry_hash = _ledger_head()
        figures = report_figures(
            organization=report.organization,
            period_start=report.period_start,
            period_end=report.period_end,
            period_kind=report.period_kind,
            upto_seq=seq,
        )
        now = timezone.now()
        # The last write of the row: from here on it is part of the public record.
        TransparencyReport.objects.filter(pk=report.pk).update(
            status=ReportStatus.PUBLISHED,
            figures=figures,
            ledger_seq=seq,
            ledger_hash=entry_hash,
            computed_at=now,
            published_at=now,
            published_by=actor,
        )
        report.refresh_from_db()
    return report


# ---------------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------------

EXPORT_FORMATS = ("csv", "xlsx", "json")

# section → (the column that names a row's item, the measures); amounts in minor units.
_SECTIONS = {
    "income_by_channel": ("channel", ("received", "adjustments", "net")),
    "spending_by_category": ("category", ("amount",)),
    "spending_by_beneficiary_group": ("beneficiary_group", ("amount",)),
    "projects": (
        "project_id",
        ("raised", "spent", "balance", "balance_at_start", "balance_at_end"),
    ),
    "advances": (None, ("count", "amount")),
    "totals": (
        None,
        (
            "received",
            "adjustments",
            "income",
            "program",
            "management",
            "fundraising",
            "spending",
            "net_change",
            "balance_at_start",
            "balance_at_end",
            "advances",
            "previous_year_income",
            "net_assets_at_previous_year_end",
        ),
    ),
    "ratios": (
        "key",
        ("numerator", "denominator", "threshold_percent", "percent", "ok", "explanation"),
    ),
}


def _label(section: str, row: dict) -> str:
    if section == "income_by_channel":
        return _choice_label(DonationChannel, row["channel"])
    if section == "spending_by_category":
        return _choice_label(ExpenditureCategory, row["category"])
    if section == "spending_by_beneficiary_group":
        if not row["beneficiary_group"]:
            return _("Not specified")
        return _choice_label(BeneficiaryGroupCode, row["beneficiary_group"])
    if section == "projects":
        return row["title"] or _("General fund")
    if section == "ratios":
        return f"{row['rule_name']} ({row['bound']})"
    return ""


def _choice_label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _export_header(report: TransparencyReport) -> dict:
    return {
        "organization": report.figures.get("organization", {}),
        "period": report.figures.get("period", {}),
        "status": report.status,
        "ledger_seq": report.ledger_seq,
        "ledger_hash": report.ledger_hash,
        "computed_at": report.computed_at.isoformat() if report.computed_at else None,
        "published_at": report.published_at.isoformat() if report.published_at else None,
        "amounts": "integer minor units (fen, cents) of each row's currency",
    }


class _SafeWriter:
    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row):
        return self.writer.writerow(spreadsheet_row(row))


def report_export(*, report: TransparencyReport, fmt: str) -> bytes:
    """The report as a file: "json" (everything), "csv" (one long table: section, currency,
    item, label, measure, value) or "xlsx" (a sheet per section)."""
    figures = report.figures
    if fmt == "json":
        document = {**_export_header(report), "figures": figures}
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()
    if fmt == "csv":
        out = io.StringIO()
        # Titles and labels are organizations' own text: never formulas in a spreadsheet.
        writer = _SafeWriter(csv.writer(out))
        writer.writerow(["section", "currency", "item", "label", "measure", "value"])
        for name, value in _export_header(report).items():
            if not isinstance(value, dict):
                writer.writerow(["report", "", "", "", name, value if value is not None else ""])
        writer.writerow(["summary", "", "", "", "donors", figures.get("donors", 0)])
        writer.writerow(
            ["summary", "", "", "", "volunteer_hours", figures.get("volunteer_hours", 0)]
        )
        for section, (item_field, measures) in _SECTIONS.items():
            for row in figures.get(section, []):
                item = row.get(item_field) if item_field else ""
                for measure in measures:
                    if measure in row:
                        value = row[measure]
                        writer.writerow(
                            [
                                section,
                                row.get("currency", ""),
                                "" if item is None else item,
                                _label(section, row),
                                measure,
                                "" if value is None else value,
                            ]
                        )
        # With a byte-order mark, so that spreadsheet programs read the Chinese text as UTF-8.
        return out.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        import tablib

        sheets = []
        summary = tablib.Dataset(title="report", headers=["measure", "value"])
        for name, value in _export_header(report).items():
            if not isinstance(value, dict):
                summary.append(spreadsheet_row([name, "" if value is None else value], xlsx=True))
        summary.append(["donors", figures.get("donors", 0)])
        summary.append(["volunteer_hours", figures.get("volunteer_hours", 0)])
        sheets.append(summary)
        for section, (item_field, measures) in _SECTIONS.items():
            headers = ["currency"] + ([item_field, "label"] if item_field else []) + list(measures)
            sheet = tablib.Dataset(title=section[:31], headers=headers)
            for row in figures.get(section, []):
                values = [row.get("currency", "")]
                if item_field:
                    item = row.get(item_field)
                    values += ["" if item is None else item, _label(section, row)]
                values += ["" if row.get(m) is None else row.get(m) for m in measures]
                sheet.append(spreadsheet_row(values, xlsx=True))
            sheets.append(sheet)
        return tablib.Databook(sheets).export("xlsx")
    raise ValueError(f"Unknown export format {fmt!r}; use one of {EXPORT_FORMATS}.")
