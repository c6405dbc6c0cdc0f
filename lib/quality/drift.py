"""Does new feedback look different from the reference reviews the model was checked on?

An estimate of quality without labels (``lib.quality.estimates``) assumes the new reviews
resemble the reference. This module measures how far they do not:

* the share of words the model never saw (its TF-IDF vocabulary when it can be read; else
  the words of one half of the reference texts), against the same share in the reference
  (the other half, without a model vocabulary);
* length in words, and the shares of reviews with emoji, with links, in a non-Latin script;
* the mix of predicted sentiments and of categories (total variation distance: half the sum
  of absolute differences of the shares, 0 = same mix, 1 = nothing in common);
* one overall measure: how well a quick classifier (word TF-IDF + logistic regression,
  5-fold cross-validated, one process) tells new from reference reviews, as the area under
  its ROC curve; 50% means it cannot tell them apart at all.

Texts are measured on seeded samples of at most ``SAMPLE_SIZE`` reviews per side (the
classifier on at most ``CLASSIFIER_SAMPLE``), so the cost does not grow with the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
from sklearn.pipeline import make_pipeline

from lib.quality.metrics import SENTIMENT_LABELS, group_codes_of

SAMPLE_SIZE = 5_000
CLASSIFIER_SAMPLE = 2_000
MIN_REVIEWS = 50
# Separability (ROC AUC) from which reviews count as somewhat / quite different.
SOMEWHAT_DIFFERENT_AUC = 0.65
QUITE_DIFFERENT_AUC = 0.75
# A share of unknown words this many times the usual one (and 5 points above it) is different too.
UNSEEN_RATIO_DIFFERENT = 2.0

SIMILAR, SOMEWHAT_DIFFERENT, QUITE_DIFFERENT = "similar", "somewhat different", "quite different"
NEW, REFERENCE = "This feedback", "Reference reviews"

_WORD = re.compile(r"(?u)\b\w\w+\b")
_EMOJI = r"[\U0001F1E6-\U0001F1FF\U0001F300-\U0001FAFF\u2600-\u27BF]"
_LINK = r"(?i)https?://|www\.\w"
_LETTER = r"[^\W\d_]"
_LATIN_LETTER = r"[A-Za-z\u00C0-\u024F]"


@dataclass(frozen=True)
class Vocabulary:
    """Words the model knows and how it splits a text into words."""

    words: frozenset[str]
    source: str  # "model" (read from the model) or "reference" (words of the reference texts)
    tokenize: Any = None  # text -> list of words; None = lower-cased runs of 2+ word characters

    def tokens(self, text: str) -> list[str]:
        """The words of one text as the vocabulary counts them."""
        return self.tokenize(text) if self.tokenize is not None else _WORD.findall(text.lower())


@dataclass(frozen=True)
class DriftReport:
    """How different new reviews look from the reference, measure by measure and overall."""

    n_new: int
    n_reference: int
    unseen_new: float  # share of the new reviews' words unknown to the vocabulary
    unseen_usual: float  # the same share in reference reviews
    vocabulary_source: str
    median_words_new: float
    median_words_reference: float
    shares: pd.DataFrame  # measure, source (NEW / REFERENCE), share: what the chart shows
    predicted_mix_distance: float
    category_distance: float | None  # None when either side has no categories
    separability: float | None  # ROC AUC of the quick classifier; None with too few reviews
    level: str  # SIMILAR, SOMEWHAT_DIFFERENT or QUITE_DIFFERENT


# ---- the vocabulary -------------------------------------------------------------------


def _parts(estimator: Any) -> list[Any]:
    """The estimator and every step nested in it (pipelines, column transformers, feature unions)."""
    found = [estimator]
    for attribute in ("steps", "transformers_", "transformer_list"):
        for part in getattr(estimator, attribute, None) or []:
            found += _parts(part[1])
    return found


def model_vocabulary(model: Any) -> Vocabulary | None:
    """The single words a fitted scikit-learn model knows from its word TF-IDF / count steps, or None."""
    vectorizers = [p for p in _parts(model) if hasattr(p, "vocabulary_") and getattr(p, "analyzer", None) == "word"]
    if not vectorizers:
        return None
    words = frozenset(term for v in vectorizers for term in v.vocabulary_ if " " not in term)
    first = vectorizers[0]
    preprocess, tokenize = first.build_preprocessor(), first.build_tokenizer()
    return Vocabulary(words, "model", lambda text: tokenize(preprocess(text)))


def _unseen_share(texts: pd.Series, vocabulary: Vocabulary) -> float:
    seen = unseen = 0
    for text in texts:
        tokens = vocabulary.tokens(text)
        known = sum(token in vocabulary.words for token in tokens)
        seen, unseen = seen + known, unseen + len(tokens) - known
    total = seen + unseen
    return unseen / total if total else float("nan")


def unseen_word_shares(
    new_texts: pd.Series, reference_texts: pd.Series, vocabulary: Vocabulary | None, random_state: int = 0
) -> tuple[float, float, str]:
    """Share of words unknown to the vocabulary in the new texts and usually (in the reference), and its source.

    Without a model vocabulary, the words of one random half of the reference are the vocabulary,
    and the usual share is that of the other half: both sides are then measured alike.
    """
    if vocabulary is not None:
        return _unseen_share(new_texts, vocabulary), _unseen_share(reference_texts, vocabulary), vocabulary.source
    shuffled = reference_texts.sample(frac=1.0, random_state=random_state)
    half = len(shuffled) // 2
    first_half = Vocabulary(frozenset(w for text in shuffled.iloc[:half] for w in _WORD.findall(text.lower())), "reference")
    return _unseen_share(new_texts, first_half), _unseen_share(shuffled.iloc[half:], first_half), "reference"


# ---- the measures ---------------------------------------------------------------------


def _sample(frame: pd.DataFrame, size: int, random_state: int) -> pd.DataFrame:
    return frame.sample(size, random_state=random_state) if len(frame) > size else frame


def text_shares(texts: pd.Series) -> dict[str, float]:
    """Shares of texts with emoji, with links, and written mostly in a non-Latin script."""
    texts = texts.astype(str)
    letters = texts.str.count(_LETTER)
    latin = texts.str.count(_LATIN_LETTER)
    return {
        "With emoji": float(texts.str.contains(_EMOJI, regex=True).mean()),
        "With a link": float(texts.str.contains(_LINK, regex=True).mean()),
        "Mostly non-Latin script": float(((letters > 0) & (latin < letters / 2)).mean()),
    }


def mix_shares(values: pd.Series, names: tuple[str, ...] | None = None) -> pd.Series:
    """Share of each value (in the order of ``names`` when given; missing values as "(none)")."""
    if names is not None:
        return values.astype("string").value_counts(normalize=True).reindex(list(names), fill_value=0.0)
    group_names, codes = group_codes_of(values)
    return pd.Series(np.bincount(codes, minlength=len(group_names)) / max(len(codes), 1), index=group_names)


def mix_distance(new: pd.Series, reference: pd.Series) -> float:
    """Total variation distance of two mixes of shares (0 = same, 1 = disjoint)."""
    index = new.index.union(reference.index)
    return float(0.5 * np.abs(new.reindex(index, fill_value=0) - reference.reindex(index, fill_value=0)).sum())


def separability(new_texts: pd.Series, reference_texts: pd.Series, random_state: int = 0) -> float | None:
    """Cross-validated ROC AUC of a quick classifier telling new from reference texts (0.5 = indistinguishable).

    Copies of one text stay in the same fold, so a text found on both sides is scored the same
    on both (a tie) instead of being learnt from its twin with the other answer. Chance results
    below 0.5 are shown as 0.5. None when either side has fewer than ``MIN_REVIEWS`` texts.
    Runs in this process (no pool).
    """
    size = min(len(new_texts), len(reference_texts), CLASSIFIER_SAMPLE)
    if size < MIN_REVIEWS:
        return None
    new = new_texts.sample(size, random_state=random_state) if len(new_texts) > size else new_texts
    old = reference_texts.sample(size, random_state=random_state) if len(reference_texts) > size else reference_texts
    texts = pd.concat([new, old], ignore_index=True).astype(str)
    is_new = np.r_[np.ones(len(new)), np.zeros(len(old))]
    classifier = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), LogisticRegression(C=1.0, max_iter=1000))
    folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=random_state)
    same_text, _ = pd.factorize(texts)
    scores = cross_val_predict(classifier, texts, is_new, groups=same_text, cv=folds, method="predict_proba", n_jobs=1)
    return max(float(roc_auc_score(is_new, scores[:, 1])), 0.5)


def drift_level(separability_auc: float | None, unseen_new: float, unseen_usual: float) -> str:
    """SIMILAR, SOMEWHAT_DIFFERENT or QUITE_DIFFERENT from the classifier's AUC and the unknown-word shares."""
    many_new_words = unseen_new >= UNSEEN_RATIO_DIFFERENT * unseen_usual and unseen_new - unseen_usual >= 0.05
    if (separability_auc is not None and separability_auc >= QUITE_DIFFERENT_AUC) or many_new_words:
        return QUITE_DIFFERENT
    if separability_auc is not None and separability_auc >= SOMEWHAT_DIFFERENT_AUC:
        return SOMEWHAT_DIFFERENT
    return SIMILAR


def _word_counts(texts: pd.Series) -> pd.Series:
    return texts.astype(str).str.count(r"\S+")


def compare(
    new: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    vocabulary: Vocabulary | None = None,
    labels: tuple[str, ...] = SENTIMENT_LABELS,
    text_column: str = "text",
    predicted_column: str = "predicted_label",
    category_column: str = "category",
    random_state: int = 0,
) -> DriftReport:
    """How different ``new`` reviews look from ``reference`` ones (both with text and predicted label)."""
    new_sample = _sample(new, SAMPLE_SIZE, random_state)
    reference_sample = _sample(reference, SAMPLE_SIZE, random_state)
    new_texts, reference_texts = new_sample[text_column].astype(str), reference_sample[text_column].astype(str)
    unseen_new, unseen_usual, source = unseen_word_shares(new_texts, reference_texts, vocabulary, random_state)
    new_predicted = mix_shares(new[predicted_column], labels)
    reference_predicted = mix_shares(reference[predicted_column], labels)
    rows = [("Words new to the model" if source == "model" else "Words not in the reference", unseen_new, unseen_usual)]
    new_text, reference_text = text_shares(new_texts), text_shares(reference_texts)
    rows += [(measure, new_text[measure], reference_text[measure]) for measure in new_text]
    rows += [(f"Called {label}", new_predicted[label], reference_predicted[label]) for label in labels]
    shares = pd.DataFrame(
        [{"measure": m, "source": s, "share": v} for m, a, b in rows for s, v in ((NEW, a), (REFERENCE, b))],
    )
    has_categories = category_column in new and category_column in reference
    category_distance = mix_distance(mix_shares(new[category_column]), mix_shares(reference[category_column])) if has_categories else None
    auc = separability(new_texts, reference_texts, random_state)
    return DriftReport(
        n_new=len(new),
        n_reference=len(reference),
        unseen_new=unseen_new,
        unseen_usual=unseen_usual,
        vocabulary_source=source,
        median_words_new=float(_word_counts(new_texts).median()),
        median_words_reference=float(_word_counts(reference_texts).median()),
        shares=shares,
        predicted_mix_distance=mix_distance(new_predicted, reference_predicted),
        category_distance=category_distance,
        separability=auc,
        level=drift_level(auc, unseen_new, unseen_usual),
    )
