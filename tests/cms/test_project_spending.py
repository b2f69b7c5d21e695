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
