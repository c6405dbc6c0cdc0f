"""Every metric in words: names, one-line explanations, logged names of runs made by other code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lib.wording.numbers import count, percent

METRIC_NAMES = {
    "accuracy": "Labelled correctly",
    "macro_f1": "Balanced score (macro F1)",
    "weighted_f1": "Score weighted by class size (weighted F1)",
}
METRIC_EXPLANATIONS = {
    "accuracy": "Out of every 100 reviews, how many get the right sentiment.",
    "macro_f1": "One score from 0 to 100% that treats negative, neutral and positive as equally important, "
    "so a model cannot look good by ignoring a rare class.",
    "weighted_f1": "Like the balanced score, but common classes count more.",
    "recall": "Of the reviews that truly have this sentiment, how many the model finds.",
    "precision": "When the model says this sentiment, how often it is right.",
    "f1": "Finding them and being right about them, in one number (harmonic mean of precision and recall).",
    "interval": "The range the true figure very likely lies in (95% interval): the fewer reviews, the wider it is.",
}
# Logged metric names of runs made by other code, in words.
LOGGED_METRIC_NAMES = {
    "accuracy_score": "Labelled correctly",
    "f1_score": "Score weighted by class size (weighted F1)",
    "macro_f1_score": "Balanced score (macro F1)",
    "precision_score": "Right when it commits (weighted precision)",
    "recall_score": "Finds each sentiment (weighted recall)",
    "example_count": "Reviews evaluated",
    "log_loss": "Confidence penalty (log loss, lower is better)",
    "roc_auc": "Ranking quality (ROC AUC, 50% = guessing)",
    "score": "Model's own score",
}


def logged_metric_rows(metrics: Mapping[str, float]) -> list[dict[str, str]]:
    """Logged headline metrics of a run, named in words, for a run without predictions."""
    rows = []
    for name, value in sorted(metrics.items()):
        if name.startswith(("class.", "category.")):
            continue
        shown = count(value) if name == "example_count" else (percent(value, 1) if 0 <= value <= 1 else f"{value:.3g}")
        rows.append({"Measure": LOGGED_METRIC_NAMES.get(name, name), "Value": shown, "Logged as": name})
    return rows


def metric_label(metric: str) -> str:
    """A metric key ('recall:neutral', 'macro_f1', …) in words."""
    if metric in METRIC_NAMES:
        return METRIC_NAMES[metric]
    kind, _, label = metric.partition(":")
    return {
        "recall": f"Finds {label} reviews (recall)",
        "precision": f"Right when it says {label} (precision)",
        "f1": f"{label.capitalize()} score (F1)",
        "support": f"Truly {label} reviews",
    }.get(kind, metric)


def metric_in_sentence(metric: str) -> str:
    """The metric's words for use inside a sentence ('balanced score (macro F1)')."""
    label = metric_label(metric)
    return label[0].lower() + label[1:]


def metric_explanation(metric: str) -> str:
    """One line explaining a metric key in plain words."""
    return METRIC_EXPLANATIONS.get(metric) or METRIC_EXPLANATIONS.get(metric.partition(":")[0], "")


@dataclass(frozen=True)
class KpiCard:
    """One key figure as the Overview and the client report show it: which metric, its title, its one-line meaning."""

    metric: str
    title: str
    explanation: str


def kpi_cards(labels: tuple[str, ...]) -> tuple[KpiCard, ...]:
    """The key figures of a run, in order: right labels, balanced score, and how many of each sentiment are found.

    Titles are short enough for five cards side by side; the explanation says the rest.
    """
    return (
        KpiCard("accuracy", METRIC_NAMES["accuracy"], METRIC_EXPLANATIONS["accuracy"]),
        KpiCard("macro_f1", "Balanced score", METRIC_EXPLANATIONS["macro_f1"]),
        *(KpiCard(f"recall:{label}", f"Finds {label}", METRIC_EXPLANATIONS["recall"]) for label in labels),
    )


def glossary() -> tuple[tuple[str, str], ...]:
    """(term, meaning) of every figure the Overview and the report show, for their "what these numbers mean" part."""
    return tuple(
        (METRIC_NAMES.get(key, key.capitalize()), METRIC_EXPLANATIONS[key])
        for key in ("accuracy", "macro_f1", "recall", "precision", "interval")
    )
