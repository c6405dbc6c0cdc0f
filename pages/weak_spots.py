"""Weak spots: groups of reviews, read from the texts, where the model is clearly weaker, each linked to its mistakes."""

import pandas as pd
import streamlit as st

from lib.outputs import charts
from lib.quality.weak_spots import CONFIDENCE_TRAITS
from lib.stores import contract
from lib.wording import weak_spots as wording
from lib.wording.counts import reviews
from lib.wording.markdown import escape_markdown
from lib.wording.numbers import percent
from ui import data, sidebar
from ui.components import loaded_or_stop, stop_unless_finished
from ui.weak_spots import can_open_mistakes, group_label, weak_spot_list

FIRST_SHOWN = 8

selection = sidebar.selected_or_stop()
run = selection.run
st.title("Weak spots found automatically")
st.caption(escape_markdown(run.name))

stop_unless_finished(run)
search = loaded_or_stop(lambda: data.weak_spots(run))
if search is None:
    frame = loaded_or_stop(lambda: data.predictions(run))
    st.info(wording.no_search_reason(frame is not None, frame is not None and contract.TEXT in frame))
    st.stop()

found = search.weak_spots()
st.markdown(f"##### {wording.headline(len(found), search.tried, search.reviews)}")
st.caption(wording.EXPLANATION)
st.caption(wording.false_discovery_note(search.tried))

# What the texts say comes first; the model's own hesitation is expected to cost accuracy and is shown apart.
about_confidence = found["trait"].isin(CONFIDENCE_TRAITS)
in_texts, in_confidence = found[~about_confidence], found[about_confidence]
if len(in_texts):
    st.subheader(wording.TEXT_SECTION, divider="gray")
    shown = in_texts.head(FIRST_SHOWN)
    if len(in_texts) > FIRST_SHOWN and st.toggle(wording.show_all(len(in_texts)), key="weak_spots_all"):
        shown = in_texts
    chart_labels = [wording.short_label(row.trait, row.category) for row in shown.itertuples()]
    st.altair_chart(charts.weak_spot_chart(shown.assign(label=chart_labels)), width="stretch")
    st.caption(wording.CHART_CAPTION)
    weak_spot_list(selection, shown)
if len(in_confidence):
    st.subheader(wording.CONFIDENCE_SECTION, divider="gray")
    st.caption(wording.CONFIDENCE_EXPLANATION)
    weak_spot_list(selection, in_confidence)
if len(found) and not can_open_mistakes(selection):
    st.caption(wording.MISTAKES_NEED_ANNOTATOR)

with st.expander(f"Every group tested ({search.tried})"):
    tested = search.table.sort_values("accuracy", kind="stable")
    st.dataframe(
        pd.DataFrame(
            {
                "Group": [group_label(row, for_markdown=False) for row in tested.itertuples()],
                "Right": tested["accuracy"].map(percent),
                "95% interval": [f"{percent(lo)}–{percent(hi)}" for lo, hi in zip(tested["low"], tested["high"], strict=True)],
                "Right elsewhere": tested["rest_accuracy"].map(percent),
                "Reviews": tested["n"].map(reviews),
                "Clearly weaker": tested["weak"].map({True: "yes", False: ""}),
            }
        ),
        hide_index=True,
        width="stretch",
    )
