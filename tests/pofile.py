"""A small reader for gettext .po files, enough to check our catalogs (no extra dependency)."""

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    fuzzy: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr) and not self.fuzzy


def read_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    current: str | None = None

    def finish():
        nonlocal entry
        if entry.msgid or entry.msgstr:
            entries.append(entry)
        entry = Entry()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            current = None
            continue
        if line.startswith("#~"):
            continue  # obsolete
        if line.startswith("#,"):
            entry.fuzzy = "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            text = ast.literal_eval(line)
            if current == "msgstr":
                entry.msgstr[-1] += text
            else:
                setattr(entry, current, (getattr(entry, current) or "") + text)
            continue
        keyword, _, rest = line.partition(" ")
        text = ast.literal_eval(rest)
        if keyword.startswith("msgstr"):
            if current not in ("msgstr",) and entry.msgstr and keyword == "msgstr":
                finish()
            entry.msgstr.append(text)
            current = "msgstr"
        else:
            if current == "msgstr":
                finish()
            setattr(entry, keyword, text)
            current = keyword
    finish()
    return [e for e in entries if e.msgid]  # the header has an empty msgid
