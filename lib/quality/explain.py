"""Why did the model say that? Per-word contributions to one review's prediction.

* Linear models over TF-IDF features (a scikit-learn Pipeline ending in a linear
  classifier, like the demo's): exact. The decision score of class c is
  ``intercept_c + Σ coef_c,j · x_j``. What decides between classes is the *margin* of the
  predicted class over the others, ``score_c − mean(score of the other classes)``, so a
  feature's contribution is ``x_j · (coef_c,j − mean of the other classes' coef_j)``; the
  contributions plus the intercept margin equal the model's margin exactly. Word
  features are attributed to the words they come from (a word pair half to each word, a
  feature seen k times split over its k occurrences); character fragments cannot be tied
  to one word and are reported together as "letter patterns".
* Any other model: leave-one-word-out. Each distinct word is removed in turn and all the
  variants are scored in one batch; a word's contribution is how much the probability of
  the predicted class drops without it. Bounded to ``MAX_WORDS`` words.

Either way only the first ``MAX_EXPLAINED_WORDS`` words of a review are explained (a
98,000-character review took 24 s); ``coverage_sentence`` says so in plain words.

Highlighted text is built from HTML-escaped pieces only, so a review containing HTML or
script shows as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from lib.stores import contract

MAX_WORDS = 60
MAX_EXPLAINED_WORDS = 300
# Words whose contribution is below this share of the strongest one stay unshaded, so
# the eye goes to the few words that decided.
MIN_SHADED_WEIGHT = 0.2
TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


@dataclass(frozen=True)
class Explanation:
    """Contributions of the words of one review towards the predicted class."""

    predicted: str
    method: str  # "exact" or "leave-one-word-out"
    words: pd.DataFrame  # start, end, word, contribution (per occurrence, towards `predicted`)
    other: float  # contribution not tied to a single word (letter patterns), exact method only
    intercept: float  # the model's baseline score for the class, exact method only
    total_words: int = 0  # words in the whole review; ``words`` covers the first MAX_EXPLAINED_WORDS of them

    @property
    def is_partial(self) -> bool:
        """True when only the start of the review was explained."""
        return self.total_words > len(self.words)


def _linear_parts(model: Any) -> tuple[Any, Any] | None:
    """(feature transformer, linear classifier) of a Pipeline ending in a linear model, else None."""
    steps = getattr(model, "steps", None)
    if not steps:
        return None
    classifier = steps[-1][1]
    if not (hasattr(classifier, "coef_") and hasattr(classifier, "intercept_")):
        return None
    transformer = model[:-1]
    if not hasattr(transformer, "get_feature_names_out"):
        return None
    return transformer, classifier


def feature_contributions(model: Any, text: str, label: str) -> tuple[pd.Series, float]:
    """Exact per-feature contributions to the margin of ``label`` over the other classes, and the intercept margin."""
    parts = _linear_parts(model)
    if parts is None:
        raise ValueError("feature contributions need a pipeline ending in a linear classifier")
    transformer, classifier = parts
    # ColumnTransformer returns a dense array when the features are dense enough.
    x = sparse.csr_matrix(transformer.transform(pd.DataFrame({contract.TEXT: [text]})))
    classes = [str(c) for c in classifier.classes_]
    coef = classifier.coef_
    if coef.shape[0] == 1:  # binary: one row scores the second class
        sign = 1.0 if classes.index(label) == 1 else -1.0
        weights, intercept = sign * coef[0], sign * float(np.atleast_1d(classifier.intercept_)[0])
    else:
        row = classes.index(label)
        others = [i for i in range(coef.shape[0]) if i != row]
        weights = coef[row] - coef[others].mean(axis=0)
        intercepts = np.asarray(classifier.intercept_, dtype=float)
        intercept = float(intercepts[row] - intercepts[others].mean())
    names = transformer.get_feature_names_out()
    values = np.asarray(weights)[x.indices] * x.data
    return pd.Series(values, index=names[x.indices]), intercept


def _word_feature(name: str) -> str | None:
    """The word n-gram of a feature name like 'words__not good', or None for other features."""
    prefix, _, term = name.rpartition("__")
    if "char" in prefix:
        return None
    return term


def _exact(model: Any, text: str, predicted: str) -> Explanation:
    contributions, intercept = feature_contributions(model, text, predicted)
    tokens = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]
    lowered = [t[2].lower() for t in tokens]
    per_token = np.zeros(len(tokens))
    other = 0.0
    starts: dict[tuple[str, ...], list[int]] = {}  # where each n-gram of the text starts, for every n met
    indexed: set[int] = set()
    for name, value in contributions.items():
        term = _word_feature(str(name))
        if term is None:
            other += value
            continue
        gram = tuple(term.split(" "))
        if len(gram) not in indexed:
            indexed.add(len(gram))
            for i in range(len(lowered) - len(gram) + 1):
                starts.setdefault(tuple(lowered[i : i + len(gram)]), []).append(i)
        hits = starts.get(gram, [])
        if not hits:
            other += value
            continue
        share = value / (len(hits) * len(gram))
        for i in hits:
            per_token[i : i + len(gram)] += share
    words = pd.DataFrame(
        {
            "start": [t[0] for t in tokens],
            "end": [t[1] for t in tokens],
            "word": [t[2] for t in tokens],
            "contribution": per_token,
        }
    )
    return Explanation(predicted, "exact", words, float(other), intercept)


def _leave_one_out(predict_proba: Callable[[pd.DataFrame], np.ndarray], classes: list[str], text: str, predicted: str) -> Explanation:
    tokens = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]
    distinct = list(dict.fromkeys(t[2].lower() for t in tokens))[:MAX_WORDS]
    variants = [text] + [re.sub(rf"(?i)\b{re.escape(w)}\b", " ", text) for w in distinct]
    proba = np.asarray(predict_proba(pd.DataFrame({contract.TEXT: variants})), dtype=float)
    column = classes.index(predicted)
    drop = dict(zip(distinct, proba[0, column] - proba[1:, column], strict=True))
    words = pd.DataFrame(
        {
            "start": [t[0] for t in tokens],
            "end": [t[1] for t in tokens],
            "word": [t[2] for t in tokens],
            "contribution": [drop.get(t[2].lower(), 0.0) for t in tokens],
        }
    )
    return Explanation(predicted, "leave-one-word-out", words, 0.0, 0.0)


def explain(model: Any, text: str, predicted: str) -> Explanation:
    """Why ``model`` predicted ``predicted`` for the first ``MAX_EXPLAINED_WORDS`` words of ``text``.

    Exact for linear models, else leave-one-word-out; the contributions are those of that
    start of the review (the whole review when it is short enough).
    """
    ends = [m.end() for m in TOKEN.finditer(text)]
    start = text[: ends[MAX_EXPLAINED_WORDS - 1]] if len(ends) > MAX_EXPLAINED_WORDS else text
    if _linear_parts(model) is not None:
        why = _exact(model, start, predicted)
    elif hasattr(model, "predict_proba"):
        classes = [str(c) for c in model.classes_]
        why = _leave_one_out(model.predict_proba, classes, start, predicted)
    else:
        raise ValueError("the model gives neither coefficients nor probabilities, so its decisions cannot be explained")
    return replace(why, total_words=len(ends))


def coverage_sentence(why: Explanation) -> str | None:
    """A plain sentence when only the start of a long review was explained, else None."""
    if not why.is_partial:
        return None
    return (
        f"Only the first {len(why.words):,} of its {why.total_words:,} words are explained, to keep the page quick; "
        "the rest of the review is shown without shading."
    )


def highlighted_html(text: str, words: pd.DataFrame, *, strongest: float | None = None) -> str:
    """The review as escaped HTML with words shaded blue (towards the answer) or orange (against)."""
    scale = strongest or float(words["contribution"].abs().max() or 1.0)
    pieces, cursor = [], 0
    for row in words.sort_values("start").itertuples():
        pieces.append(html.escape(text[cursor : row.start]))
        weight = min(abs(row.contribution) / scale, 1.0) if scale else 0.0
        word = html.escape(text[row.start : row.end])
        if weight < MIN_SHADED_WEIGHT:
            pieces.append(word)
        else:
            colour = "37, 99, 235" if row.contribution > 0 else "234, 88, 12"
            title = f"{row.contribution:+.3f}"
            pieces.append(
                f'<span style="background: rgba({colour}, {0.15 + 0.6 * weight:.2f}); border-radius: 3px; padding: 0 2px" title="{title}">{word}</span>'
            )
        cursor = row.end
    pieces.append(html.escape(text[cursor:]))
    return "".join(pieces)


def top_words(words: pd.DataFrame, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The words that pushed most towards and most against the answer (summed over occurrences)."""
    totals = (
        words.assign(key=words["word"].str.lower())
        .groupby("key", as_index=False)
        .agg(word=("word", "first"), contribution=("contribution", "sum"))
    )
    towards = totals[totals["contribution"] > 0].nlargest(n, "contribution")
    against = totals[totals["contribution"] < 0].nsmallest(n, "contribution")
    return towards.reset_index(drop=True), against.reset_index(drop=True)
