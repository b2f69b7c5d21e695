"""Demo transparency reports for seed_demo: one published annual report per verified
organization for last year, computed from last year's books on the ledger like any other.

The books are the organizations' general funds (so the projects' pages keep their own figures):
gifts received two years ago and last year, and last year's spending with receipts. They are
chosen so that the regulatory ratios come out as a real organization's might:

- 善心社区慈善基金会 (public fundraising): charitable spending 80% of the previous year's
  income (floor 70%) and management 6% of spending (ceiling 10%): within bounds.
- 山川乡村儿童关爱中心 (no public fundraising; a social service agency by its credit code, so
  第九条 applies): it held ¥300,000 at the end of the year before and spent only ¥20,000 of it
  on its programmes last year, 6.67% of its net assets, below the 8% floor of its band (net
  assets under ¥1,000,000), and less than half of the year before's income, which that band
  also asks for; its report flags both with the explanation.
"""

import datetime
import zoneinfo

from django.conf import settings

from charity import services
from charity.models import (
    DonationChannel,
    ReportPeriodKind,
    ReportStatus,
    Role,
    TransparencyReport,
)
from cms.services import report_pages_ensure

from ._demo_expenditures import receipt_image

YUAN = 100
# slug → (income two years ago, income last year, [(category, amount, zh purpose, payee)])
BOOKS = {
    "sunshine-community": (
        500_000 * YUAN,
        620_000 * YUAN,
        [
            ("program", 260_000 * YUAN, "冬季助学金发放（全年）", "受助学生家庭（共 130 户）"),
            ("program", 140_000 * YUAN, "大病医疗救助（全年）", "定点合作医院"),
            ("management", 27_000 * YUAN, "机构行政与审计费用", "机构行政部"),
            ("fundraising", 13_000 * YUAN, "年度筹款活动", "蓉城印务"),
        ],
    ),
    "mountain-children": (
        300_000 * YUAN,
        180_000 * YUAN,
        [
            ("program", 20_000 * YUAN, "课后辅导与营养午餐（全年）", "山区学校合作点"),
            ("management", 4_000 * YUAN, "机构行政费用", "机构行政部"),
            ("fundraising", 2_000 * YUAN, "筹款宣传材料", "蓉城印务"),
        ],
    ),
}


def _at(year: int, month: int, day: int) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
    return datetime.datetime(year, month, day, 10, tzinfo=zone)


def seed_reports(*, organizations, today: datetime.date) -> int:
    """Last year's books and annual report for each organization in BOOKS, once."""
    last = today.year - 1
    published = 0
    for slug, (income_before, income_last, spending) in BOOKS.items():
        organization = organizations.get(slug)
        if organization is None or not organization.is_verified:
            continue
        if TransparencyReport.objects.filter(
            organization=organization,
            period_kind=ReportPeriodKind.YEAR,
            period_start=datetime.date(last, 1, 1),
            status=ReportStatus.PUBLISHED,
        ).exists():
            continue
        members = {m.role: m.user for m in organization.memberships.select_related("user")}
        clerk, owner = members[Role.FINANCE], members[Role.OWNER]
        for year, amount in ((last - 1, income_before), (last, income_last)):
            for half, month in enumerate((3, 9)):
                services.donation_record_offline(
                    actor=clerk,
                    organization=organization,
                    project=None,
                    amount=amount // 2,
                    currency="CNY",
                    channel=DonationChannel.BANK_TRANSFER,
                    received_at=_at(year, month, 15),
                    donor_name="蓉城公益联合会",
                    bank_reference=f"DEMO-{organization.pk}-{year}-{half + 1}",
                )
        for index, (category, amount, purpose, payee) in enumerate(spending):
            day = datetime.date(last, 4 + index * 2, 20)
            expenditure = services.expenditure_create(
                actor=clerk,
                organization=organization,
                project=None,
                currency="CNY",
                amount=amount,
                category=category,
                payee=payee,
                purpose=purpose,
                spent_on=day,
                documents=[
                    receipt_image(f"{organization.pk}-{last}-{index + 1}", payee, amount, day)
                ],
            )
            services.expenditure_approve(actor=owner, expenditure=expenditure)
            services.expenditure_publish(actor=owner, expenditure=expenditure)
        report = services.report_create(
            actor=clerk, organization=organization, period_kind=ReportPeriodKind.YEAR, year=last
        )
        report = services.report_publish(actor=owner, report=report)
        report_pages_ensure(report=report)
        published += 1
    return published
