"""Weak spots: groups of reviews, read from the texts, where the model is clearly weaker, each linked to its mistakes."""

import pandas as pd
import streamlit as st

from lib.outputs import charts
from lib.stores import contract
from lib.wording import weak_spots as wording
from lib.wording.markdown import escape_markdown
from lib.wording.narrative import percent, reviews
from ui import data, sidebar
from ui.components import loaded_or_stop, stop_unless_finished
from ui.weak_spots import can_open_mistakes, group_label, mistakes_link

FIRST_SHOWN = 8

selection = sidebar.selected()
if selection is None:
    st.stop()
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


if len(found):
    shown = found if len(found) <= FIRST_SHOWN else found.head(FIRST_SHOWN)
    if len(found) > FIRST_SHOWN and st.toggle(f"Show all {len(found)} weak spots", key="weak_spots_all"):
        shown = found
    chart_labels = [wording.short_label(row.trait, row.category) for row in shown.itertuples()]
    st.altair_chart(charts.weak_spot_chart(shown.assign(label=chart_labels)), width="stretch")
    st.caption(wording.CHART_CAPTION)
    openable = can_open_mistakes(selection)
    for row in shown.itertuples():
        text, link = st.columns([5, 1], vertical_alignment="center")
        text.markdown(wording.weak_spot_sentence(group_label(row), row))
        if openable:
            with link:
                mistakes_link(selection, row.slice_id)
    if not openable:
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
