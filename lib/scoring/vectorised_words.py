"""Word counting for scikit-learn text models, vectorised: the same matrix as scikit-learn, faster.

Scoring a text model is mostly its ``CountVectorizer`` / ``TfidfVectorizer``: scikit-learn
splits, looks up and counts every word in Python, one text at a time (85% of
``predict_proba`` for the demo's models). For texts that are plain ASCII this module does the
same work on the whole batch at once: NumPy finds the words in the batch's bytes, Arrow looks
them up in the model's vocabulary, SciPy counts them. The matrix is the one scikit-learn builds,
value for value (``tests/test_vectorised_words.py`` compares them bit for bit, on hostile and
random texts); texts with other characters are counted by scikit-learn itself, whose Unicode
rules for "a word" this module does not try to copy.

Only vectorisers whose settings mean exactly "lower-case, then runs of two or more letters,
digits or underscores" are replaced (the default ``token_pattern``, no custom tokenizer,
preprocessor or analyzer); any other model is left as it is.
:func:`with_vectorised_word_counting` swaps them inside a fitted pipeline, in place.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from lib.quality.arrow_text import bytes_and_offsets, contiguous

DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
# Bytes of text counted at once: the arrays over the text's bytes stay a few times this size,
# however long the reviews of a batch are (scikit-learn's loop needed little memory either).
MAX_TEXT_BYTES_AT_ONCE = 8 * 1024 * 1024
_WORD_BYTES = np.zeros(256, dtype=bool)  # ASCII bytes that Python's \w matches: letters, digits, _
_WORD_BYTES[list(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")] = True
_LOWER_BYTES = np.arange(256, dtype=np.uint8)
_LOWER_BYTES[ord("A") : ord("Z") + 1] += ord("a") - ord("A")
_NGRAM_SEPARATOR = pa.scalar(" ", pa.large_string())


class _VectorisedCounting:
    """``transform`` for a fitted word vectoriser: ASCII texts counted here, the others by scikit-learn."""

    vocabulary_terms: pa.LargeStringArray  # the vocabulary's terms, each at its column index

    def transform(self, raw_documents: Any) -> Any:
        """The document-term matrix scikit-learn's ``transform`` returns, for the same documents."""
        documents = _as_arrow_strings(raw_documents)
        if documents is None:  # not a plain list of strings: scikit-learn decides (and raises as it does)
            return super().transform(raw_documents)
        self._check_vocabulary()
        counts = _counts(self, documents)
        if self.binary:
            counts.data.fill(1)
        tfidf = getattr(self, "_tfidf", None)
        return tfidf.transform(counts, copy=False) if tfidf is not None else counts


class VectorisedCountVectorizer(_VectorisedCounting, CountVectorizer):
    """A fitted ``CountVectorizer`` whose ``transform`` counts ASCII texts vectorised."""


class VectorisedTfidfVectorizer(_VectorisedCounting, TfidfVectorizer):
    """A fitted ``TfidfVectorizer`` whose ``transform`` counts ASCII texts vectorised."""


_VECTORISED = {CountVectorizer: VectorisedCountVectorizer, TfidfVectorizer: VectorisedTfidfVectorizer}


def with_vectorised_word_counting(model: Any) -> Any:
    """``model`` with each fitted word vectoriser that qualifies swapped for its vectorised twin (in place)."""
    if isinstance(model, Pipeline):
        model.steps = [(name, with_vectorised_word_counting(step)) for name, step in model.steps]
    elif isinstance(model, ColumnTransformer) and hasattr(model, "transformers_"):
        model.transformers_ = [(name, with_vectorised_word_counting(part), columns) for name, part, columns in model.transformers_]
    elif isinstance(model, FeatureUnion):
        model.transformer_list = [(name, with_vectorised_word_counting(part)) for name, part in model.transformer_list]
    elif type(model) in _VECTORISED and qualifies(model):
        vectorised = object.__new__(_VECTORISED[type(model)])
        vectorised.__dict__.update(model.__dict__)
        vectorised.vocabulary_terms = _vocabulary_array(model)
        return vectorised
    return model


def qualifies(vectorizer: CountVectorizer) -> bool:
    """True when the vectoriser is fitted and splits words exactly as this module does."""
    return (
        hasattr(vectorizer, "vocabulary_")
        and vectorizer.input == "content"
        and vectorizer.analyzer == "word"
        and vectorizer.tokenizer is None
        and vectorizer.preprocessor is None
        and vectorizer.token_pattern == DEFAULT_TOKEN_PATTERN
        # ASCII text is its own NFKD form, so either accent stripping leaves it unchanged
        and vectorizer.strip_accents in (None, "ascii", "unicode")
        and vectorizer.ngram_range[0] >= 1
        and (isinstance(vectorizer, TfidfVectorizer) == hasattr(vectorizer, "_tfidf"))
    )


def _as_arrow_strings(raw_documents: Any) -> pa.LargeStringArray | None:
    """The documents as one Arrow array of strings without gaps, or None when they are anything else."""
    if not isinstance(raw_documents, pd.Series | pd.Index | list | tuple | np.ndarray):
        return None
    if isinstance(raw_documents, np.ndarray) and raw_documents.ndim != 1:
        return None
    try:
        documents = contiguous(pa.array(raw_documents, from_pandas=True))
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if not (pa.types.is_string(documents.type) or pa.types.is_large_string(documents.type)) or documents.null_count:
        return None
    return documents.cast(pa.large_string())


def _counts(vectorizer: CountVectorizer, documents: pa.LargeStringArray) -> sp.csr_matrix:
    """Term counts of every document, in scikit-learn's layout (sorted column indices, the vectoriser's dtype)."""
    is_ascii = pc.string_is_ascii(documents).to_numpy(zero_copy_only=False)
    if is_ascii.all():
        return _ascii_counts(vectorizer, documents)
    others = np.flatnonzero(~is_ascii)
    plain = np.flatnonzero(is_ascii)
    by_sklearn = CountVectorizer.transform(vectorizer, documents.take(others).to_pylist())
    stacked = sp.vstack([_ascii_counts(vectorizer, documents.take(plain)), sp.csr_matrix(by_sklearn)], format="csr")
    order = np.empty(len(documents), dtype=np.int64)
    order[np.concatenate([plain, others])] = np.arange(len(documents))
    counts = stacked[order]
    counts.sort_indices()
    return counts


def _ascii_counts(vectorizer: CountVectorizer, documents: pa.LargeStringArray) -> sp.csr_matrix:
    """Term counts of documents that are all ASCII, ``MAX_TEXT_BYTES_AT_ONCE`` of text at a time."""
    parts = [_ascii_counts_at_once(vectorizer, documents.slice(start, stop - start)) for start, stop in _byte_bounded_slices(documents)]
    return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")


def _byte_bounded_slices(documents: pa.LargeStringArray) -> list[tuple[int, int]]:
    """``(start, stop)`` row ranges covering the documents (one, empty, when there are none), cut every ``MAX_TEXT_BYTES_AT_ONCE`` of text.

    A range holds more only when one of its documents is longer than that on its own.
    """
    _, sizes = bytes_and_offsets(documents)
    cuts = np.searchsorted(sizes, np.arange(MAX_TEXT_BYTES_AT_ONCE, sizes[-1], MAX_TEXT_BYTES_AT_ONCE), side="right") - 1
    bounds = np.unique(np.concatenate([[0], cuts[cuts > 0], [len(documents)]]))
    return [(int(start), int(stop)) for start, stop in pairwise(bounds)] or [(0, 0)]


def _ascii_counts_at_once(vectorizer: CountVectorizer, documents: pa.LargeStringArray) -> sp.csr_matrix:
    """Term counts of documents that are all ASCII: words found in their bytes, looked up, summed."""
    terms, rows = _ascii_terms(vectorizer, documents)
    vocabulary = vectorizer.vocabulary_terms
    columns = pc.index_in(terms, value_set=vocabulary)
    known = pc.is_valid(columns).to_numpy(zero_copy_only=False)
    counts = sp.csr_matrix(
        (np.ones(int(known.sum()), dtype=vectorizer.dtype), (rows[known], pc.drop_null(columns).to_numpy())),
        shape=(len(documents), len(vocabulary)),
        dtype=vectorizer.dtype,
    )
    counts.sum_duplicates()  # counts each term once per document, column indices sorted
    return counts


def _ascii_terms(vectorizer: CountVectorizer, documents: pa.LargeStringArray) -> tuple[pa.ChunkedArray, np.ndarray]:
    """Every term (word or n-gram) of the documents and the row of the document it is in."""
    text, offsets = bytes_and_offsets(documents)
    is_word = _WORD_BYTES[text]
    edges = np.diff(is_word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    # A word may run from one document into the next: split it where the next document starts.
    inner = offsets[1:-1][(offsets[1:-1] > 0) & (offsets[1:-1] < len(text))]
    joined = inner[is_word[inner - 1] & is_word[inner]]
    if len(joined):
        starts, ends = np.sort(np.concatenate([starts, joined])), np.sort(np.concatenate([ends, joined]))
    # Words packed one after the other: the text's word bytes in order, lower-cased when asked.
    letters = text[is_word]
    packed = _LOWER_BYTES[letters] if vectorizer.lowercase else letters
    word_offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(ends - starts, out=word_offsets[1:])
    words = pa.LargeStringArray.from_buffers(len(starts), pa.py_buffer(word_offsets), pa.py_buffer(packed))
    rows = np.repeat(np.arange(len(documents)), np.diff(np.searchsorted(starts, offsets)))
    kept = (ends - starts) >= 2  # the pattern wants two characters or more
    stop_words = vectorizer.get_stop_words()
    if stop_words:
        kept &= ~pc.is_in(words, value_set=pa.array(sorted(stop_words), pa.large_string())).to_numpy(zero_copy_only=False)
    words, rows = words.filter(pa.array(kept)), rows[kept]
    return _ngrams(words, rows, *vectorizer.ngram_range)


def _ngrams(words: pa.LargeStringArray, rows: np.ndarray, min_n: int, max_n: int) -> tuple[pa.ChunkedArray, np.ndarray]:
    """The n-grams (``min_n`` to ``max_n`` consecutive words of one document, joined by a space) and their rows."""
    terms, term_rows = ([words], [rows]) if min_n == 1 else ([], [])
    for n in range(max(2, min_n), max_n + 1):
        count = len(words) - n + 1
        if count <= 0:
            break
        within_document = rows[:count] == rows[n - 1 :]  # words are in document order
        gram = words.slice(0, count)
        for k in range(1, n):
            gram = pc.binary_join_element_wise(gram, words.slice(k, count), _NGRAM_SEPARATOR)
        terms.append(gram.filter(pa.array(within_document)))
        term_rows.append(rows[:count][within_document])
    if not terms:
        return pa.chunked_array([], pa.large_string()), np.zeros(0, dtype=np.int64)
    return pa.chunked_array(terms, pa.large_string()), np.concatenate(term_rows)


def _vocabulary_array(vectorizer: CountVectorizer) -> pa.LargeStringArray:
    """The vocabulary's terms as an Arrow array, each at its column index."""
    terms = np.empty(len(vectorizer.vocabulary_), dtype=object)
    terms[list(vectorizer.vocabulary_.values())] = list(vectorizer.vocabulary_.keys())
    return pa.array(terms, pa.large_string())
