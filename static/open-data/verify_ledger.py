#!/usr/bin/env python3
"""Check a Shanxin ledger you downloaded, without the platform: standard library only.

    python3 verify_ledger.py ledger.csv          # from /open-data/ledger.csv
    python3 verify_ledger.py ledger-1.json ...   # pages of /open-data/ledger.json, in order

Every entry carries the SHA-256 of its canonical serialisation (the JSON object below, keys sorted,
no spaces, UTF-8), which includes the previous entry's hash; the first entry follows 64 zeros.
Changing, removing, reordering or inserting any entry breaks the chain at that entry, and this
script names it. It then recomputes each project's figures (raised = gifts in, net of refunds and
disputes; spent = published expenditures, net of reversals) so you can compare them with the
figures the platform publishes. Exit status 0: the chain holds; 1: it does not.
"""

import csv
import hashlib
import json
import sys
from collections import defaultdict

GENESIS = "0" * 64
INTEGER_FIELDS = ("seq", "organization", "project", "donation", "expenditure", "amount")


def canonical(entry: dict) -> bytes:
    fields = {
        "seq": entry["seq"],
        "kind": entry["kind"],
        "organization": entry["organization"],
        "project": entry["project"],
        "donation": entry["donation"],
        "amount": entry["amount"],
        "currency": entry["currency"],
        "occurred_at": entry["occurred_at"],
        "recorded_at": entry["recorded_at"],
        "memo": entry["memo"],
        "previous_hash": entry["previous_hash"],
    }
    if entry.get("expenditure") is not None:
        fields["expenditure"] = entry["expenditure"]
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _typed(entry: dict) -> dict:
    entry = dict(entry)
    for name in INTEGER_FIELDS:
        value = entry.get(name)
        entry[name] = None if value in (None, "") else int(value)
    return entry


def read(paths: list[str]) -> list[dict]:
    entries = []
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            if path.endswith(".csv"):
                entries.extend(_typed(row) for row in csv.DictReader(handle))
            else:
                data = json.load(handle)
                rows = data["results"] if isinstance(data, dict) else data
                entries.extend(_typed(row) for row in rows)
    return entries


def verify(entries: list[dict]) -> tuple[int | None, str]:
    """(None, "") when the chain holds; else the seq of the first bad entry and why."""
    previous = GENESIS
    for position, entry in enumerate(entries, start=1):
        if entry["seq"] != position:
            return position, f"expected entry {position} here, found {entry['seq']}"
        if entry["previous_hash"] != previous:
            return position, "it does not link to the entry before it"
        if hashlib.sha256(canonical(entry)).hexdigest() != entry["entry_hash"]:
            return position, "its contents do not match its hash"
        previous = entry["entry_hash"]
    return None, ""


def project_figures(entries: list[dict]) -> dict:
    figures = defaultdict(lambda: {"raised": 0, "spent": 0})
    for entry in entries:
        key = (entry["organization"], entry["project"], entry["currency"])
        if entry["donation"] is not None:
            figures[key]["raised"] += entry["amount"]
        elif entry["expenditure"] is not None:
            figures[key]["spent"] -= entry["amount"]
    return figures


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__)
        return 2
    entries = read(paths)
    bad, why = verify(entries)
    if bad is not None:
        print(f"BROKEN at entry {bad}: {why}.")
        return 1
    head = entries[-1]["entry_hash"] if entries else GENESIS
    print(f"OK: {len(entries)} entries, chain head {head}")
    print("organization  project  currency        raised         spent       balance")
    for (organization, project, currency), f in sorted(project_figures(entries).items(), key=str):
        balance = f["raised"] - f["spent"]
        label = project if project is not None else "general"
        print(
            f"{organization:>12}  {label!s:>7}  {currency:<8} {f['raised'] / 100:>12,.2f}"
            f"  {f['spent'] / 100:>12,.2f}  {balance / 100:>12,.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
