"""Stress test: how often realistic changes to reviews throw the selected run's model."""

import streamlit as st

from lib.errors import UserFacingError
from lib.quality.stress import DEFAULT_SAMPLE_SIZE, DEFAULT_SEED
from lib.stores import contract
from lib.wording import stress as words
from lib.wording.markdown import escape_markdown
from ui import auth, data, navigation, presentation, sidebar
from ui import stress as stress_ui
from ui.components import loaded_or_stop, show_user_error, stop_unless_finished

selection = sidebar.selected_or_stop()
navigation.require_page(__file__, selection.experiment)  # it runs the model and stores the result with the run
run = selection.run
st.title("How robust is the model?")
st.markdown(words.INTRO)
stop_unless_finished(run)
predictions = loaded_or_stop(lambda: data.predictions(run))
if predictions is None or contract.TEXT not in predictions:
    st.info(
        "This run has no predictions file with the reviews' text, so there are no reviews to change. Evaluate the model on a file first."
    )
    st.stop()
if not run.model_uri or not auth.model_visible(run.model_uri):
    st.info("This run does not name a model you can use, so it cannot be stress-tested. Evaluate a model on a file first.")
    st.stop()

stored = loaded_or_stop(lambda: stress_ui.stored_result(run))
with st.form("stress_form", border=True):
    left, right = st.columns(2)
    size = left.number_input("Reviews to change", min_value=100, max_value=10_000, value=DEFAULT_SAMPLE_SIZE, step=100, help=words.RUN_HELP)
    seed = right.number_input("Sample number (seed)", min_value=0, max_value=1_000_000, value=DEFAULT_SEED, help=words.SEED_HELP)
    pressed = st.form_submit_button("Run the stress test again" if stored else "Run the stress test", type="primary")
if pressed:
    try:
        stored = stress_ui.run_and_store(run, predictions, int(size), int(seed))
        st.success("Stress test finished and stored with the run.", icon=":material/check_circle:")
    except UserFacingError as error:
        show_user_error(error)
        st.stop()
    test = {"reviews": stored.reviews, "seed": int(seed), "model_uri": run.model_uri}
else:
    test = stress_ui.described(run)
if stored is None:
    st.info("This run has not been stress-tested yet. Press the button to run the test (about a minute for 1,000 reviews).")
    st.stop()

presentation.technical_caption(
    words.tested_caption(test.get("reviews", stored.reviews), test.get("seed", 0), escape_markdown(test.get("model_uri", "")))
)
st.subheader("What throws the model")
stress_ui.findings(stored)
st.subheader("Examples")
stress_ui.examples(stored)
