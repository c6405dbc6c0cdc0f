"""The vectorised word counting builds scikit-learn's matrix exactly, and leaves other models alone."""

from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from lib.scoring import vectorised_words
from lib.scoring.vectorised_words import (
    VectorisedCountVectorizer,
    VectorisedTfidfVectorizer,
    qualifies,
    with_vectorised_word_counting,
)
from lib.stores import contract
from lib.stores.demo import MODEL_SPECS, load_demo_data

# What real exports hold, ASCII and not: the second half goes through scikit-learn's own path.
HOSTILE_TEXTS = [
    "Great product, works GREAT!!",
    "",
    "   ",
    "!!!???",
    "a b c d",  # one-letter words only: no term
    "abc",
    "def",  # "abc" and "def" are neighbours in the batch's bytes: two documents, not "abcdef"
    "snake_case and CamelCase and 42 and x1 and __init__",
    "tabs\tand\nnewlines\r\nand  double  spaces",
    "<script>alert('hi')</script> <b>bold</b> &amp; &lt;",
    '=HYPERLINK("http://evil.example","click") +1 -2 @SUM(A1)',
    "don't won't can't it's",
    "the the the the the the",
    "word " * 500,
    "Café crème, déjà vu",
    "İstanbul ŞEHİR ılık",
    "Straße GRÜSSE",
    "ｆｕｌｌ ｗｉｄｔｈ １２３",
    "emoji 😀 great 👍 bad 👎",
    "Ärger über Öl",
    "日本語のレビュー とても良い",
    "combining e\u0301 accents",
    "٣ arabic digits ٤٥",
    "zero\u200bwidth space",
    "non\u00a0breaking space",
]

SETTINGS = [
    {},
    {"ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True},
    {"ngram_range": (2, 3)},
    {"ngram_range": (1, 3), "stop_words": "english"},
    {"lowercase": False},
    {"binary": True, "norm": "l1"},
    {"use_idf": False, "norm": None, "dtype": np.float32},
    {"strip_accents": "unicode"},
    {"strip_accents": "ascii", "max_features": 500},
    {"stop_words": ["great", "bad", "the"]},
]


@pytest.fixture(scope="module")
def training_texts() -> pd.Series:
    data = load_demo_data()
    return data.loc[data["split"] == "train", contract.TEXT].head(3_000)


@pytest.fixture(scope="module")
def scoring_texts() -> pd.Series:
    data = load_demo_data()
    texts = data.loc[data["split"] == "test", contract.TEXT].head(2_000).tolist()
    return pd.Series(texts + HOSTILE_TEXTS + _random_texts(300))


def _random_texts(count: int) -> list[str]:
    """Texts drawn from letters, digits, punctuation, spaces and a few non-ASCII characters."""
    rng = np.random.default_rng(11)
    alphabet = [*"abcdeABCDE0123_ ,.!?'\t\n-", "é", "ß", "İ", "😀", "\u0301"]
    weights = np.array([3.0] * 24 + [0.2] * 5)
    lengths = rng.integers(0, 60, count)
    return ["".join(rng.choice(alphabet, size=length, p=weights / weights.sum())) for length in lengths]


def assert_same_matrix(expected: sp.spmatrix, got: sp.spmatrix) -> None:
    """Same type, shape, dtype and stored values in the same order: bit for bit."""
    assert type(got) is type(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_array_equal(got.data, expected.data)


@pytest.mark.parametrize("kind", [CountVectorizer, TfidfVectorizer])
@pytest.mark.parametrize("settings", SETTINGS, ids=[str(s) for s in SETTINGS])
def test_same_matrix_as_scikit_learn(kind: type, settings: dict, training_texts: pd.Series, scoring_texts: pd.Series) -> None:
    accepted = kind().get_params()  # sublinear_tf, norm, use_idf: TF-IDF only
    fitted = kind(**{key: value for key, value in settings.items() if key in accepted}).fit(training_texts)
    vectorised = with_vectorised_word_counting(fitted)
    assert isinstance(vectorised, (VectorisedCountVectorizer, VectorisedTfidfVectorizer))
    assert_same_matrix(fitted.transform(scoring_texts), vectorised.transform(scoring_texts))


@pytest.mark.parametrize(
    "documents",
    [
        HOSTILE_TEXTS,  # a list
        tuple(HOSTILE_TEXTS[:6]),
        np.array(HOSTILE_TEXTS, dtype=object),
        pd.Series(HOSTILE_TEXTS, dtype="string[pyarrow]").iloc[3:],  # an Arrow array that starts at an offset
        ["only ascii here", "and here"],
        ["é only non ascii", "ß"],
        ["", ""],
    ],
    ids=["list", "tuple", "ndarray", "arrow-slice", "all-ascii", "none-ascii", "empty-texts"],
)
def test_same_matrix_whatever_the_container(documents: object, training_texts: pd.Series) -> None:
    fitted = TfidfVectorizer(ngram_range=(1, 2)).fit(training_texts)
    assert_same_matrix(fitted.transform(documents), with_vectorised_word_counting(fitted).transform(documents))


def test_same_matrix_when_the_text_is_counted_a_few_bytes_at_a_time(
    training_texts: pd.Series, scoring_texts: pd.Series, monkeypatch: pytest.MonkeyPatch
) -> None:
    fitted = TfidfVectorizer(ngram_range=(1, 2)).fit(training_texts)
    monkeypatch.setattr(vectorised_words, "MAX_TEXT_BYTES_AT_ONCE", 64)  # most slices hold one or two reviews
    assert_same_matrix(fitted.transform(scoring_texts), with_vectorised_word_counting(fitted).transform(scoring_texts))


def test_memory_stays_bounded_with_long_reviews(training_texts: pd.Series, monkeypatch: pytest.MonkeyPatch) -> None:
    """40 MB of text in one batch: the arrays over its bytes are built a slice at a time."""
    long_reviews = [" ".join(training_texts.iloc[i : i + 60]) * 6 for i in range(0, 1_500)]
    vectorised = with_vectorised_word_counting(CountVectorizer().fit(training_texts))
    text_mb = sum(map(len, long_reviews)) / 1e6

    def peak_mb() -> float:
        tracemalloc.start()
        try:
            vectorised.transform(long_reviews)
            return tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()

    in_slices = peak_mb()
    monkeypatch.setattr(vectorised_words, "MAX_TEXT_BYTES_AT_ONCE", 10**12)
    all_at_once = peak_mb()
    assert text_mb > 30
    assert in_slices < 2.5 * text_mb and in_slices < all_at_once / 2, (in_slices, all_at_once)


def test_documents_that_are_not_strings_fail_as_in_scikit_learn(training_texts: pd.Series) -> None:
    fitted = TfidfVectorizer().fit(training_texts)
    vectorised = with_vectorised_word_counting(TfidfVectorizer().fit(training_texts))
    for documents in (["fine", np.nan], "one string, not a list", []):
        with pytest.raises(ValueError) as expected:
            fitted.transform(documents)
        with pytest.raises(ValueError) as got:
            vectorised.transform(documents)
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("spec", MODEL_SPECS, ids=[spec.run_name for spec in MODEL_SPECS])
def test_demo_models_give_the_same_probabilities(spec, training_texts: pd.Series, scoring_texts: pd.Series) -> None:
    data = load_demo_data().query("split == 'train'").head(3_000)
    model = spec.build().fit(data[[contract.TEXT]], data["label"])
    expected = model.predict_proba(pd.DataFrame({contract.TEXT: scoring_texts}))
    vectorised = with_vectorised_word_counting(pickle.loads(pickle.dumps(model)))
    words = vectorised.named_steps["features"].named_transformers_["words"]
    assert isinstance(words, VectorisedTfidfVectorizer)
    got = pickle.loads(pickle.dumps(vectorised)).predict_proba(pd.DataFrame({contract.TEXT: scoring_texts}))  # as workers get it
    np.testing.assert_array_equal(got, expected)
    if spec.chars is not None:  # character n-grams are scikit-learn's own
        assert type(vectorised.named_steps["features"].named_transformers_["chars"]) is TfidfVectorizer


@pytest.mark.parametrize(
    "vectorizer",
    [
        TfidfVectorizer(analyzer="char_wb"),
        TfidfVectorizer(token_pattern=r"(?u)\b\w+\b"),
        TfidfVectorizer(tokenizer=str.split, token_pattern=None),
        TfidfVectorizer(preprocessor=str.upper),
        TfidfVectorizer(analyzer=str.split),
        TfidfVectorizer(strip_accents=lambda text: text),
    ],
    ids=["char_wb", "one-letter-words", "tokenizer", "preprocessor", "analyzer", "accent-function"],
)
def test_vectorisers_that_split_otherwise_are_left_alone(vectorizer: TfidfVectorizer, training_texts: pd.Series) -> None:
    fitted = vectorizer.fit(training_texts)
    assert not qualifies(fitted)
    assert with_vectorised_word_counting(fitted) is fitted


def test_unfitted_and_subclassed_vectorisers_are_left_alone(training_texts: pd.Series) -> None:
    class Custom(TfidfVectorizer):
        pass

    assert with_vectorised_word_counting(TfidfVectorizer()).__class__ is TfidfVectorizer
    custom = Custom().fit(training_texts)
    assert with_vectorised_word_counting(custom) is custom


def test_swaps_inside_feature_unions_and_column_transformers(training_texts: pd.Series) -> None:
    frame = pd.DataFrame({contract.TEXT: training_texts})
    labels = np.arange(len(frame)) % 3
    union = Pipeline(
        [
            (
                "text",
                ColumnTransformer(
                    [("union", FeatureUnion([("counts", CountVectorizer()), ("chars", TfidfVectorizer(analyzer="char"))]), contract.TEXT)]
                ),
            ),
            ("classifier", LogisticRegression(max_iter=200)),
        ]
    ).fit(frame, labels)
    expected = union.predict_proba(frame.head(200))
    swapped = with_vectorised_word_counting(union)
    parts = dict(swapped.named_steps["text"].named_transformers_["union"].transformer_list)
    assert isinstance(parts["counts"], VectorisedCountVectorizer) and type(parts["chars"]) is TfidfVectorizer
    np.testing.assert_array_equal(swapped.predict_proba(frame.head(200)), expected)
