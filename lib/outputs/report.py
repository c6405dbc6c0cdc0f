"""The client report: one self-contained HTML file summing up a run (and its comparison).

The file holds everything it shows: styles inline, charts as inline SVG drawn by
``vl_convert`` from the app's own Altair charts, no script, no font, image or stylesheet
fetched from anywhere, so it opens offline in any browser and prints cleanly to PDF.
Every text that comes from data (experiment and run names, review texts, categories) is
HTML-escaped; the SVG text is escaped by vl_convert's XML writer.

Build it in two steps: :func:`report_content` gathers the sentences and figures (plain
dataclasses, easy to test), :func:`report_html` lays them out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from xml.etree import ElementTree

import altair as alt
import pandas as pd

from lib.outputs import charts
from lib.quality.comparison import Comparison
from lib.quality.metrics import MIN_REVIEWS_TO_JUDGE, QualityReport
from lib.quality.review_queue import CONFIDENCE, REVIEW_KEY
from lib.quality.slices import category_standing, shown_categories
from lib.stores import contract
from lib.stores.annotations import ANNOTATION_VERDICTS
from lib.wording import (
    categories_narrative,
    compare_narrative,
    counts,
    metric_names,
    numbers,
    overview_narrative,
    report_narrative,
)

MAX_EXAMPLES = 12
CATEGORY_METRIC = "accuracy"
CHART_WIDTH = 560
# Namespace declarations are URLs, though never fetched; inline SVG in HTML does not need them.
_SVG_NAMESPACES = re.compile(r'\s+xmlns(?::[a-z]+)?="[^"]*"')
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_SVG_ELEMENTS = {
    "svg",
    "g",
    "path",
    "rect",
    "line",
    "text",
    "tspan",
    "circle",
    "ellipse",
    "polygon",
    "polyline",
    "title",
    "desc",
    "defs",
    "clipPath",
    "linearGradient",
    "radialGradient",
    "stop",
}


class UnsafeChartError(ValueError):
    """vl_convert produced SVG with a script or an external reference (never expected)."""


@dataclass(frozen=True)
class Kpi:
    """One key figure: value, change against the baseline, interval, basis and its meaning."""

    title: str
    value: str
    change: str | None
    interval: str
    basis: str
    explanation: str


@dataclass(frozen=True)
class Example:
    """One misclassified review picked for the report."""

    text: str
    truly: str
    model_said: str
    confidence: float | None
    category: str | None
    annotation: str | None


@dataclass(frozen=True)
class ComparisonPart:
    """The comparison with the baseline: how it was measured, the verdict and the changes."""

    intro: str
    verdict: str
    rows: tuple[tuple[str, str, str], ...]  # measure, change, verdict
    fixed_broken: str | None


@dataclass(frozen=True)
class ReportContent:
    """Everything the report says, ready to lay out."""

    title: str
    subtitle: str
    headline: tuple[str, ...]
    kpis: tuple[Kpi, ...]
    confusion_svg: str
    confusion_sentences: tuple[str, ...]
    category_svg: str | None
    category_sentences: tuple[str, ...]
    comparison: ComparisonPart | None
    examples_intro: str
    examples: tuple[Example, ...]
    glossary: tuple[tuple[str, str], ...]


# ---- charts -------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _svg_of_spec(spec_json: str) -> str:
    import vl_convert

    # allowed_base_urls=[]: the spec's data is inline; nothing may be fetched while drawing.
    return vl_convert.vegalite_to_svg(spec_json, allowed_base_urls=[])


def _check_svg(svg: str) -> None:
    """Allow only drawing elements, no link or event attribute, and url() only to the SVG's own ids."""
    for element in ElementTree.fromstring(svg).iter():
        tag = element.tag.rpartition("}")[2]
        if tag not in _SVG_ELEMENTS:
            raise UnsafeChartError(f"the chart's SVG holds a <{tag}> element")
        for name, value in element.attrib.items():
            local = name.rpartition("}")[2].lower()
            if local.startswith("on") or local == "href" or ("url(" in value and not value.startswith("url(#")):
                raise UnsafeChartError(f"the chart's SVG holds a {local} attribute")


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as SVG ready to inline in HTML: drawing elements only, no namespace URLs, nothing fetched."""
    svg = _svg_of_spec(chart.to_json())
    _check_svg(svg)
    return _SVG_NAMESPACES.sub("", svg)


# ---- content ------------------------------------------------------------------------------


def kpis(report: QualityReport, baseline: QualityReport | None) -> tuple[Kpi, ...]:
    """The Overview's cards: correct labels, balanced score, and how many of each sentiment are found."""
    result = []
    for card in metric_names.kpi_cards(report.labels):
        estimate = report.estimate(card.metric)
        before = baseline.estimate(card.metric) if baseline is not None else None
        result.append(
            Kpi(
                card.title,
                numbers.percent(estimate.value),
                numbers.change_against(estimate, before),
                numbers.interval(estimate),
                f"based on {counts.reviews(estimate.n)}",
                card.explanation,
            )
        )
    return tuple(result)


def category_part(category_report: QualityReport | None, metric: str = CATEGORY_METRIC) -> tuple[str | None, tuple[str, ...]]:
    """The per-category chart (SVG) and a few sentences on the weakest categories."""
    if category_report is None or not category_report.groups:
        return None, ()
    standing = category_standing(category_report, metric)
    overall = category_report.estimate(metric)
    chart = charts.category_chart(shown_categories(standing, show_all=False), metric_names.metric_label(metric), overall.value)
    sentences = [
        categories_narrative.category_callout(name, category_report.estimate(metric, name), overall, metric, MIN_REVIEWS_TO_JUDGE)
        for name in standing["slice"].head(3)
    ]
    return chart_svg(chart.properties(width=CHART_WIDTH)), tuple(sentences)


def comparison_part(result: Comparison, baseline_name: str) -> ComparisonPart:
    """The verdict on accuracy and the change of each compared figure, in words."""
    rows = tuple((row["Measure"], row["Change"], row["Verdict"]) for row in compare_narrative.measure_changes(result))
    verdict = compare_narrative.accuracy_verdict(result)
    fixed_broken = compare_narrative.fixed_broken_sentence(result.fixed, result.broken, result.mcnemar_p) if result.paired else None
    return ComparisonPart(report_narrative.comparison_intro(baseline_name, result.paired), verdict, rows, fixed_broken)


def annotation_summaries(current: pd.DataFrame) -> dict[str, str]:
    """review_key -> what annotators said of it ('The model is wrong (2 annotators), corrected to neutral')."""
    if current is None or current.empty:
        return {}
    summaries = {}
    for key, rows in current.groupby("review_key"):
        verdict = rows["verdict"].mode().iloc[0]
        words = f"{ANNOTATION_VERDICTS.get(verdict, verdict)} ({counts.counted(len(rows), 'annotator')})"
        labels = rows["corrected_label"].dropna()
        if len(labels):
            words += f", corrected to {labels.mode().iloc[0]}"
        summaries[str(key)] = words
    return summaries


def examples_from(mistakes: pd.DataFrame, review_ids: Sequence[str], annotations: Mapping[str, str] | None = None) -> tuple[Example, ...]:
    """The picked misclassified reviews, in the order picked (at most MAX_EXAMPLES)."""
    by_id = mistakes.assign(_id=mistakes[contract.REVIEW_ID].astype(str)).drop_duplicates("_id").set_index("_id")
    examples = []
    for review_id in list(dict.fromkeys(str(r) for r in review_ids))[:MAX_EXAMPLES]:
        if review_id not in by_id.index:
            continue
        row = by_id.loc[review_id]
        confidence = row.get(CONFIDENCE)
        category = row.get(contract.CATEGORY)
        examples.append(
            Example(
                text=str(row[contract.TEXT]),
                truly=str(row[contract.TRUE_LABEL]),
                model_said=str(row[contract.PREDICTED_LABEL]),
                confidence=float(confidence) if confidence is not None and pd.notna(confidence) else None,
                category=str(category) if category is not None and pd.notna(category) else None,
                annotation=(annotations or {}).get(str(row.get(REVIEW_KEY, ""))),
            )
        )
    return tuple(examples)


def report_content(
    *,
    experiment_name: str,
    run_name: str,
    model_description: str,
    generated: str,
    report: QualityReport,
    baseline_report: QualityReport | None = None,
    category_report: QualityReport | None = None,
    comparison: ComparisonPart | None = None,
    examples: Sequence[Example] = (),
) -> ReportContent:
    """Gather the report's sentences, figures and charts for one run."""
    category_svg, category_sentences = category_part(category_report)
    return ReportContent(
        title="How good is the sentiment model?",
        subtitle=report_narrative.report_subtitle(experiment_name, run_name, model_description, generated),
        headline=tuple(overview_narrative.headline(report)),
        kpis=kpis(report, baseline_report),
        confusion_svg=chart_svg(charts.confusion_chart(report).properties(width=360)),
        confusion_sentences=tuple(overview_narrative.confusion_sentences(report)),
        category_svg=category_svg,
        category_sentences=category_sentences,
        comparison=comparison,
        examples_intro=report_narrative.examples_intro(len(examples)),
        examples=tuple(examples),
        glossary=metric_names.glossary(),
    )


# ---- layout -------------------------------------------------------------------------------


def _text(value: str) -> str:
    """Escaped text, with the narrative's **bold** kept as <strong>."""
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(value, quote=True))


def _kpi_html(kpi: Kpi) -> str:
    direction = "worse" if kpi.change and kpi.change.startswith("-") else "better"
    change = f'<div class="change {direction}">{_text(kpi.change)}</div>' if kpi.change else ""
    return (
        f'<div class="card"><div class="card-title">{_text(kpi.title)}</div><div class="value">{_text(kpi.value)}</div>{change}'
        f'<div class="basis">{_text(kpi.interval)} · {_text(kpi.basis)}</div><div class="explain">{_text(kpi.explanation)}</div></div>'
    )


def _example_html(example: Example) -> str:
    facts = [f"Truly <strong>{_text(example.truly)}</strong>", f"the model said <strong>{_text(example.model_said)}</strong>"]
    if example.confidence is not None:
        facts.append(f"{_text(numbers.percent(example.confidence))} sure")
    if example.category:
        facts.append(f"category: {_text(example.category)}")
    annotation = f'<div class="annotation">Annotators: {_text(example.annotation)}</div>' if example.annotation else ""
    return (
        f'<li class="example"><blockquote>{_text(example.text)}</blockquote><div class="facts">{" · ".join(facts)}</div>{annotation}</li>'
    )


def _list(sentences: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{_text(s)}</li>" for s in sentences) + "</ul>" if sentences else ""


def report_html(content: ReportContent) -> str:
    """The report as one HTML document: inline CSS and SVG, no script, nothing fetched."""
    sections = [
        '<section class="headline">' + "".join(f"<p>{_text(s)}</p>" for s in content.headline) + "</section>",
        '<section><h2>Key figures</h2><div class="cards">' + "".join(_kpi_html(k) for k in content.kpis) + "</div></section>",
        '<section class="keep"><h2>Where the mistakes go</h2><div class="split">'
        f'<figure role="img" aria-label="Chart of true against predicted sentiment">{content.confusion_svg}</figure>'
        f'<div>{_list(content.confusion_sentences)}<p class="note">Each row of the chart is one true sentiment; '
        "the dark squares on the diagonal are the right answers.</p></div></div></section>",
    ]
    if content.category_svg:
        sections.append(
            f'<section class="keep"><h2>Per category: {_text(metric_names.metric_in_sentence(CATEGORY_METRIC))}</h2>'
            f"{_list(content.category_sentences)}"
            f'<figure role="img" aria-label="Chart of the figure per category">{content.category_svg}</figure>'
            '<p class="note">Bars: the figure per category; black whiskers: its 95% interval; dashed line: all reviews together. '
            "Grey bars rest on too few reviews to judge.</p></section>"
        )
    if content.comparison is not None:
        part = content.comparison
        rows = "".join(f"<tr><td>{_text(m)}</td><td>{_text(c)}</td><td>{_text(v)}</td></tr>" for m, c, v in part.rows)
        sections.append(
            f'<section class="keep"><h2>Is it better than the baseline?</h2><p>{_text(part.intro)}</p>'
            f'<p class="verdict">{_text(part.verdict)}</p>'
            f"<table><thead><tr><th>Measure</th><th>Change</th><th>Verdict</th></tr></thead><tbody>{rows}</tbody></table>"
            + (f"<p>{_text(part.fixed_broken)}</p>" if part.fixed_broken else "")
            + "</section>"
        )
    if content.examples:
        sections.append(
            f"<section><h2>Examples of mistakes</h2><p>{_text(content.examples_intro)}</p>"
            f'<ol class="examples">{"".join(_example_html(e) for e in content.examples)}</ol></section>'
        )
    glossary = "".join(f"<dt>{_text(name)}</dt><dd>{_text(text)}</dd>" for name, text in content.glossary)
    sections.append(f'<section class="keep"><h2>What the figures mean</h2><dl>{glossary}</dl></section>')
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(content.title)} · {_text(content.subtitle)}</title><style>{_CSS}</style></head><body><main>"
        f'<header><p class="kicker">Sentiment Review · client report</p><h1>{_text(content.title)}</h1>'
        f'<p class="subtitle">{_text(content.subtitle)}</p></header>' + "".join(sections) + "</main></body></html>\n"
    )


def report_file_name(experiment_name: str, run_name: str) -> str:
    """A file name safe on every system: 'Sentiment report - <experiment> - <run>.html'."""
    cleaned = re.sub(r"\s+", " ", re.sub(r"[^\w\- ]+", " ", f"{experiment_name} - {run_name}")).strip()
    return f"Sentiment report - {cleaned[:120]}.html"


_CSS = """
:root { --ink: #0f172a; --muted: #475569; --line: #e2e8f0; --panel: #f8fafc; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; font-size: 16px; line-height: 1.55; }
main { max-width: 980px; margin: 0 auto; padding: 40px 32px 56px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 16px; margin-bottom: 28px; }
.kicker { margin: 0; color: var(--accent); font-weight: 600; letter-spacing: .04em; text-transform: uppercase; font-size: 13px; }
h1 { font-size: 30px; line-height: 1.2; margin: 6px 0 8px; }
h2 { font-size: 21px; margin: 0 0 12px; }
.subtitle { margin: 0; color: var(--muted); font-size: 14px; }
section { margin: 0 0 34px; }
.headline p { font-size: 20px; font-weight: 600; margin: 0 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(165px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 10px; padding: 14px; background: var(--panel); }
.card-title { font-size: 14px; color: var(--muted); font-weight: 600; }
.value { font-size: 34px; font-weight: 700; line-height: 1.2; margin: 4px 0; }
.change { font-size: 14px; font-weight: 600; }
.better { color: #15803d; }
.worse { color: #c2410c; }
.basis { font-size: 12.5px; color: var(--muted); margin-top: 4px; }
.explain { font-size: 12.5px; color: #334155; margin-top: 8px; border-top: 1px solid var(--line); padding-top: 8px; }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 24px; align-items: start; }
figure { margin: 0; }
figure svg { max-width: 100%; height: auto; }
.note { color: var(--muted); font-size: 13.5px; }
.verdict { font-size: 18px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 14.5px; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
.examples { padding-left: 22px; }
.example { margin-bottom: 16px; }
blockquote { margin: 0 0 4px; padding: 8px 14px; border-left: 4px solid var(--accent); background: var(--panel); font-size: 16.5px; }
.facts, .annotation { font-size: 14px; color: var(--muted); }
dt { font-weight: 700; margin-top: 8px; }
dd { margin: 2px 0 0; }
@media (max-width: 720px) { .split { grid-template-columns: 1fr; } main { padding: 24px 16px; } }
@media print {
  @page { size: A4; margin: 16mm 14mm; }
  body { font-size: 11.5pt; }
  main { max-width: none; padding: 0; }
  .headline p { font-size: 14pt; }
  .value { font-size: 22pt; }
  .card, blockquote, th { background: none; }
  .cards { grid-template-columns: repeat(3, 1fr); }
  .keep, .card, .example, tr, figure { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
}
"""
