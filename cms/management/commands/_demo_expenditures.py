"""Demo spending for seed_demo: published expenditures in every category, with receipts drawn
here (no downloads), traced to the gifts that paid for them; one advance and one reversal."""

import datetime
import io

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from charity import services
from charity.models import Expenditure, Project, ProjectStatus, Role

# (category, share of the fund's balance, zh purpose, payee, payee is a person)
SPENDING = [
    ("program", 0.45, "采购物资并发放到户", "成都惠民物资供应有限公司", False),
    ("program", 0.10, "困难家庭生活补助（首批）", "王秀英", True),
    ("management", 0.03, "项目执行人员交通与通讯费", "机构行政部", False),
    ("fundraising", 0.02, "筹款宣传材料印刷", "蓉城印务", False),
]


def receipt_image(number: str, payee: str, amount: int, day: datetime.date) -> ContentFile:
    """A plain receipt picture (Latin text: the default font has no Chinese glyphs)."""
    picture = Image.new("RGB", (900, 560), (252, 250, 245))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((20, 20, 880, 540), outline=(180, 60, 40), width=4)
    lines = [
        "OFFICIAL RECEIPT (demo)",
        f"No. {number}",
        f"Date: {day.isoformat()}",
        f"Amount: CNY {amount / 100:,.2f}",
        f"Payee ref: {abs(hash(payee)) % 10**8:08d}",
        "Shanxin demo data - not a real document",
    ]
    for index, line in enumerate(lines):
        draw.text((60, 60 + index * 70), line, fill=(40, 40, 40))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=f"receipt-{number}.png")


def seed_expenditures(*, organizations) -> int:
    """Published spending for each organization's fundraising projects, once."""
    if Expenditure.objects.filter(organization__in=organizations.values()).exists():
        return 0
    count = 0
    for organization in organizations.values():
        members = {m.role: m.user for m in organization.memberships.select_related("user")}
        clerk, approver = members.get(Role.FINANCE), members.get(Role.OWNER)
        if not (organization.is_verified and clerk and approver):
            continue
        projects = Project.objects.filter(
            organization=organization, status=ProjectStatus.FUNDRAISING
        ).order_by("pk")
        for number, project in enumerate(projects):
            balance = services.fund_balance(
                organization_id=organization.pk, project_id=project.pk, currency=project.currency
            )
            if balance <= 0:
                continue
            for index, (category, share, purpose, payee, person) in enumerate(SPENDING):
                amount = int(balance * share) // 100 * 100
                if amount <= 0 or (index and number % 2):
                    continue
                day = timezone.localdate() - datetime.timedelta(days=12 - index * 3)
                expenditure = services.expenditure_create(
                    actor=clerk,
                    organization=organization,
                    project=project,
                    currency=project.currency,
                    amount=amount,
                    category=category,
                    beneficiary_group=project.beneficiary_groups.first(),
                    payee=payee,
                    payee_is_individual=person,
                    purpose=purpose,
                    spent_on=day,
                    documents=[receipt_image(f"{project.pk:03d}-{index + 1}", payee, amount, day)],
                )
                services.expenditure_approve(actor=approver, expenditure=expenditure)
                services.expenditure_publish(actor=approver, expenditure=expenditure)
                count += 1
            if number == 0:
                # A duplicate entry, corrected the way the public record requires: a reversal.
                duplicate = services.expenditure_create(
                    actor=clerk,
                    organization=organization,
                    project=project,
                    currency=project.currency,
                    amount=10_000,
                    category="program",
                    payee=SPENDING[0][3],
                    purpose="采购物资（重复录入）",
                    spent_on=timezone.localdate() - datetime.timedelta(days=5),
                )
                services.expenditure_approve(actor=approver, expenditure=duplicate)
                services.expenditure_publish(actor=approver, expenditure=duplicate)
                reversal = services.expenditure_reverse(
                    actor=clerk, expenditure=duplicate, reason="冲销：同一张发票重复录入"
                )
                services.expenditure_approve(actor=approver, expenditure=reversal)
                services.expenditure_publish(actor=approver, expenditure=reversal)
                count += 2
    return count
