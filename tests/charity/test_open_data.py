"""The public ledger: downloadable, verifiable without the platform, and naming nobody."""

import copy
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

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
    line = next(row for row in result.stdout.splitlines() if f" {chain.pk} " in f" {row} ")
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
