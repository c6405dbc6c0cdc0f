"""A review and its changed version as escaped HTML, the words that differ marked."""

from __future__ import annotations

import difflib
import html
import re

_PIECES = re.compile(r"\s+|\w+|[^\w\s]+")
REMOVED_STYLE = "background: rgba(234, 88, 12, 0.25); border-radius: 3px; padding: 0 2px"
ADDED_STYLE = "background: rgba(37, 99, 235, 0.25); border-radius: 3px; padding: 0 2px"


def _marked(pieces: list[str], style: str) -> str:
    text = html.escape("".join(pieces))
    return f'<mark style="{style}">{text}</mark>' if text.strip() else text


def changed_words_html(original: str, changed: str) -> tuple[str, str]:
    """Both texts as escaped HTML: words that differ shaded orange in the first, added ones blue in the second."""
    before, after = _PIECES.findall(original), _PIECES.findall(changed)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(html.escape("".join(before[i1:i2])))
            right.append(html.escape("".join(after[j1:j2])))
            continue
        left.append(_marked(before[i1:i2], REMOVED_STYLE))
        right.append(_marked(after[j1:j2], ADDED_STYLE))
    return "".join(left), "".join(right)
