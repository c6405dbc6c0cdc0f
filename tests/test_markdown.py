"""lib/wording/markdown.py: data shown literally in Streamlit's Markdown, checked against what its renderer would act on."""

from __future__ import annotations

import re

import pytest

from lib.wording.markdown import WORD_JOINER, escape_markdown

PAYLOADS = [
    "![x](https://host/pixel?who=viewer)",
    "[Session expired – sign in again](https://evil.example)",
    "<img src=https://host/p.png onerror=alert(1)>",
    "<https://evil.example/autolink> <b>bold</b> <!-- comment -->",
    "# Heading",
    "line one\n# Heading on a new line\r\n- list item\r1. numbered\n> quote\n    code",
    "visit https://evil.example, HTTP://EVIL.EXAMPLE, www.evil.example or write to ceo@evil.example",
    ":smile: :+1: :material/warning: :streamlit: :red[alarm] :red-background[x] :small[x]",
    "$\\frac{1}{2}$ and $$x$$",
    "**bold** __bold__ _it_ ~~strike~~ `code` | table | ===",
    "[ref]: https://evil.example",
    "&lt;img&gt; &#x3C;img&#x3E; &amp;",
    "back\\slash \\[not a link\\](https://evil.example)",
]
# Characters remark (CommonMark + GFM), Streamlit's directives, maths and icons act on.
ACTIVE = set("\\`*_{}[]()<>#+-.!|~$:=&@")
# Patterns Streamlit's frontend (1.67) matches on the parsed text, after backslash escapes are resolved:
# GFM autolink literals (mdast-util-gfm-autolink-literal), emoji shortcodes, Material icons, the Streamlit logo.
LIVE_IN_PARSED_TEXT = [
    re.compile(r"(https?://|www(?=\.))", re.IGNORECASE),
    re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)"),
    re.compile(r":[\w+\-]+:"),
    re.compile(r":material_(\w+):"),
    re.compile(r":streamlit:"),
]
# Streamlit loads its emoji plugin only when the source matches this (StreamlitMarkdown's check).
EMOJI_NEEDED = re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:")


def unescaped_active_characters(markdown: str) -> list[str]:
    """Active characters that are not escaped by a backslash (the pair '\\x' is one escaped character)."""
    found, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\" and i + 1 < len(markdown):
            i += 2
            continue
        if markdown[i] in ACTIVE:
            found.append(markdown[i])
        i += 1
    return found


def parsed_text(markdown: str) -> str:
    """The text remark hands to its plugins: backslash escapes resolved (Streamlit first renames :material/ icons)."""
    return re.sub(r"\\(.)", r"\1", markdown.replace(":material/", ":material_"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_active_character_is_escaped_and_nothing_is_on_a_new_line(payload: str) -> None:
    escaped = escape_markdown(payload)
    assert unescaped_active_characters(escaped) == []
    assert "\n" not in escaped and "\r" not in escaped


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_autolink_shortcode_or_icon_survives_in_the_parsed_text(payload: str) -> None:
    escaped = escape_markdown(payload)
    for pattern in LIVE_IN_PARSED_TEXT:
        assert not pattern.search(parsed_text(escaped)), (pattern.pattern, escaped)
    assert not EMOJI_NEEDED.search(escaped)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_reader_sees_exactly_the_text_on_one_line(payload: str) -> None:
    shown = parsed_text(escape_markdown(payload)).replace(WORD_JOINER, "")
    assert shown == re.sub(r"\r\n|\r|\n", " ", payload)


def test_the_payloads_are_live_without_escaping() -> None:
    """The checks above would catch every payload if it went into Markdown raw."""
    for payload in PAYLOADS[:-1]:
        raw = payload.replace("\n", " ")
        assert unescaped_active_characters(raw) or any(p.search(parsed_text(raw)) for p in LIVE_IN_PARSED_TEXT), payload


def test_plain_words_numbers_and_times_stay_readable() -> None:
    assert escape_markdown("Tweets") == "Tweets"
    assert escape_markdown(42) == "42"
    assert escape_markdown("feedback.csv · 25 Nov 2026 16:05") == "feedback\\.csv · 25 Nov 2026 16\\:05"
