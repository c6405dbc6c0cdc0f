"""Data shown literally inside Markdown: the one escaping helper for every string from data or users.

Streamlit draws ``st.markdown``, captions, alerts, toasts, widget and metric labels, tab and
expander labels as GitHub-flavoured Markdown (remark). A category, run, experiment or
annotator name, a note or a file name put there raw can become a link, an image the
viewer's browser fetches, a heading, a list, maths or an icon. :func:`escape_markdown`
makes such a string show exactly as typed.

Backslash escapes alone are not enough for three of remark's features, because they
work on the parsed text, after escapes are resolved: bare URLs and e-mail addresses
(GFM autolink literals), emoji shortcodes (``:smile:``) and Streamlit's icons
(``:material/…:``, ``:streamlit:``). For those an invisible word joiner (U+2060) is put
inside the pattern (``https:⁠//``, ``www⁠.``, ``a@⁠b``, ``:⁠smile:``), so it no longer matches.

Selectbox and multiselect options are plain text in Streamlit 1.67 and need no escaping
(radio options and every widget label are Markdown). HTML made for ``st.html`` is
escaped with ``html.escape`` instead.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
# Every ASCII punctuation character Markdown, GFM or Streamlit's directives, maths and
# icons give a meaning to (CommonMark lets any ASCII punctuation be backslash-escaped).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=&@^\"'])")
_NEWLINES = re.compile(r"\r\n|\r|\n")
# Patterns remark matches on parsed text: URL schemes, www. hosts, e-mail addresses, :shortcodes:.
_LIVE_AFTER_ESCAPES = re.compile(r"(?<=:)(?=//)|(?i:(?<=www)(?=\.))|(?<=@)(?=\w)|(?<=:)(?=[\w+\-/]+:)")


def escape_markdown(text: object) -> str:
    """``text`` as Markdown that Streamlit shows literally, on one line: no links, images, HTML, headings or icons."""
    one_line = _NEWLINES.sub(" ", str(text))
    broken = _LIVE_AFTER_ESCAPES.sub(WORD_JOINER, one_line)
    return _SPECIAL.sub(r"\\\1", broken)
