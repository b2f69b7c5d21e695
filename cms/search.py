"""Search that understands Chinese.

Chinese is written without spaces, so a full-text index sees a whole sentence as one word and a
search for 儿童 finds nothing in 关爱留守儿童. Like Lucene's CJK analyzer, we index each run of
Han characters as its overlapping pairs (关爱留守儿童 → 关爱 爱留 留守 守儿 儿童) plus the single
characters, and turn a query into the same pairs, so any Chinese word of the text matches while
Latin words pass through untouched.
"""

import re

_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def _han_tokens(run: str, *, with_singles: bool) -> list[str]:
    if len(run) == 1:
        return [run]
    pairs = [run[i : i + 2] for i in range(len(run) - 1)]
    return [*pairs, *run] if with_singles else pairs


def index_text(text: str) -> str:
    """The text to put in the full-text index."""
    return _HAN_RUN.sub(
        lambda m: " " + " ".join(_han_tokens(m.group(), with_singles=True)) + " ", text
    )


def query_text(query: str) -> str:
    """A user's query in the index's terms: Chinese words become their character pairs."""
    return " ".join(
        _HAN_RUN.sub(
            lambda m: " " + " ".join(_han_tokens(m.group(), with_singles=False)) + " ", query
        ).split()
    )
