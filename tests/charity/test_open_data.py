"""The public ledger: downloadable, verifiable without the platform, and naming nobody."""

import copy
import csv
import datetime
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from charity import open_data, services
from charity.open_data import OPEN_DATASETS
from charity.selectors import project_totals
from tests.factories import ProjectFactory

from .test_expenditures import finance_of, give, spend

pytestmark = pytest.mark.django_db

VERIFIER = Path(__file__).resolve().parents[2] / "static" / "open-data" / "verify_ledger.py"
MARKER = "匿名标记Zq7"


def load_verifier():
    spec = importlib.util.spec_from_file_location("verify_ledger", VERIFIER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def chain():
    project = ProjectFactory()
    clerk, colleague = finance_of(project.organization), finance_of(project.organization)
    gift = give(project, 30_000, actor=clerk)
    gift.is_anonymous = True
    gift.donor_name = MARKER
    gift.save(update_fields=["is_anonymous", "donor_name"])
    give(project, 20_000, actor=clerk)
    spend(project, 12_000, creator=clerk, approver=colleague)
    return project


def download_csv(client, tmp_path) -> Path:
    response = client.get("/open-data/ledger.csv")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    path = tmp_path / "ledger.csv"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def test_a_downloaded_ledger_verifies_offline_and_gives_the_published_figures(
    client, chain, tmp_path
):
    path = download_csv(client, tmp_path)
    result = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 3 entries" in result.stdout
    totals = project_totals(projects=[chain])[chain.pk]
    # A figures row: organization, project, currency, raised, spent, balance.
    line = next(
        row
        for row in result.stdout.splitlines()[2:]
        if row.split()[:2] == [str(chain.organization_id), str(chain.pk)]
    )
    assert f"{totals.raised / 100:,.2f}" in line
    assert f"{totals.spent / 100:,.2f}" in line
    assert MARKER not in path.read_text(encoding="utf-8")


def test_every_single_row_change_is_caught(client, chain, tmp_path):
    verifier = load_verifier()
    entries = verifier.read([str(download_csv(client, tmp_path))])
    assert verifier.verify(entries) == (None, "")
    tampered = []
    for index in range(len(entries)):
        edited = copy.deepcopy(entries)
        edited[index]["amount"] += 1
        tampered.append(("edit", index, edited))
        tampered.append(("delete", index, entries[:index] + entries[index + 1 :]))
        inserted = copy.deepcopy(entries)
        inserted.insert(index, copy.deepcopy(entries[index]))
        tampered.append(("insert", index, inserted))
        if index + 1 < len(entries):
            swapped = copy.deepcopy(entries)
            swapped[index], swapped[index + 1] = swapped[index + 1], swapped[index]
            tampered.append(("reorder", index, swapped))
    for change, index, rows in tampered:
        bad, why = verifier.verify(rows)
        if change == "delete" and index == len(entries) - 1:
            # Dropping the newest entry leaves a shorter valid chain: compare the head instead.
            assert rows[-1]["entry_hash"] != entries[-1]["entry_hash"]
            continue
        # An inserted copy is itself well-formed; the chain breaks at the entry after it.
        expected = index + 2 if change == "insert" else index + 1
        assert bad == expected, (change, index, why)


def test_the_json_pages_hold_the_same_chain_and_bad_pages_are_404(client, chain, tmp_path):
    response = client.get("/open-data/ledger.json")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert data["next"] is None
    assert [row["seq"] for row in data["results"]] == [1, 2, 3]
    path = tmp_path / "ledger-1.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    verifier = load_verifier()
    assert verifier.verify(verifier.read([str(path)])) == (None, "")
    assert MARKER not in response.content.decode()
    for page in ("0", "2", "abc"):
        assert client.get(f"/open-data/ledger.json?page={page}").status_code == 404


def rows_of(client, name) -> tuple[list[dict], list[dict]]:
    """The dataset as CSV rows and as JSON rows (all pages)."""
    response = client.get(f"/open-data/{name}.csv")
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    text = b"".join(response.streaming_content).decode()
    csv_rows = list(csv.DictReader(io.StringIO(text)))
    json_rows, url = [], f"/open-data/{name}.json"
    while url:
        page = client.get(url)
        assert page.status_code == 200 and "public" in page["Cache-Control"]
        json_rows += page.json()["results"]
        url = page.json()["next"]
    return csv_rows, json_rows


def test_every_dataset_follows_its_documented_columns(client, chain):
    for name, dataset in OPEN_DATASETS.items():
        csv_rows, json_rows = rows_of(client, name)
        assert csv_rows, name
        assert list(csv_rows[0]) == list(dataset.column_names), name
        assert all(list(row) == list(dataset.column_names) for row in json_rows), name
        assert len(csv_rows) == len(json_rows)


def test_projects_give_the_same_figures_as_the_project_page_and_the_verifier(
    client, chain, tmp_path
):
    draft = ProjectFactory(organization=chain.organization, status="draft")
    _, projects = rows_of(client, "projects")
    assert [row["id"] for row in projects] == [chain.pk]
    assert draft.pk not in [row["id"] for row in projects]
    row = projects[0]
    totals = project_totals(projects=[chain])[chain.pk]
    assert (row["raised"], row["spent"]) == (totals.raised, totals.spent)
    assert row["balance"] == row["raised"] - row["spent"] == 38_000
    verifier = load_verifier()
    figures = verifier.project_figures(verifier.read([str(download_csv(client, tmp_path))]))
    offline = figures[(chain.organization_id, chain.pk, "CNY")]
    assert (offline["raised"], offline["spent"]) == (row["raised"], row["spent"])


def test_expenditures_mask_individual_payees_and_leave_out_drafts(
    client, chain, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    clerk, colleague = finance_of(chain.organization), finance_of(chain.organization)
    spend(chain, 1_000, creator=clerk, approver=colleague, payee="张三丰", payee_is_individual=True)
    draft = services.expenditure_create(
        actor=clerk,
        organization=chain.organization,
        project=chain,
        currency="CNY",
        amount=500,
        category="program",
        payee="草稿供应商",
        purpose="未批准",
        spent_on=datetime.date(2026, 11, 1),
    )
    csv_rows, json_rows = rows_of(client, "expenditures")
    assert draft.pk not in [row["id"] for row in json_rows]
    assert len(json_rows) == 2
    individual = next(row for row in json_rows if row["payee_is_individual"])
    assert individual["payee"] == "张**"
    body = json.dumps(json_rows, ensure_ascii=False) + json.dumps(csv_rows, ensure_ascii=False)
    assert "张三丰" not in body and "草稿供应商" not in body
    assert (
        next(r for r in csv_rows if r["id"] == str(individual["id"]))["payee_is_individual"]
        == "true"
    )


def test_donations_name_nobody_anonymous_and_show_no_email_or_message(client, chain):
    services.donation_record_offline(
        actor=finance_of(chain.organization),
        organization=chain.organization,
        project=chain,
        amount=700,
        currency="CNY",
        channel="cash",
        received_at=timezone.now(),
        donor_name="公开的名字",
        donor_email="visible.q93@example.com",
        message="留言Kd71",
    )
    csv_rows, json_rows = rows_of(client, "donations")
    assert len(json_rows) == 3
    donors = sorted(row["donor"] for row in json_rows)
    assert "anonymous" in donors and "公开的名字" in donors
    body = json.dumps(json_rows, ensure_ascii=False) + json.dumps(csv_rows, ensure_ascii=False)
    for secret in (MARKER, "visible.q93@example.com", "留言Kd71", "@"):
        assert secret not in body
    assert set(json_rows[0]) == set(OPEN_DATASETS["donations"].column_names)


def test_json_pages_link_to_the_next_and_bad_pages_or_names_are_404(client, chain, monkeypatch):
    monkeypatch.setattr(open_data, "PAGE_SIZE", 1)
    first = client.get("/open-data/donations.json").json()
    assert first["count"] == 2 and first["next"] == "/open-data/donations.json?page=2"
    assert client.get(first["next"]).json()["next"] is None
    for url in (
        "/open-data/donations.json?page=3",
        "/open-data/donations.json?page=x",
        "/open-data/secrets.json",
        "/open-data/secrets.csv",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_index_documents_every_column_of_every_dataset(client, language):
    response = client.get(f"/{language}/open-data/")
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    body = response.content.decode()
    for name, dataset in OPEN_DATASETS.items():
        assert f'href="/open-data/{name}.csv"' in body
        assert f'href="/open-data/{name}.json"' in body
        for column in dataset.column_names:
            assert f"<code>{column}</code>" in body, (name, column)
    assert "verify_ledger.py" in body
