"""A project's page shows what it raised, spent and holds, and each expense with its receipts."""

import pytest

from tests.charity.test_expenditures import finance_of, give, spend

pytestmark = pytest.mark.django_db


def test_the_project_page_shows_raised_spent_balance_and_the_receipts(client, site):
    page = site.add_project(title="冬衣")
    project = page.project
    clerk, colleague = finance_of(project.organization), finance_of(project.organization)
    give(project, 50_000, actor=clerk)
    spend(
        project, 12_000, creator=clerk, approver=colleague, payee="李小红", payee_is_individual=True
    )
    body = client.get(page.url).content.decode()
    for figure in ("¥500", "¥120", "¥380"):
        assert figure in body
    assert "大米 600 公斤" in body
    assert "李**" in body and "李小红" not in body


def test_each_expense_links_its_own_receipts_in_the_order_they_were_added(client, site):
    import datetime
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile

    def receipt(name):
        return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")

    page = site.add_project(title="冬衣")
    project = page.project
    clerk, colleague = finance_of(project.organization), finance_of(project.organization)
    give(project, 50_000, actor=clerk)
    older = spend(
        project,
        1_000,
        creator=clerk,
        approver=colleague,
        purpose="棉被",
        spent_on=datetime.date(2026, 11, 1),
        documents=[receipt("first.pdf"), receipt("second.pdf")],
    )
    spend(
        project,
        2_000,
        creator=clerk,
        approver=colleague,
        purpose="手套",
        spent_on=datetime.date(2026, 11, 2),
    )
    body = client.get(page.url).content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]  # after the heading row
    assert "手套" in rows[0] and "棉被" in rows[1]  # newest first
    assert "<td>—</td>" in rows[0]
    first, second = (document.file.url for document in older.documents.order_by("pk"))
    links = re.findall(r'<a href="([^"]+)">', rows[1])
    assert links == [first, second]
