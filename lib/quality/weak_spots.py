"""Weak spots found automatically: groups of reviews, built from the text itself, where the model does worse.

Candidate slices are *traits* of a review that anyone can check by reading it (its length,
a negation, "but", other contrast words, a question or exclamation mark, a word in
capitals, an emoji, a link, an @mention, a hashtag, a number, many words that are rare in
the run) plus the model's own confidence band, and each trait within each category
("tweets with a negation").

Each slice is compared with the rest: a trait with all other reviews, a trait within a
category with the other reviews of that category (otherwise a weak category would make
every trait inside it look weak). Accuracy gets a Wilson interval on both sides and the
difference a two-sided two-proportion z-test (pooled; equal to the chi-square test of the
2x2 table without continuity correction). Only slices with at least ``MIN_REVIEWS`` reviews
in the slice and in the rest are tried; that choice depends on the texts alone, never on
whether the model was right, so it does not bias the test. Benjamini–Hochberg then
controls the false discovery rate at 5% across every slice tried, and a slice is reported
only when it survives that *and* is at least ``MIN_GAP`` (5 points) worse than the rest.

Everything is vectorised: the texts are split into words once (pyarrow), each distinct
word is classified once, and the per-review traits come from integer arrays; the counts
per slice are bincounts. Slice ids are stable, URL-safe strings (``[a-z0-9.-]``):
``negation``, ``length-1-5``, or ``negation.in.tweets-1a2b3c4d`` (slugged category name and
a hash of it), and :func:`slice_mask` turns one back into the reviews it holds.
"""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import ndtr  # the normal CDF, without importing scipy.stats (slow to import)

from lib.quality.arrow_text import contiguous
from lib.quality.comparison import benjamini_hochberg
from lib.quality.metrics import group_codes_of, wilson_interval
from lib.stores import contract

MIN_REVIEWS = 30
MIN_GAP = 0.05
FALSE_DISCOVERY_RATE = 0.05
# A word seen at most this often among all of a run's reviews is "rare" (names, typos, slang).
RARE_WORD_MAX_COUNT = 2
# A review is "full of rare words" when at least this share of its words are rare.
RARE_WORD_SHARE = 0.2
LENGTH_BANDS = ((1, 5), (6, 10), (11, 20), (21, 40), (41, None))  # words, inclusive
CONFIDENCE_BANDS = ((0.0, 0.5), (0.5, 0.8), (0.8, None))  # model's top probability, [low, high)
SPLIT_CHUNK = 100_000  # texts per chunk when splitting into words
SPLIT_THREADS = min(4, os.cpu_count() or 1)

NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "nothing",
        "nobody",
        "none",
        "neither",
        "nor",
        "nowhere",
        "without",
        "cannot",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "wont",
        "wouldnt",
        "couldnt",
        "shouldnt",
        "hasnt",
        "havent",
        "hadnt",
        "aint",
    ]
)
CONTRASTS = frozenset(["however", "although", "though", "whereas", "yet", "despite", "nevertheless", "nonetheless"])
# Word traits: one bit each in the per-word classification.
WORD_TRAITS = (
    "negation",
    "but",
    "contrast",
    "question",
    "exclamation",
    "capitals",
    "emoji",
    "link",
    "mention",
    "hashtag",
    "number",
)
RARE_WORDS = "rare-words"
_EMOJI = r"[\x{1F000}-\x{1FAFF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}]|^[:;=][-o']?[()\[\]DPpO3/\\|*]+$|^[xX]D+$|^<3+$"
_CATEGORY_MARK = ".in."
_ID_PATTERN = re.compile(r"^[a-z0-9-]+(\.in\.[a-z0-9-]*-[0-9a-f]{8})?$")


def length_trait(low: int, high: int | None) -> str:
    """Id of a length band: ``length-6-10``, ``length-41-plus``."""
    return f"length-{low}-{high}" if high is not None else f"length-{low}-plus"


def confidence_trait(low: float, high: float | None) -> str:
    """Id of a confidence band: ``confidence-50-80``, ``confidence-80-plus`` (percent)."""
    start = round(low * 100)
    return f"confidence-{start}-{round(high * 100)}" if high is not None else f"confidence-{start}-plus"


LENGTH_TRAITS = tuple(length_trait(low, high) for low, high in LENGTH_BANDS)
CONFIDENCE_TRAITS = tuple(confidence_trait(low, high) for low, high in CONFIDENCE_BANDS)


@dataclass(frozen=True)
class ReviewTraits:
    """Which traits each review has, and its category: the raw material of every slice."""

    names: tuple[str, ...]  # trait ids, one per row of ``matrix``
    matrix: np.ndarray  # (traits, reviews) bool
    category_names: tuple[str, ...]  # empty when the reviews carry no category
    category_codes: np.ndarray  # (reviews,) int64 index into category_names (-1 without categories)

    def trait(self, name: str) -> np.ndarray:
        """The reviews having one trait (bool per review)."""
        return self.matrix[self.names.index(name)]

    def category_of(self, slice_id: str) -> str | None:
        """The category a slice id is limited to (None for all reviews); KeyError when there is no such category."""
        _, slug = split_slice_id(slice_id)
        if slug is None:
            return None
        names = {category_slug(name): name for name in self.category_names}
        if slug not in names:
            raise KeyError(f"these reviews have no category {slug!r}")
        return names[slug]

    def mask(self, slice_id: str) -> np.ndarray:
        """The reviews in a slice (bool per review); KeyError when these reviews have no such slice."""
        if not is_slice_id(slice_id):
            raise KeyError(f"not a slice id: {slice_id!r}")
        trait, _ = split_slice_id(slice_id)
        if trait not in self.names:
            raise KeyError(f"these reviews have no trait {trait!r}")
        category = self.category_of(slice_id)
        if category is None:
            return self.trait(trait)
        return self.trait(trait) & (self.category_codes == self.category_names.index(category))


@dataclass(frozen=True)
class WeakSpotSearch:
    """Every slice tried, with its accuracy against the rest; the weak spots are the rows marked ``weak``.

    ``table`` columns: slice_id, trait, category (None for a trait over all reviews), n,
    right, accuracy, low, high, rest_n, rest_right, rest_accuracy, rest_low, rest_high,
    gap (rest minus slice), p_value, p_adjusted, weak.
    """

    table: pd.DataFrame
    reviews: int  # labelled reviews searched

    @property
    def tried(self) -> int:
        """How many slices were tested (the family the false discovery rate is controlled over)."""
        return len(self.table)

    def weak_spots(self) -> pd.DataFrame:
        """The slices reported: significant after Benjamini–Hochberg and at least 5 points worse, weakest first."""
        weak = self.table[self.table["weak"]]
        return weak.sort_values(["accuracy", "n"], ascending=[True, False], kind="stable").reset_index(drop=True)


def category_slug(name: str) -> str:
    """URL-safe part of a slice id naming a category: slugged name plus a hash of the exact name."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:24].strip("-")
    return f"{slug}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]}"


def slice_id(trait: str, category: str | None = None) -> str:
    """Stable id of a slice: the trait, or the trait within one category."""
    return trait if category is None else f"{trait}{_CATEGORY_MARK}{category_slug(category)}"


def is_slice_id(value: str) -> bool:
    """True when ``value`` has the shape of a slice id (says nothing about whether a run has it)."""
    return bool(_ID_PATTERN.fullmatch(value))


def _texts_as_arrow(texts: pd.Series) -> pa.Array:
    return contiguous(pa.array(texts.astype("str").fillna(""), type=pa.large_string()))


def _word_bits(words: pa.Array, normalised: pa.Array) -> np.ndarray:
    """One bit per word trait for each distinct word (uint16)."""

    def has(array: pa.Array, pattern: str) -> np.ndarray:
        return pc.match_substring_regex(array, pattern).to_numpy(zero_copy_only=False)

    def among(array: pa.Array, values: frozenset[str]) -> np.ndarray:
        return pc.is_in(array, value_set=pa.array(sorted(values), type=array.type)).to_numpy(zero_copy_only=False)

    stripped = pc.replace_substring_regex(words, r"^[^\pL\pN]+|[^\pL\pN]+$", "")
    found = {
        "negation": among(normalised, NEGATIONS) | has(normalised, r"\pLn't$"),
        "but": pc.equal(normalised, "but").to_numpy(zero_copy_only=False),
        "contrast": among(normalised, CONTRASTS),
        "question": has(words, r"\?"),
        "exclamation": has(words, "!"),
        "capitals": has(stripped, r"^[A-Z]{3,}$"),
        "emoji": has(words, _EMOJI),
        "link": has(words, r"(?i)^(https?://|www\.)\S"),
        "mention": has(words, r"^@\w"),
        "hashtag": has(words, r"^#\w"),
        "number": has(words, r"[0-9]"),
    }
    bits = np.zeros(len(words), dtype=np.uint16)
    for position, trait in enumerate(WORD_TRAITS):
        bits |= found[trait].astype(np.uint16) << position
    return bits


def _per_review(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray, ufunc: np.ufunc) -> np.ndarray:
    """``ufunc`` reduced over each review's words (0 for a review without words)."""
    out = np.zeros(len(lengths), dtype=values.dtype)
    some = lengths > 0
    if some.any():
        out[some] = ufunc.reduceat(values, starts[some])
    return out


@dataclass(frozen=True)
class _Words:
    """Texts split at ASCII whitespace: the distinct words, each token's word, and each text's token count."""

    distinct: pa.Array
    word_of_token: np.ndarray
    lengths: np.ndarray


def _split_chunk(texts: pa.Array) -> _Words:
    if (pc.sum(pc.binary_length(texts)).as_py() or 0) < 2**31:
        texts = texts.cast(pa.string())  # 32-bit offsets: splitting is about twice as fast
    tokens = pc.ascii_split_whitespace(texts)
    encoded = pc.dictionary_encode(pc.list_flatten(tokens))
    lengths = pc.list_value_length(tokens).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return _Words(encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False), lengths)


def _split_into_words(texts: pa.Array) -> _Words:
    """Every text split into words; chunks are split on a few threads (pyarrow releases the GIL, nothing forks)."""
    chunks = [texts.slice(start, SPLIT_CHUNK) for start in range(0, len(texts), SPLIT_CHUNK)] or [texts]
    with ThreadPoolExecutor(max_workers=min(SPLIT_THREADS, len(chunks))) as pool:
        parts = list(pool.map(_split_chunk, chunks))
    # Each chunk has its own dictionary: encode their union once and renumber the tokens.
    merged = pc.dictionary_encode(pa.concat_arrays([part.distinct for part in parts]))
    codes = merged.indices.to_numpy(zero_copy_only=False)  # int32, like every per-token array: 1M reviews hold ~35M tokens
    firsts = np.cumsum([0] + [len(part.distinct) for part in parts[:-1]])
    word_of_token = np.concatenate([codes[first + part.word_of_token] for first, part in zip(firsts, parts, strict=True)])
    return _Words(merged.dictionary, word_of_token, np.concatenate([part.lengths for part in parts]))


def _text_traits(texts: pd.Series) -> dict[str, np.ndarray]:
    """Word traits, length bands and rare-word share of each text, from one split into words."""
    split = _split_into_words(_texts_as_arrow(texts))
    words, word_of_token, lengths = split.distinct, split.word_of_token, split.lengths
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    # Distinct words are classified once; a token inherits its word's classification.
    normalised = pc.replace_substring_regex(pc.replace_substring(pc.utf8_lower(words), "\u2019", "'"), r"^[^\pL\pN@#]+|[^\pL\pN]+$", "")
    bits = _word_bits(words, normalised)
    review_bits = _per_review(bits[word_of_token], starts, lengths, np.bitwise_or)
    traits = {trait: (review_bits >> position) & 1 == 1 for position, trait in enumerate(WORD_TRAITS)}

    # Rare words are counted on the normalised form; links and mentions are traits of their own.
    normal_codes = pc.dictionary_encode(normalised).indices.to_numpy()
    is_word = (pc.utf8_length(normalised).to_numpy(zero_copy_only=False) > 0) & ~(
        (bits >> WORD_TRAITS.index("link")) & 1 | (bits >> WORD_TRAITS.index("mention")) & 1
    ).astype(bool)
    token_normal = normal_codes[word_of_token]
    token_is_word = is_word[word_of_token]
    uses = np.bincount(token_normal[token_is_word], minlength=int(normal_codes.max(initial=-1)) + 1)
    token_rare = token_is_word & (uses[token_normal] <= RARE_WORD_MAX_COUNT)
    word_count = _per_review(token_is_word.astype(np.int32), starts, lengths, np.add)
    rare_count = _per_review(token_rare.astype(np.int32), starts, lengths, np.add)
    traits[RARE_WORDS] = (word_count > 0) & (rare_count >= RARE_WORD_SHARE * word_count)
    for (low, high), trait in zip(LENGTH_BANDS, LENGTH_TRAITS, strict=True):
        traits[trait] = (word_count >= low) & (word_count <= (high if high is not None else np.iinfo(np.int32).max))
    return traits


def _confidence_traits(predictions: pd.DataFrame) -> dict[str, np.ndarray]:
    """The model's confidence band (its top class probability) when the run stored probabilities."""
    columns = [c for c in predictions.columns if c.startswith(contract.PROBA_PREFIX)]
    if not columns:
        return {}
    top = predictions[columns].astype(float).max(axis=1, skipna=True).to_numpy()
    return {
        trait: (top >= low) & (top < (high if high is not None else np.inf))
        for (low, high), trait in zip(CONFIDENCE_BANDS, CONFIDENCE_TRAITS, strict=True)
    }


def review_traits(predictions: pd.DataFrame) -> ReviewTraits:
    """Every trait of every review of a run's predictions (text column required), and its category."""
    found = _text_traits(predictions[contract.TEXT]) | _confidence_traits(predictions)
    names = tuple(found)
    matrix = np.stack([found[name] for name in names]) if names else np.zeros((0, len(predictions)), dtype=bool)
    if contract.CATEGORY in predictions:
        category_names, category_codes = group_codes_of(predictions[contract.CATEGORY])
    else:
        category_names, category_codes = [], np.full(len(predictions), -1, dtype=np.int64)
    return ReviewTraits(names, matrix, tuple(category_names), np.asarray(category_codes, dtype=np.int64))


def _two_proportion_p_values(right: np.ndarray, n: np.ndarray, rest_right: np.ndarray, rest_n: np.ndarray) -> np.ndarray:
    """Two-sided pooled z-test of equal accuracy in a slice and its rest (1 where nothing varies)."""
    pooled = (right + rest_right) / (n + rest_n)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / rest_n))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, (right / n - rest_right / rest_n) / np.where(se > 0, se, 1), 0.0)
    return 2 * ndtr(-np.abs(z))


def search_weak_spots(traits: ReviewTraits, correct: np.ndarray, labelled: np.ndarray | None = None) -> WeakSpotSearch:
    """Test every slice of ``traits`` on the labelled reviews (``correct``: the model was right)."""
    keep = np.ones(len(correct), dtype=bool) if labelled is None else np.asarray(labelled, dtype=bool)
    right_all = np.asarray(correct, dtype=bool)[keep]
    matrix = traits.matrix[:, keep]
    n = matrix.sum(axis=1)
    right = (matrix & right_all).sum(axis=1)
    blocks = [
        pd.DataFrame(
            {
                "slice_id": list(traits.names),
                "trait": list(traits.names),
                "category": None,
                "n": n,
                "right": right,
                "rest_n": len(right_all) - n,
                "rest_right": int(right_all.sum()) - right,
            }
        )
    ]
    if len(traits.category_names) > 1:
        codes = traits.category_codes[keep]
        size = len(traits.category_names)
        category_n = np.bincount(codes, minlength=size)
        category_right = np.bincount(codes[right_all], minlength=size)
        for trait, has in zip(traits.names, matrix, strict=True):
            pair_n = np.bincount(codes[has], minlength=size)
            pair_right = np.bincount(codes[has & right_all], minlength=size)
            blocks.append(
                pd.DataFrame(
                    {
                        "slice_id": [slice_id(trait, name) for name in traits.category_names],
                        "trait": trait,
                        "category": list(traits.category_names),
                        "n": pair_n,
                        "right": pair_right,
                        "rest_n": category_n - pair_n,
                        "rest_right": category_right - pair_right,
                    }
                )
            )
    table = pd.concat(blocks, ignore_index=True)
    # Which slices are tried depends on the texts alone (sizes), never on the model being right.
    table = table[(table["n"] >= MIN_REVIEWS) & (table["rest_n"] >= MIN_REVIEWS)].reset_index(drop=True)
    for prefix in ("", "rest_"):
        hits, size = table[f"{prefix}right"].to_numpy(), table[f"{prefix}n"].to_numpy()
        table[f"{prefix}accuracy"] = hits / np.maximum(size, 1)
        table[f"{prefix}low"], table[f"{prefix}high"] = wilson_interval(hits, size)
    table["gap"] = table["rest_accuracy"] - table["accuracy"]
    table["p_value"] = _two_proportion_p_values(*(table[c].to_numpy(dtype=float) for c in ("right", "n", "rest_right", "rest_n")))
    table["p_adjusted"] = benjamini_hochberg(table["p_value"].to_numpy())
    table["weak"] = (table["p_adjusted"] < FALSE_DISCOVERY_RATE) & (table["gap"] >= MIN_GAP)
    return WeakSpotSearch(table=table, reviews=int(keep.sum()))


def labelled_correct(predictions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Which reviews have both labels, and whether the model was right on each."""
    truth, said = predictions[contract.TRUE_LABEL], predictions[contract.PREDICTED_LABEL]
    labelled = (truth.notna() & said.notna()).to_numpy()
    correct = labelled & (truth.astype(object) == said.astype(object)).to_numpy(dtype=bool, na_value=False)
    return labelled, correct


def find_weak_spots(predictions: pd.DataFrame, traits: ReviewTraits | None = None) -> WeakSpotSearch | None:
    """Weak spots of a run's predictions (``traits``: their traits, when already read); None without true labels or texts."""
    if any(c not in predictions for c in (contract.TEXT, contract.TRUE_LABEL, contract.PREDICTED_LABEL)):
        return None
    labelled, correct = labelled_correct(predictions)
    if not labelled.any():
        return None
    return search_weak_spots(review_traits(predictions) if traits is None else traits, correct, labelled)


def split_slice_id(value: str) -> tuple[str, str | None]:
    """A slice id's trait and category part (None for a trait over all reviews)."""
    trait, _, category = value.partition(_CATEGORY_MARK)
    return trait, category or None


def slice_mask(predictions: pd.DataFrame, slice_id: str) -> np.ndarray:
    """Which reviews of ``predictions`` belong to the slice ``slice_id`` (bool per row).

    Raises KeyError when the run has no such slice (say a category it does not have, or a
    confidence band without stored probabilities).
    """
    return review_traits(predictions).mask(slice_id)
