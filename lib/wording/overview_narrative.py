"""The Overview's sentences: the headline, where mistakes go, the human ceiling."""

from __future__ import annotations

from lib.quality.metrics import Estimate, QualityReport
from lib.wording.counts import agreeing, all_counted, counted, reviews, sentence_start
from lib.wording.numbers import count, interval, percent


def headline(report: QualityReport) -> list[str]:
    """One or two sentences saying how good the model is and where it is weakest."""
    accuracy = report.estimate("accuracy")
    if report.n == 0:
        return ["This run has no reviews with both a true and a predicted sentiment, so its quality cannot be measured."]
    sentences = [f"The model labels {percent(accuracy.value)} of reviews correctly ({interval(accuracy)}, based on {reviews(accuracy.n)})."]
    recalls = {label: report.estimate(f"recall:{label}") for label in report.labels}
    measured = {label: est for label, est in recalls.items() if est.is_defined}
    if len(measured) >= 2:
        weakest = min(measured, key=lambda label: measured[label].value)
        est = measured[weakest]
        sentences.append(
            f"It is weakest on {weakest} reviews: it finds only {percent(est.value)} of them "
            f"({interval(est)}, based on {reviews(est.n)} that {agreeing(est.n, 'is')} truly {weakest})."
        )
    return sentences


def confusion_sentences(report: QualityReport) -> list[str]:
    """Per true sentiment, where its mistakes go: 'Of 812 truly negative reviews, 97 were called neutral…'."""
    cm = report.overall_confusion
    sentences = []
    for i, label in enumerate(report.labels):
        total = int(cm[i].sum())
        if total == 0:
            sentences.append(f"There are no truly {label} reviews in this run.")
            continue
        wrong = [(int(cm[i, j]), other) for j, other in enumerate(report.labels) if j != i and cm[i, j] > 0]
        if not wrong:
            sentences.append(f"{sentence_start(all_counted(total, f'truly {label} review'))} {agreeing(total, 'was')} labelled {label}.")
            continue
        wrong.sort(reverse=True)
        parts = [f"{count(n)} {agreeing(n, 'was')} called {other}" for n, other in wrong]
        sentences.append(
            f"Of {counted(total, f'truly {label} review')}, {' and '.join(parts)} ({percent(int(cm[i, i]) / total)} labelled right)."
        )
    return sentences


def ceiling_sentence(model: Estimate, human: Estimate, where: str = "these reviews") -> str:
    """Model accuracy next to single-rater agreement with the crowd."""
    return (
        f"On {where} the model is right {percent(model.value)} of the time; a single human rater agrees with the crowd "
        f"{percent(human.value)} of the time ({interval(human)}, based on {reviews(human.n)})."
    )


CEILING_EXPLANATION = (
    "Human ceiling: each person's rating is compared with the label given by the average of the *other* raters of the same "
    "review (leaving the person out, so they cannot agree with themselves). It shows how much even people disagree: a model "
    "close to it is about as good as a single careful person."
)
