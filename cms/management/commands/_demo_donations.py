"""Demo gifts for seed_demo: online (one-off and monthly, through the local test gateway and its
signed events), offline bank transfers and cash, refunds and anonymous gifts; so that progress
bars, donor pages and the ledger show real figures."""

import datetime
import random

from django.conf import settings
from django.utils import timezone

from charity import services
from charity.models import Donation, DonationChannel, Project, ProjectStatus, Role

NAMES = [
    "李娜",
    "王磊",
    "张静",
    "刘洋",
    "陈晨",
    "杨帆",
    "赵雪",
    "黄海",
    "周婷",
    "吴昊",
    "Emily Chen",
    "David Wong",
    "Sarah Lee",
    "Michael Zhang",
]
MESSAGES = ["加油！", "希望孩子们冬天温暖。", "一点心意。", "Keep going!", "", "", ""]
COMPANIES = ["成都天府科技有限公司", "北京和光文化传媒", "上海浦江物流", "深圳南山创新基金"]
AMOUNTS = [5_000, 10_000, 20_000, 50_000, 8_800, 100_000, 30_000]


def seed_donations(*, organizations, donor) -> int:
    """Gifts to every fundraising project, once: a second run adds nothing."""
    if Donation.objects.filter(organization__in=organizations.values()).exists():
        return 0
    randomness = random.Random(2026)
    owners = {
        org.pk: org.memberships.filter(role=Role.OWNER).select_related("user").first().user
        for org in organizations.values()
    }
    projects = Project.objects.filter(
        organization__in=organizations.values(), status=ProjectStatus.FUNDRAISING
    ).select_related("organization")
    count = 0
    online = settings.STRIPE_TEST_GATEWAY  # never charge a real Stripe account with demo data
    for number, project in enumerate(projects):
        if not project.accepts_donations():
            continue
        owner = owners[project.organization_id]
        # A company's bank transfer sets where the bar stands; the rest are individual gifts.
        share = randomness.choice([0.15, 0.3, 0.45, 0.6, 0.75, 0.9])
        services.donation_record_offline(
            actor=owner,
            organization=project.organization,
            project=project,
            amount=int(project.goal_amount * share) // 100 * 100,
            currency=project.currency,
            channel=DonationChannel.BANK_TRANSFER,
            received_at=timezone.now() - datetime.timedelta(days=randomness.randint(2, 15)),
            donor_name=randomness.choice(COMPANIES),
            bank_reference=f"DEMO-{project.pk:04d}-1",
        )
        services.donation_record_offline(
            actor=owner,
            organization=project.organization,
            project=project,
            amount=randomness.choice(AMOUNTS),
            currency=project.currency,
            channel=DonationChannel.CASH,
            received_at=timezone.now() - datetime.timedelta(days=1),
            is_anonymous=True,
            donor_name="现场捐款箱",
        )
        count += 2
        if not online:
            continue
        from charity.test_gateway import LocalTestGateway, events_applied_in_process

        gateway = LocalTestGateway()
        with events_applied_in_process():
            gifts = []
            for index in range(randomness.randint(3, 6)):
                gifts.append(
                    _give(
                        gateway,
                        project,
                        amount=randomness.choice(AMOUNTS),
                        name=randomness.choice(NAMES),
                        email=f"demo.donor{number}.{index}@example.com",
                        anonymous=index % 4 == 3,
                        message=randomness.choice(MESSAGES),
                    )
                )
            if number == 0:
                gifts.append(_give(gateway, project, amount=20_000, user=donor))
                monthly = _give(gateway, project, amount=10_000, user=donor, monthly=True)
                for _month in range(2):
                    gateway.bill_month(monthly.recurring_gift.stripe_subscription_id)
                count += 3
            if number == 1:
                # One gift given back in full, one in part: reversing entries in the ledger.
                services.donation_refund(
                    actor=owner, donation=gifts[0], amount=gifts[0].amount, reason="捐赠人申请退款"
                )
                services.donation_refund(
                    actor=owner, donation=gifts[1], amount=gifts[1].amount // 2, reason="重复捐赠"
                )
            count += len(gifts)
    return count


def _give(
    gateway,
    project,
    *,
    amount,
    name="",
    email="",
    user=None,
    anonymous=False,
    message="",
    monthly=False,
):
    started = services.donation_checkout_start(
        project=project,
        amount=amount,
        frequency="monthly" if monthly else "one_off",
        donor=user,
        donor_name=name,
        donor_email=email,
        is_anonymous=anonymous,
        message=message,
        language="zh-hans",
        success_url="http://127.0.0.1:8000/zh-hans/donations/{token}/thanks/",
        cancel_url="http://127.0.0.1:8000/",
    )
    gateway.pay(started.donation.stripe_checkout_session_id)
    return Donation.objects.select_related("recurring_gift").get(pk=started.donation.pk)
