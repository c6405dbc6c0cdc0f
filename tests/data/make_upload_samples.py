"""Writes the real-world-shaped upload samples in tests/data/ (run from the project root).

    .venv/bin/python -m tests.data.make_upload_samples

Each file imitates an export from some other system: its own encoding, separator,
column names and label scheme. The files are small and committed; this script is how
they were made, so they can be changed and rebuilt. Files too big to commit (10 MB in
one cell) are built by the tests themselves.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

# (text, sentiment, category): a little of everything an export holds.
REVIEWS = [
    ("Arrived quickly and works exactly as described. Very happy!", "positive", "Web shop"),
    ("The strap broke after two days, complete waste of money.", "negative", "Web shop"),
    ("It's fine. Does what it says, nothing more.", "neutral", "Web shop"),
    ('Great value, but the manual says "plug in first", which is wrong.', "positive", "Web shop"),
    ("Customer service never answered my emails, I'm done with this brand", "negative", "Email"),
    ("Delivery was on time.", "neutral", "Email"),
    ("Love it 😍 best purchase this year", "positive", "App"),
    ("App crashes every time I open the basket, please fix", "negative", "App"),
    ("Café au lait machine: crème is thick, taste is superb", "positive", "Store"),
    ("Staff were rude and the queue, honestly, was 40 minutes long", "negative", "Store"),
    ("Opening hours changed; the sign outside still shows the old ones.", "neutral", "Store"),
    ("Works; battery lasts about a day", "neutral", "App"),
]
STARS = {"negative": ("1", "2"), "neutral": ("3",), "positive": ("4", "5")}


def _rows(labels: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    return [(text, (labels or {}).get(label, label), category) for text, label, category in REVIEWS]


def _delimited(header: list[str], rows: list[tuple], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _star(label: str, i: int) -> str:
    options = STARS[label]
    return options[i % len(options)]


def _tiny_png() -> bytes:
    """A valid 1x1 PNG, as a screenshot renamed to .csv would start."""
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")


def build() -> dict[str, bytes]:
    """File name -> content of every sample."""
    files: dict[str, bytes] = {}
    # Plain UTF-8, commas, quotes inside quoted fields, words as labels (a CRM export).
    files["utf8_comma.csv"] = _delimited(
        ["Comment", "Sentiment", "Channel"], _rows({"positive": "Positive", "negative": "Negative", "neutral": "Neutral"}), ","
    ).encode()
    # Excel "CSV UTF-8" in a European locale: BOM, semicolons, short labels, one review over two lines.
    rows = _rows({"positive": "pos", "negative": "neg", "neutral": "neu"})
    rows[0] = ("Arrived quickly.\nWorks exactly as described; very happy!", "pos", "Web shop")
    files["utf8_bom_semicolon.csv"] = b"\xef\xbb\xbf" + _delimited(["feedback", "label", "source"], rows, ";").encode()
    # Excel "Unicode text": UTF-16 with BOM, tabs, star ratings.
    stars = [(text, _star(label, i), category) for i, (text, label, category) in enumerate(REVIEWS)]
    files["utf16_tab_stars.tsv"] = _delimited(["Review", "Stars", "Store"], stars, "\t").encode("utf-16")
    # UTF-16 without a BOM (some database tools write it like this).
    files["utf16le_no_bom.csv"] = _delimited(["text", "label"], [(t, lab) for t, lab, _ in _rows()], ",").encode("utf-16-le")
    # An old Windows tool: Windows-1252 (é, €, curly quotes), pipes, -1/0/1 labels, an id column.
    signed = {"negative": "-1", "neutral": "0", "positive": "1"}
    cp_rows = [
        (str(100 + i), text.replace("😍", ":)") + " – prix 5€, “très” bien", signed[label]) for i, (text, label, _) in enumerate(REVIEWS)
    ]
    files["cp1252_pipe.txt"] = _delimited(["id", "commentaire", "note"], cp_rows, "|").encode("cp1252")
    # Latin-1 (ISO-8859-1), German words, semicolons.
    latin = [
        ("Sehr gut, schön verpackt", "positive"),
        ("Nicht überzeugend, zu groß", "negative"),
        ("Geht so, nichts Besonderes", "neutral"),
    ]
    files["latin1_semicolon.csv"] = _delimited(["Kommentar", "sentiment"], latin * 2, ";").encode("latin-1")
    # Binary 0/1 labels, as a data-science export.
    binary = [(str(i), text, "1" if label == "positive" else "0") for i, (text, label, _) in enumerate(REVIEWS) if label != "neutral"]
    files["binary_labels.csv"] = _delimited(["review_id", "review_text", "is_positive"], binary, ",").encode()
    # No label column: fresh feedback nobody has rated yet.
    files["no_label.csv"] = _delimited(
        ["ticket", "message", "category"], [(f"T-{i}", t, c) for i, (t, _, c) in enumerate(REVIEWS)], ","
    ).encode()
    # Category missing.
    files["no_category.csv"] = _delimited(["text", "sentiment"], [(t, lab) for t, lab, _ in _rows()], ",").encode()
    # Star ratings in a CSV with a date column and a rating out of 5.
    dated = [(f"2026-11-{10 + i % 7:02d}", t, _star(lab, i), c) for i, (t, lab, c) in enumerate(REVIEWS)]
    files["star_ratings.csv"] = _delimited(["date", "review", "rating", "product"], dated, ",").encode()
    # Labels in another language only: every value is unknown to the app.
    french = {"positive": "positif", "negative": "négatif", "neutral": "neutre"}
    files["labels_french.csv"] = _delimited(["avis", "sentiment"], [(t, french[lab]) for t, lab, _ in REVIEWS], ",").encode()
    # A very long review (about 20,000 characters) among ordinary ones.
    long_rows = [(t, lab, c) for t, lab, c in _rows()]
    long_rows.append(("I have a lot to say about this product. " * 500, "neutral", "Email"))
    files["long_text.csv"] = _delimited(["text", "label", "category"], long_rows, ",").encode()
    # Hostile content: HTML/JS, formulas, markdown; must show as plain text and export safely.
    hostile = [
        ("<script>alert('xss')</script> great product", "positive", "Web shop"),
        ('<img src=x onerror="alert(1)"> awful', "negative", "Web shop"),
        ('=HYPERLINK("http://evil.example","click me")', "neutral", "Email"),
        ("+1 would buy again", "positive", "App"),
        ("-2 stars from me, broken", "negative", "App"),
        ("@support never replies", "negative", "Email"),
        ("[click here](javascript:alert(1)) **bold** claims", "neutral", "Store"),
        ("Fine overall, nothing to add", "neutral", "Store"),
    ]
    files["hostile.csv"] = _delimited(["text", "sentiment", "category"], hostile, ",").encode()
    # Bad input.
    files["empty.csv"] = b""
    files["header_only.csv"] = b"text,sentiment,category\r\n"
    files["one_column.csv"] = _delimited(["review"], [(t,) for t, _, _ in REVIEWS], ",").encode()
    files["numbers_only.csv"] = _delimited(
        ["id", "score", "stars"], [(str(i), str(i * 7.5), str(1 + i % 5)) for i in range(12)], ","
    ).encode()
    files["mixed_encoding.csv"] = files["utf8_comma.csv"] + "Très cher, déçu,Negative,Store\r\n".encode("cp1252")
    files["png_renamed.csv"] = _tiny_png()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("reviews.csv", files["utf8_comma.csv"])
    files["zipped.csv"] = zipped.getvalue()
    files["reviews.zip"] = zipped.getvalue()
    files["two_sheets.xlsx"] = _workbook()
    return files


def _workbook() -> bytes:
    """An Excel export: a small notes sheet first, the reviews on the second (bigger) sheet."""
    book = Workbook()
    notes = book.active
    notes.title = "About"
    notes.append(["Export", "Weekly feedback"])
    notes.append(["Generated", "2026-11-20"])
    sheet = book.create_sheet("Reviews")
    sheet.append(["Review", "Rating", "Channel"])
    for i, (text, label, category) in enumerate(REVIEWS):
        sheet.append([text, int(_star(label, i)), category])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    """Write every sample next to this script."""
    for name, content in build().items():
        (HERE / name).write_bytes(content)
        print(f"{name}: {len(content):,} bytes")


if __name__ == "__main__":
    main()
