"""How much annotators agree: percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha.

Chance-corrected agreement is 1 for perfect agreement, 0 for what chance alone gives and
negative below chance. Which statistic applies depends on who rated what:

* exactly two annotators: Cohen's kappa over the reviews both rated;
* three or more, every compared review rated by the same number of them: Fleiss' kappa;
* anything else (varying numbers of ratings per review): Krippendorff's alpha for nominal
  data, which allows missing ratings.

Each returns NaN when it is undefined (no variation at all: every rating the same category).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

COHEN = "Cohen's kappa"
FLEISS = "Fleiss' kappa"
KRIPPENDORFF = "Krippendorff's alpha"


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa of two raters' labels for the same items (same order).

    >>> round(cohen_kappa(["x", "x", "y", "y"], ["x", "y", "y", "y"]), 3)
    0.5
    """
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"cohen_kappa needs two equally long, non-empty lists of labels, got {a.shape} and {b.shape}")
    categories, codes = np.unique(np.concatenate([a, b]).astype(str), return_inverse=True)
    k, n = len(categories), a.size
    confusion = np.zeros((k, k))
    np.add.at(confusion, (codes[:n], codes[n:]), 1)
    observed = np.trace(confusion) / n
    expected = float(confusion.sum(axis=1) @ confusion.sum(axis=0)) / n**2
    return _chance_corrected(observed, expected)


def fleiss_kappa(table: np.ndarray | Sequence[Sequence[int]]) -> float:
    """Fleiss' kappa from a subjects × categories table of how many raters chose each category.

    Every subject must have the same number of ratings (at least two); the raters need not
    be the same people.
    """
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape[0] == 0 or (counts < 0).any():
        raise ValueError("fleiss_kappa needs a non-empty subjects × categories table of non-negative counts")
    per_subject = counts.sum(axis=1)
    n = per_subject[0]
    if n < 2 or not np.all(per_subject == n):
        raise ValueError(f"fleiss_kappa needs the same number (≥ 2) of ratings for every subject, got {sorted(set(per_subject))}")
    agreement = ((counts**2).sum(axis=1) - n) / (n * (n - 1))
    shares = counts.sum(axis=0) / counts.sum()
    return _chance_corrected(agreement.mean(), float(shares @ shares))


def krippendorff_alpha_nominal(reliability_data: np.ndarray | Sequence[Sequence]) -> float:
    """Krippendorff's alpha for nominal values from a raters × units matrix; None/NaN = not rated.

    Units rated fewer than twice carry no information about agreement and are left out.
    """
    data = pd.DataFrame(reliability_data)
    if data.ndim != 2 or data.empty:
        raise ValueError("krippendorff_alpha_nominal needs a non-empty raters × units matrix")
    long = data.melt(var_name="unit", value_name="value").dropna()
    return alpha_from_counts(pd.crosstab(long["unit"], long["value"].astype(str)).to_numpy())


def alpha_from_counts(counts: np.ndarray) -> float:
    """Krippendorff's alpha (nominal) from a units × values table of how many raters chose each value."""
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2:
        raise ValueError("alpha_from_counts needs a units × values table")
    per_unit = counts.sum(axis=1)
    counts = counts[per_unit >= 2]
    per_unit = per_unit[per_unit >= 2]
    if counts.size == 0:
        return float("nan")
    # Coincidence matrix: every ordered pair of ratings within a unit, weighted 1/(m_u - 1).
    weighted = counts / (per_unit - 1)[:, None]
    coincidences = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    by_value = coincidences.sum(axis=1)
    total = by_value.sum()
    disagreeing = coincidences.sum() - np.trace(coincidences)
    expected_disagreeing = total**2 - (by_value**2).sum()
    if expected_disagreeing == 0:
        return float("nan")
    return float(1 - (total - 1) * disagreeing / expected_disagreeing)


def _chance_corrected(observed: float, expected: float) -> float:
    if np.isclose(expected, 1.0):
        return float("nan")
    return float((observed - expected) / (1 - expected))


@dataclass(frozen=True)
class AgreementSummary:
    """Agreement among annotators over the reviews that two or more of them annotated."""

    reviews_with_two_or_more: int
    annotators: int  # people with at least one verdict on such a review
    pairwise_agreement: float  # share of pairs of annotators on the same review that agree (0..1; NaN: no pairs)
    kappa: float  # chance-corrected agreement, NaN when undefined or nothing to compare
    kappa_method: str  # COHEN, FLEISS or KRIPPENDORFF ("" when nothing to compare)
    # One row per review whose annotators differ in verdict or corrected label: review_key,
    # dataset, review_id, annotators (count), verdicts and corrected_labels ("name: value; …"),
    # last_changed. Most recently changed first.
    disagreements: pd.DataFrame


def annotator_agreement(current: pd.DataFrame, *, on: Literal["verdict", "corrected_label"] = "verdict") -> AgreementSummary:
    """Agreement from each annotator's current annotation (``AnnotationStore.current()``).

    ``on`` picks what is compared for the statistics: the verdict (default) or the corrected
    label (annotators who gave none do not count for that review). Disagreements list
    reviews that differ in either.
    """
    if on not in ("verdict", "corrected_label"):
        raise ValueError(f"on must be 'verdict' or 'corrected_label', got {on!r}")
    ratings = current.dropna(subset=[on])
    ratings = ratings[ratings.groupby("review_key")["annotator"].transform("nunique") >= 2]
    disagreements = _disagreements(current)
    if ratings.empty:
        return AgreementSummary(0, 0, float("nan"), float("nan"), "", disagreements)

    counts = pd.crosstab(ratings["review_key"], ratings[on].astype(str)).to_numpy()
    per_review = counts.sum(axis=1)
    pairwise = float((counts * (counts - 1)).sum() / (per_review * (per_review - 1)).sum())
    people = ratings["annotator"].nunique()
    if people == 2:
        both = ratings.pivot(index="review_key", columns="annotator", values=on)
        kappa, method = cohen_kappa(both.iloc[:, 0], both.iloc[:, 1]), COHEN
    elif np.all(per_review == per_review[0]):
        kappa, method = fleiss_kappa(counts), FLEISS
    else:
        kappa, method = alpha_from_counts(counts), KRIPPENDORFF
    return AgreementSummary(len(counts), people, pairwise, kappa, method, disagreements)


def disagreeing_reviews(current: pd.DataFrame) -> frozenset[str]:
    """Keys of the reviews whose annotators (two or more) differ in verdict or corrected label.

    A blank corrected label is a value of its own: "the label is wrong, it is neutral" and
    "the label is wrong" without a label differ. ``current`` is ``AnnotationStore.current()``.
    """
    if current.empty:
        return frozenset()
    grouped = current.groupby("review_key")
    differ = (grouped["annotator"].transform("nunique") >= 2) & (
        (grouped["verdict"].transform("nunique") > 1) | (grouped["corrected_label"].transform(lambda s: s.nunique(dropna=False)) > 1)
    )
    return frozenset(current.loc[differ, "review_key"])


def _disagreements(current: pd.DataFrame) -> pd.DataFrame:
    columns = ["review_key", "dataset", "review_id", "annotators", "verdicts", "corrected_labels", "last_changed"]
    rows = current.sort_values(["review_key", "annotator"])
    rows = rows[rows["review_key"].isin(disagreeing_reviews(rows))]
    if rows.empty:
        return pd.DataFrame({name: pd.Series(dtype="datetime64[us, UTC]" if name == "last_changed" else "object") for name in columns})
    rows = rows.assign(
        verdicts=rows["annotator"] + ": " + rows["verdict"].astype(str),
        corrected_labels=rows["annotator"] + ": " + rows["corrected_label"].fillna("—").astype(str),
    )
    table = (
        rows.groupby("review_key")
        .agg(
            dataset=("dataset", "last"),
            review_id=("review_id", "last"),
            annotators=("annotator", "nunique"),
            verdicts=("verdicts", "; ".join),
            corrected_labels=("corrected_labels", "; ".join),
            last_changed=("created_at", "max"),
        )
        .reset_index()
    )
    return table.sort_values("last_changed", ascending=False, kind="stable").reset_index(drop=True)[columns]
