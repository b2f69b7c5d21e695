"""The receipt email: sent once per received gift, in the donor's language, text and HTML."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from charity import services
from charity.models import Donation, DonationChannel, DonationStatus, Role
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

RECEIVED_AT = datetime.datetime(2025, 3, 14, 2, 30, tzinfo=datetime.UTC)  # 10:30 in Shanghai


def received_gift(*, language="zh-hans", **fields) -> Donation:
    project = ProjectFactory(title="Clean water for Liangshan")
    values = {
        "organization": project.organization,
        "project": project,
        "donor_name": "Chen Jing",
        "donor_email": "chen@example.com",
        "donor_key": "email:chen@example.com",
        "amount": 12_345,
        "currency": "CNY",
        "channel": DonationChannel.ONLINE,
        "status": DonationStatus.SUCCEEDED,
        "received_at": RECEIVED_AT,
        "receipt_number": "2025-0007-000042",
        "language": language,
    }
    return Donation.objects.create(**(values | fields))


def _html(message) -> str:
    (body, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return body


def test_receipt_email_in_chinese(mailoutbox):
    gift = received_gift(language="zh-hans")

    assert services.donation_send_receipt(donation_id=gift.pk) is True

    [message] = mailoutbox
    html = _html(message)
    link = f"http://testserver/zh-hans/donations/{gift.guest_token}/"
    assert message.to == ["chen@example.com"]
    assert "2025-0007-000042" in message.subject
    assert link in message.body
    assert link in html
    assert "2025-0007-000042" in html
    assert "¥123.45" in message.body
    assert "¥123.45" in html
    # Rendered in Chinese: the catalog's words and Chinese dates, in Shanghai time.
    assert "善心" in message.body
    assert "善心" in html
    assert "2025年3月14日" in message.body
    assert 'lang="zh-hans"' in html
    assert "Clean water for Liangshan" in html
    assert gift.organization.credit_code in html


def test_receipt_email_in_english(mailoutbox):
    gift = received_gift(language="en")

    services.donation_send_receipt(donation_id=gift.pk)

    [message] = mailoutbox
    html = _html(message)
    link = f"http://testserver/en/donations/{gift.guest_token}/"
    assert "2025-0007-000042" in message.subject
    assert "thank you for your gift" in message.subject
    assert link in message.body
    assert f'href="{link}"' in html
    assert "Shanxin" in html
    assert "善心" not in message.body
    assert "善心" not in html
    assert "Dear Chen Jing," in message.body
    assert "March 14, 2025" in message.body
    assert 'lang="en"' in html


def test_receipt_is_sent_only_once(mailoutbox):
    gift = received_gift()

    assert services.donation_send_receipt(donation_id=gift.pk) is True
    assert services.donation_send_receipt(donation_id=gift.pk) is False

    assert len(mailoutbox) == 1
    gift.refresh_from_db()
    assert gift.receipt_sent_at is not None


def test_no_receipt_for_a_gift_without_a_receipt_number(mailoutbox):
    gift = received_gift(status=DonationStatus.PENDING, receipt_number=None, received_at=None)
    assert services.donation_send_receipt(donation_id=gift.pk) is False
    assert mailoutbox == []


def test_recording_an_offline_gift_emails_its_receipt(
    organization, member_of, django_capture_on_commit_callbacks
):
    finance = member_of(organization, Role.FINANCE)
    with django_capture_on_commit_callbacks(execute=True):
        gift = services.donation_record_offline(
            actor=finance,
            organization=organization,
            project=None,
            amount=50_000,
            currency="CNY",
            channel=DonationChannel.BANK_TRANSFER,
            received_at=timezone.now(),
            donor_name="Wang Fang",
            donor_email="wang@example.com",
            bank_reference="BANK-REF-0001",
        )

    gift.refresh_from_db()
    assert gift.receipt_number
    [message] = mail.outbox
    assert message.to == ["wang@example.com"]
    assert gift.receipt_number in message.subject
    assert gift.guest_token in message.body
    assert gift.guest_token in _html(message)
