"""A model belongs to the experiment it was logged in, not to the runs that name it.

The demo's registered model is logged in the demo experiment, which an Acme annotator may
not see. Acme runs name it in every way a URI can (alias, registered version, the source
run's ``runs:/`` URI, the logged model ``models:/m-…``): it must never be offered to them,
never be loaded to explain an Acme run, and never be accepted when typed; nor may they type
other schemes or climb out of a run with ``..``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from streamlit.testing.v1 import AppTest

from lib.config import Settings
from lib.quality.metrics import SENTIMENT_LABELS
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.demo import DEMO_EXPERIMENT, DEMO_MODEL_NAME
from lib.stores.tracking import TrackingStore, is_store_model_uri
from lib.wording import app_narrative
from lib.wording import upload_narrative as words
from tests.helpers import app_test, sign_in
from tests.private_store import private_copy
from tests.test_pages_auth import FAST

CHAMPION = f"models:/{DEMO_MODEL_NAME}@champion"
EXPLAINED = "Blue words pushed the model towards its answer"


def secrets() -> dict:
    users = {
        "acme-annotator": {"role": "annotator", "experiment_tags": {"client": "acme"}},
        "boss": {"role": "admin"},
    }
    return {"access": {"users": {name: {**entry, "password_hash": FAST.hash(f"pw-{name}")} for name, entry in users.items()}}}


@pytest.fixture(scope="module")
def acme_store(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo store plus an Acme experiment whose runs name the demo's model in every way."""
    settings = private_copy(demo_settings, tmp_path_factory.mktemp("model_visibility"))
    store = TrackingStore(settings.tracking_uri)
    # The champion's version, not "1": a test that repairs the shared demo store registers new versions.
    client = MlflowClient(settings.tracking_uri, registry_uri=settings.tracking_uri)  # never the global registry
    version = client.get_model_version_by_alias(DEMO_MODEL_NAME, "champion")
    mentioned = [CHAMPION, f"models:/{DEMO_MODEL_NAME}/{version.version}", f"runs:/{version.run_id}/model", version.source]
    assert version.source.startswith("models:/m-")
    acme = store.ensure_experiment("Acme feedback", tags={"client": "acme"}, artifact_location=settings.artifact_root.as_uri())
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            contract.REVIEW_ID: [f"a-{i}" for i in range(30)],
            contract.TEXT: [f"The parcel was {['awful', 'fine', 'lovely'][i % 3]} this time" for i in range(30)],
            contract.TRUE_LABEL: [SENTIMENT_LABELS[i % 3] for i in range(30)],
            contract.PREDICTED_LABEL: [SENTIMENT_LABELS[(i + (i % 2)) % 3] for i in range(30)],
        }
    )
    for label, column in zip(SENTIMENT_LABELS, rng.dirichlet(np.ones(3), 30).T, strict=True):
        frame[contract.proba_column(label)] = column
    acme_run = log_evaluation_run(
        store,
        experiment_id=acme,
        run_name="acme run",
        predictions=frame,
        dataset_name="reviews.csv",
        dataset_source="t",
        model_uri=CHAMPION,
    )
    for uri in mentioned[1:]:  # more Acme runs, each naming the hidden model another way
        run_id = store.start_run(acme, f"names {uri}", {contract.TAG_MODEL_URI: uri})
        store.finish_run(run_id)
    return {
        "data_dir": str(settings.data_dir),
        "tracking_uri": settings.tracking_uri,
        "acme": acme,
        "acme_run": acme_run,
        "demo": store.experiment_by_name(DEMO_EXPERIMENT).experiment_id,
        "demo_run": version.run_id,
        "mentioned": mentioned,
    }


@pytest.fixture
def acme_app(acme_store: dict, tmp_path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", acme_store["data_dir"])
    monkeypatch.setenv("SENTIMENT_REVIEW_SEED_DEMO", "false")
    monkeypatch.setenv("SENTIMENT_REVIEW_ANNOTATIONS_DB_URL", f"sqlite:///{tmp_path / 'annotations.db'}")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return acme_store


def test_a_model_s_experiment_is_its_own_origin_not_the_run_that_names_it(acme_store: dict) -> None:
    choices = TrackingStore(acme_store["tracking_uri"]).model_choices()
    by_uri = {choice.uri: choice for choice in choices}
    for uri in acme_store["mentioned"]:
        assert by_uri[uri].experiment_id == acme_store["demo"], uri
    assert acme_store["acme"] not in {choice.experiment_id for choice in choices}
    typed = TrackingStore(acme_store["tracking_uri"]).model_choice(acme_store["mentioned"][-1])  # models:/m-…
    assert typed.experiment_id == acme_store["demo"]


@pytest.mark.parametrize(
    ("uri", "plain"),
    [
        ("models:/name@champion", True),
        ("models:/My model/3", True),
        ("models:/m-0123abcd", True),
        ("runs:/0123abcd/model", True),
        ("runs:/0123abcd/../4567/model", False),
        ("runs:/0123abcd/%2e%2e/4567/model", False),
        ("runs:/0123abcd/%252e%252e/x", False),
        ("runs:/0123abcd/./model", False),
        ("runs:/0123abcd/model\\..\\x", False),
        ("runs://other-host/0123abcd/model", False),
        ("models:/name/1?x=1", False),
        ("file:///etc/passwd", False),
        ("s3://bucket/model", False),
        ("/tmp/model", False),
    ],
)
def test_only_plain_store_uris_count_as_typed_by_a_non_admin(uri: str, plain: bool) -> None:
    assert is_store_model_uri(uri) is plain


def _offered_and_typed(uris: list[str]) -> None:
    """Script for AppTest.from_function: the models offered to the signed-in user, and each typed URI's fate."""
    import streamlit as st

    from lib.errors import UserFacingError
    from ui import auth, data

    offered = auth.visible_models(data.tracking_store(data.settings().tracking_uri).model_choices())
    st.write("offered: " + " | ".join(choice.uri for choice in offered))
    for uri in uris:
        try:
            auth.typed_model(uri)
            st.write(f"typed {uri}: accepted")
        except UserFacingError as error:
            st.write(f"typed {uri}: refused: {error.message}")


def typed_outcomes(user: str, uris: list[str]) -> tuple[str, dict[str, str]]:
    at = AppTest.from_function(_offered_and_typed, args=(uris,), default_timeout=60)
    at.secrets.update(secrets())
    at.session_state["signed_in_username"] = user
    at.run()
    assert not at.exception
    lines = [str(m.value) for m in at.markdown]
    offered = next(line for line in lines if line.startswith("offered:"))
    outcomes = {uri: next(line for line in lines if line.startswith(f"typed {uri}: ")).removeprefix(f"typed {uri}: ") for uri in uris}
    return offered, outcomes


def test_hidden_models_are_never_offered_or_accepted_and_typed_uris_stay_inside_visible_runs(acme_app: dict) -> None:
    acme_run, demo_run = acme_app["acme_run"], acme_app["demo_run"]
    refused = [
        *acme_app["mentioned"],
        f"runs:/{acme_run}/../{demo_run}/model",
        f"runs:/{acme_run}/%2e%2e/{demo_run}/model",
        f"runs:/{acme_run}/%252E%252E/{demo_run}/model",
        "file:///etc/passwd",
        "s3://bucket/model",
    ]
    offered, outcomes = typed_outcomes("acme-annotator", [*refused, f"runs:/{acme_run}/model"])
    for uri in acme_app["mentioned"]:
        assert uri not in offered
    for uri in refused:
        assert outcomes[uri].startswith("refused: "), uri
    assert outcomes[f"runs:/{acme_run}/model"] == "accepted"  # a run of their own project
    for uri in ("file:///etc/passwd", f"runs:/{acme_run}/../{demo_run}/model"):
        assert outcomes[uri] == f"refused: {words.TYPED_MODEL_NOT_ALLOWED}"
    assert outcomes[f"runs:/{demo_run}/model"] == f"refused: No model was found at “runs:/{demo_run}/model”."  # hidden = unknown

    offered, outcomes = typed_outcomes("boss", [CHAMPION, "file:///tmp/any-model"])
    assert all(uri in offered for uri in acme_app["mentioned"])
    assert set(outcomes.values()) == {"accepted"}


def _typed_in_the_picker(uri: str) -> None:
    import streamlit as st

    from ui import evaluate as ev

    st.session_state.setdefault("evaluate_models", [uri])
    ev.model_picker()


@pytest.mark.parametrize(("user", "warned"), [("boss", True), ("acme-annotator", False)])
def test_only_admins_may_type_any_uri_and_they_are_warned_that_loading_runs_code(acme_app: dict, user: str, warned: bool) -> None:
    at = AppTest.from_function(_typed_in_the_picker, args=(f"runs:/{acme_app['acme_run']}/model",), default_timeout=60)
    at.secrets.update(secrets())
    at.session_state["signed_in_username"] = user
    at.run()
    assert not at.exception
    assert ([w.value for w in at.warning] == [words.ADMIN_TYPED_MODEL_WARNING]) is warned


def open_mistakes(user: str, ids: dict) -> AppTest:
    """The Mistakes page of the Acme run, as ``user``."""
    at = app_test(secrets(), experiment=ids["acme"], run=ids["acme_run"])
    at = sign_in(at, user, f"pw-{user}")
    return at.switch_page("pages/mistakes.py").run()


def test_the_mistakes_page_does_not_load_a_model_from_a_hidden_experiment(acme_app: dict) -> None:
    at = open_mistakes("acme-annotator", acme_app)
    assert not at.exception
    assert at.session_state["selection"].run.run_id == acme_app["acme_run"]
    captions = [c.value for c in at.caption]
    assert app_narrative.EXPLANATION_UNAVAILABLE in captions
    assert not any(EXPLAINED in caption for caption in captions)

    # The same run for an admin, who may see the model's experiment: the model loads and explains.
    at = open_mistakes("boss", acme_app)
    assert at.session_state["selection"].run.run_id == acme_app["acme_run"]
    assert any(EXPLAINED in c.value for c in at.caption)
