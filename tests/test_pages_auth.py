"""Sign-in, roles and per-client visibility through the real app (AppTest).

A small store holds the demo experiment plus "Acme feedback" (tagged client=acme) and
"Globex feedback" (client=globex). A viewer allowed only client=acme must never see the
other two: not in the sidebar, not through a link, not in the report.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from lib.access.sign_in_throttle import throttled_message
from lib.config import Settings
from lib.quality.metrics import SENTIMENT_LABELS
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.demo import DEMO_EXPERIMENT
from lib.stores.tracking import TrackingStore
from lib.wording import app_narrative, metric_names, report_narrative
from lib.wording.markdown import escape_markdown
from tests.conftest import PROJECT_ROOT, settings_for
from tests.helpers import app_test, page_text, sign_in
from ui import auth as ui_auth
from ui import evaluate as ev

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
ACME, GLOBEX = "Acme feedback", "Globex feedback"
# Words that only the demo and Globex experiments contain: none may reach an Acme viewer.
FOREIGN = ("Sentiment demo", "VADER", "Globex", "TF-IDF", "globex-secret-review")
COOKIE_SECRET = "cookie-SECRET-0123456789abcdef0123"
CLIENT_SECRET = "client-SECRET-abcdef"
USERS = {
    "acme-viewer": {"role": "viewer", "experiment_tags": {"client": "acme"}},
    "acme-annotator": {"role": "annotator", "experiment_tags": {"client": "acme"}},
    "boss": {"role": "admin"},
}


def predictions(prefix: str, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.choice(SENTIMENT_LABELS, n)
    said = np.where(rng.random(n) < 0.3, rng.choice(SENTIMENT_LABELS, n), truth)
    frame = pd.DataFrame(
        {
            contract.REVIEW_ID: [f"{prefix}-{i}" for i in range(n)],
            contract.TEXT: [f"{prefix} review {i}: the delivery was {['late', 'fine', 'great'][i % 3]}" for i in range(n)],
            contract.TRUE_LABEL: truth,
            contract.PREDICTED_LABEL: said,
            contract.CATEGORY: rng.choice(["Email", "Chat"], n),
        }
    )
    probabilities = rng.dirichlet(np.ones(3), n)
    for i, label in enumerate(SENTIMENT_LABELS):
        frame[contract.proba_column(label)] = probabilities[:, i]
    return frame


@pytest.fixture(scope="module")
def client_store(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A copy of the seeded demo store plus the Acme and Globex experiments; returns their ids."""
    data_dir = tmp_path_factory.mktemp("client_store")
    with sqlite3.connect(demo_settings.data_dir / "mlflow.db") as source, sqlite3.connect(data_dir / "mlflow.db") as target:
        source.backup(target)
    settings = settings_for(data_dir, SENTIMENT_REVIEW_SEED_DEMO="false")
    store = TrackingStore(settings.tracking_uri)
    ids = {"data_dir": str(data_dir), "demo": store.experiment_by_name(DEMO_EXPERIMENT).experiment_id}
    for name, client, seed in ((ACME, "acme", 1), (GLOBEX, "globex", 2)):
        experiment_id = store.ensure_experiment(name, tags={"client": client}, artifact_location=settings.artifact_root.as_uri())
        frame = predictions("globex-secret-review" if client == "globex" else "acme", 90, seed)
        ids[client] = experiment_id
        ids[f"{client}_run"] = log_evaluation_run(
            store,
            experiment_id=experiment_id,
            run_name=f"{client} run",
            predictions=frame,
            dataset_name=f"{client} tickets",
            dataset_source="test",
        )
    metrics_only = store.start_run(ids["acme"], "Imported metrics", {})
    store.log_values(metrics_only, {"accuracy_score": 0.81})
    store.finish_run(metrics_only)
    ids["acme_metrics_only"] = metrics_only
    return ids


@pytest.fixture
def clients(client_store: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point the app at the client store."""
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", client_store["data_dir"])
    monkeypatch.setenv("SENTIMENT_REVIEW_SEED_DEMO", "false")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return client_store


def password_secrets() -> dict:
    users = {name: {**entry, "password_hash": FAST.hash(f"pw-{name}")} for name, entry in USERS.items()}
    return {"access": {"users": users}}


def signed_in(username: str, **query: str) -> AppTest:
    at = sign_in(app_test(password_secrets(), **query), username, f"pw-{username}")
    assert not at.exception
    return at


def all_text(at: AppTest) -> str:
    """Every text the page shows, the options of every picker and the report preview."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "metric"):
        parts += [str(getattr(e, "value", "")) + " " + str(getattr(e, "label", "")) for e in at.get(kind)]
    for kind in ("selectbox", "multiselect", "radio"):
        parts += [f"{e.label} {' | '.join(map(str, e.options))}" for e in at.get(kind)]
    parts += [e.label for e in at.get("button")] + [e.label for e in at.get("toggle")]
    parts += [e.value.to_string() for e in at.get("dataframe")]
    parts += [e.proto.srcdoc for e in at.get("iframe")]
    return "\n".join(parts)


def experiment_options(at: AppTest) -> list[str]:
    return at.sidebar.selectbox(key="experiment_picker").options


def assert_nothing_foreign(at: AppTest) -> None:
    text = all_text(at)
    for word in FOREIGN:
        assert word not in text, word


# ---- the acme viewer -------------------------------------------------------------------------


def test_acme_viewer_sees_only_acme_everywhere(clients) -> None:
    at = signed_in("acme-viewer")
    assert experiment_options(at) == [ACME]
    assert app_narrative.signed_in_as("acme-viewer", "viewer") in all_text(at)
    assert "The model labels" in all_text(at)
    assert_nothing_foreign(at)
    for page in ("pages/categories.py", "pages/compare.py", "pages/report.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        assert experiment_options(at) == [ACME]
        assert_nothing_foreign(at)
    report = at.get("iframe")[0].proto.srcdoc
    assert "Project: Acme feedback" in report and "<script" not in report
    assert at.get("download_button")[0].label == "Download the report (HTML)"


def test_viewer_has_no_upload_or_annotate_controls_and_cannot_switch_to_them(clients) -> None:
    at = signed_in("acme-viewer")
    for page in ("pages/mistakes.py", "pages/evaluate.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    for page in ("pages/overview.py", "pages/categories.py", "pages/compare.py", "pages/report.py"):
        at.switch_page(page).run()
        assert not at.file_uploader
        assert not [r for r in at.radio if r.label == "Verdict"]
        assert "Your verdict" not in all_text(at)


def test_a_link_to_the_upload_page_before_sign_in_does_not_open_it_for_a_viewer(clients) -> None:
    at = app_test(password_secrets())
    at.run()
    at.switch_page("pages/evaluate.py").run()
    assert at.title[0].value == "Sign in"
    at.text_input[0].input("acme-viewer")
    at.text_input[1].input("pw-acme-viewer")
    at.button[0].click().run()
    assert not at.exception
    assert not at.file_uploader
    assert "How good is the model?" in all_text(at)


def test_page_files_check_permission_themselves(clients) -> None:
    """Run alone (as Streamlit does on a first request in pages-folder mode), the pages still refuse."""
    for page, user in (("evaluate.py", "acme-viewer"), ("mistakes.py", "acme-viewer"), ("report.py", None)):
        at = AppTest.from_file(str(PROJECT_ROOT / "pages" / page), default_timeout=60)
        at.secrets.update(password_secrets())
        if user:
            at.session_state["signed_in_username"] = user
        at.run()
        assert not at.exception
        assert not at.file_uploader and not at.get("download_button") and not at.get("form")
        assert "Your verdict" not in all_text(at)


@pytest.mark.parametrize("target", ["demo", "globex", "unknown", "tampered"])
def test_links_to_forbidden_or_unknown_experiments_reveal_nothing(clients, target: str) -> None:
    wanted = {"unknown": "999999", "tampered": "1' OR '1'='1/../<b>"}.get(target) or clients[target]
    at = signed_in("acme-viewer", experiment=wanted)
    assert [w.value for w in at.warning] == [app_narrative.LINK_NOT_AVAILABLE]
    assert experiment_options(at) == [ACME]
    assert at.query_params["experiment"] == clients["acme"]
    assert_nothing_foreign(at)


def test_link_with_a_foreign_run_in_an_allowed_experiment_reveals_nothing(clients) -> None:
    at = signed_in("acme-viewer", experiment=clients["acme"], run=clients["globex_run"])
    assert [w.value for w in at.warning] == [app_narrative.LINK_NOT_AVAILABLE]
    assert at.query_params["run"] == clients["acme_run"]
    assert_nothing_foreign(at)


def test_an_allowed_link_opens_after_sign_in_and_a_run_without_predictions_gets_no_report(clients) -> None:
    at = signed_in("acme-viewer", experiment=clients["acme"], run=clients["acme_metrics_only"])
    assert not at.warning
    assert at.query_params["run"] == clients["acme_metrics_only"]
    at.switch_page("pages/report.py").run()
    assert [i.value for i in at.info] == [report_narrative.REPORT_NEEDS_PREDICTIONS]
    assert not at.get("download_button")


# ---- other roles and sign-in failures -----------------------------------------------------------


def test_annotator_may_annotate_acme_reviews_as_themselves(clients) -> None:
    at = signed_in("acme-annotator")
    at.switch_page("pages/mistakes.py").run()
    assert not at.exception
    assert f"Your verdict**, as {escape_markdown('acme-annotator')}" in all_text(at)
    assert experiment_options(at) == [ACME]
    assert_nothing_foreign(at)


def test_admin_sees_every_experiment_and_page(clients) -> None:
    at = signed_in("boss")
    assert set(experiment_options(at)) == {ACME, GLOBEX, DEMO_EXPERIMENT}
    at.switch_page("pages/evaluate.py").run()
    assert at.file_uploader
    at.switch_page("pages/mistakes.py").run()
    assert not at.exception


@pytest.mark.parametrize(("username", "password"), [("acme-viewer", "wrong"), ("nobody", "pw-acme-viewer"), ("boss", "")])
def test_failed_sign_in_gets_one_generic_message(clients, username: str, password: str) -> None:
    at = sign_in(app_test(password_secrets()), username, password)
    assert [e.value for e in at.error] == ["The username or password is not right."]
    assert at.title[0].value == "Sign in"
    assert "signed_in_username" not in at.session_state
    assert not at.get("selectbox")


def test_without_sign_in_configured_the_sidebar_says_local_admin(clients) -> None:
    at = app_test().run()
    assert app_narrative.LOCAL_ADMIN_NOTE in [c.value for c in at.sidebar.caption]
    assert set(experiment_options(at)) == {ACME, GLOBEX, DEMO_EXPERIMENT}


# ---- OIDC ---------------------------------------------------------------------------------------


def oidc_secrets(**auth_overrides) -> dict:
    auth = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": COOKIE_SECRET,
        "client_id": "sentiment-review",
        "client_secret": CLIENT_SECRET,
        "server_metadata_url": "https://login.example.com/.well-known/openid-configuration",
    }
    auth.update(auth_overrides)
    rules = [{"email_domains": ["acme.com"], "role": "viewer", "experiment_tags": {"client": "acme"}}]
    return {"auth": {k: v for k, v in auth.items() if v is not None}, "access": {"oidc_rules": rules}}


def test_incomplete_oidc_configuration_is_explained_without_secrets(clients) -> None:
    at = app_test(oidc_secrets(client_id=None, server_metadata_url=None)).run()
    errors = page_text(at, ["error"])
    assert "[auth] lacks client_id, server_metadata_url" in errors
    assert COOKIE_SECRET not in all_text(at) and CLIENT_SECRET not in all_text(at)
    assert not at.get("selectbox") and not at.text_input


def test_oidc_user_is_mapped_to_a_role_by_rule(clients) -> None:
    at = app_test(oidc_secrets())
    at.run()
    assert len([b for b in at.button if b.label.startswith("Sign in with")]) == 1  # the one provider
    at.user = {"is_logged_in": True, "email": "pat@acme.com", "email_verified": True, "name": "Pat"}
    at.run()
    assert app_narrative.signed_in_as("Pat", "viewer") in all_text(at)
    assert experiment_options(at) == [ACME]
    assert_nothing_foreign(at)


def test_oidc_user_without_a_rule_is_turned_away(clients) -> None:
    at = app_test(oidc_secrets())
    at.user = {"is_logged_in": True, "email": "mallory@elsewhere.org", "email_verified": True}
    at.run()
    assert [e.value for e in at.error] == [app_narrative.account_without_access("mallory@elsewhere.org")]
    assert not at.get("selectbox")
    assert "Sign out" in [b.label for b in at.button]


# ---- presentation mode ----------------------------------------------------------------------------


def test_presentation_mode_explains_figures_and_hides_identifiers(clients) -> None:
    at = app_test(experiment=clients["acme"], run=clients["acme_run"]).run()
    technical = [c.value for c in at.caption if "acme run · " in c.value]
    assert technical
    assert metric_names.METRIC_EXPLANATIONS["accuracy"] not in [c.value for c in at.caption]
    at.sidebar.toggle(key="presentation_mode").set_value(True).run()
    captions = [c.value for c in at.caption]
    assert metric_names.METRIC_EXPLANATIONS["accuracy"] in captions
    assert metric_names.METRIC_EXPLANATIONS["macro_f1"] in captions
    assert not [c for c in captions if c in technical]
    assert any("html { font-size" in str(h.proto) for h in at.get("html"))  # larger type


def _model_and_experiment_pickers(ids: dict) -> None:
    """Script for AppTest.from_function: what the Evaluate page offers the signed-in user."""
    import streamlit as st

    from lib.errors import UserFacingError
    from lib.stores.tracking import ModelChoice
    from ui import auth
    from ui import evaluate as ev

    choices = [
        ModelChoice(f"models:/{name}/1", f"models:/{name}/1", name, "", ids.get(name)) for name in ("acme", "globex", "demo", "orphan")
    ]
    st.write("models: " + ", ".join(c.name for c in auth.visible_models(choices)))
    try:
        auth.checked_model(choices[1])
        st.write("typed globex model: accepted")
    except UserFacingError as error:
        st.write(f"typed globex model: {error.message}")
    ev.experiment_picker(choices[0])


@pytest.mark.parametrize(
    ("user", "models", "experiments"), [("acme-annotator", "acme", [ACME]), ("boss", "acme, globex, demo, orphan", None)]
)
def test_evaluate_offers_only_the_users_models_and_experiments(clients, user: str, models: str, experiments: list[str] | None) -> None:
    at = AppTest.from_function(_model_and_experiment_pickers, args=(clients,), default_timeout=60)
    at.secrets.update(password_secrets())
    at.session_state["signed_in_username"] = user
    at.run()
    assert not at.exception
    text = all_text(at)
    assert f"models: {models}" in [line.strip() for line in text.splitlines()]
    options = at.selectbox[0].options
    if experiments is None:  # the admin: every experiment, and a new one
        assert {ACME, GLOBEX, DEMO_EXPERIMENT} <= set(options) and ev.NEW_EXPERIMENT in options
        assert "typed globex model: accepted" in text
    else:
        assert options == experiments
        assert "typed globex model: No model was found" in text and "“models:/globex/1”" in text


# ---- configuration fails closed ---------------------------------------------------------------------


def assert_serves_nothing(at: AppTest) -> None:
    """The page shows the configuration problem and nothing of any experiment or run."""
    assert not at.exception
    text = all_text(at)
    for word in (*FOREIGN, ACME, "acme run", "Acme", app_narrative.LOCAL_ADMIN_NOTE):
        assert word not in text, word
    assert not at.get("selectbox") and not at.text_input and not at.get("dataframe")


@pytest.mark.parametrize(
    ("secrets", "named"),
    [
        ({"access": {"user": {"acme-viewer": {"role": "viewer"}}}}, "[access]: unknown key “user” (did you mean “users”?)"),
        (
            {"access": {"users": {"boss": {"role": "admin", "password_hash": FAST.hash("pw"), "experiment_prefix": ["Acme"]}}}},
            "[access.users.boss]: unknown key “experiment_prefix”",
        ),
        ({"acess": {"users": {"boss": {"role": "admin"}}}}, "[acess] is not a section this app knows (did you mean [access]?)"),
        ({"access": {"groups_claim": "groups"}}, "[access] is present but lets nobody sign in"),
        (oidc_secrets(cookie_secret="x" * 40), "[auth] cookie_secret is too repetitive to be random"),
    ],
)
def test_a_wrong_access_configuration_serves_no_data_and_names_the_key(clients, secrets: dict, named: str) -> None:
    """Each of these used to mean "no sign-in configured": everyone was the local admin."""
    at = app_test(secrets).run()
    assert named in page_text(at, ["error"])
    assert_serves_nothing(at)


def test_the_example_secrets_file_copied_unchanged_serves_no_data(clients) -> None:
    from lib.config import read_secrets_file

    at = app_test(read_secrets_file(PROJECT_ROOT / ".streamlit" / "secrets.toml.example")).run()
    errors = page_text(at, ["error"])
    assert "[auth] cookie_secret is placeholder text" in errors and "lack a valid argon2 password_hash" in errors
    assert "from your identity provider" not in errors
    assert_serves_nothing(at)


@pytest.fixture
def broken_secrets_file(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """Make Streamlit read one secrets file, which has an unquoted role (a TOML error)."""
    from streamlit import config as st_config

    path = tmp_path / "secrets.toml"
    path.write_text(f'[access.users.boss]\nrole = admin\npassword_hash = "{FAST.hash("pw-boss")}"\n')
    original = st_config.get_option("secrets.files")
    st_config.set_option("secrets.files", [str(path)])
    yield path
    st_config.set_option("secrets.files", original)


def test_a_secrets_file_that_does_not_parse_serves_no_data(clients, broken_secrets_file) -> None:
    at = app_test().run()  # Streamlit itself reads such a file as "no secrets"
    errors = page_text(at, ["error"])
    assert f"The secrets file {broken_secrets_file} is not valid TOML: Invalid value (at line 2, column 8)" in errors
    assert "argon2" not in all_text(at)
    assert_serves_nothing(at)


# ---- OIDC identities and annotators ----------------------------------------------------------------------


def test_an_unverified_email_gets_no_access_even_when_a_rule_matches(clients) -> None:
    at = app_test(oidc_secrets())
    at.user = {"is_logged_in": True, "email": "pat@acme.com", "email_verified": False, "name": "Pat", "provider": "default"}
    at.run()
    assert [e.value for e in at.error] == [app_narrative.EMAIL_NOT_VERIFIED]
    assert_serves_nothing(at)
    assert "Sign out" in [b.label for b in at.button]


def _show_annotator() -> None:
    """Script for AppTest.from_function: who annotations would be attributed to, and the name shown."""
    import streamlit as st

    from ui import identity

    st.write(f"identity={identity.annotator()} shown={identity.annotator_display_name()}")


def annotator_line(secrets: dict | None, user: dict | None = None, **state: str) -> str:
    at = AppTest.from_function(_show_annotator, default_timeout=60)
    if secrets:
        at.secrets.update(secrets)
    if user:
        at.user = user
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    return at.markdown[0].value


def test_annotations_are_attributed_to_a_stable_identity_and_show_the_display_name(clients) -> None:
    trusted = oidc_secrets()
    trusted["access"]["oidc"] = {"trust_unverified_email_providers": ["default"]}
    trusted["access"]["oidc_rules"].append({"groups": ["reviewers"], "role": "annotator"})
    pat = {"is_logged_in": True, "email": "Pat@Acme.com", "email_verified": True, "name": "Pat Smith"}
    kim = {"is_logged_in": True, "sub": "00u1abc", "name": "Kim", "groups": ["reviewers"], "provider": "default"}
    assert annotator_line(oidc_secrets(), pat) == "identity=pat@acme.com shown=Pat Smith"
    assert annotator_line(trusted, kim) == "identity=00u1abc shown=Kim"  # no e-mail: the subject id
    assert annotator_line(password_secrets(), signed_in_username="acme-annotator") == "identity=acme-annotator shown=acme-annotator"
    # A typed name counts only without sign-in, and is ignored once sign-in is set up.
    assert annotator_line(None, annotator_name="Lee") == "identity=Lee shown=Lee"
    assert annotator_line(password_secrets(), annotator_name="Lee") == "identity=None shown=None"
    assert annotator_line(oidc_secrets(), pat, annotator_name="Lee") == "identity=pat@acme.com shown=Pat Smith"


# ---- throttling and idle timeout -----------------------------------------------------------------------


def test_repeated_failures_make_the_next_attempt_wait_even_with_the_right_password(clients, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SENTIMENT_REVIEW_ANNOTATIONS_DB_URL", f"sqlite:///{tmp_path / 'annotations.db'}")
    monkeypatch.setattr(ui_auth, "_clock", lambda: 1_000_000.0)  # the attempts come within the same second
    at = app_test(password_secrets())
    for _ in range(3):
        sign_in(at, "boss", "wrong")
        assert [e.value for e in at.error] == [app_narrative.SIGN_IN_FAILED]
    sign_in(at, "boss", "pw-boss")
    assert [e.value for e in at.error] == [throttled_message(2.0)]
    assert at.title[0].value == "Sign in" and "signed_in_username" not in at.session_state


def test_a_password_session_ends_after_the_idle_time(clients, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMENT_REVIEW_SESSION_IDLE_HOURS", "1")
    now = [1_000_000.0]
    monkeypatch.setattr(ui_auth, "_clock", lambda: now[0])
    at = signed_in("acme-viewer")
    now[0] += 50 * 60  # a click after 50 minutes keeps the session
    at.run()
    assert app_narrative.signed_in_as("acme-viewer", "viewer") in all_text(at)
    now[0] += 61 * 60  # then more than an hour without a click
    at.run()
    assert at.title[0].value == "Sign in"
    assert [i.value for i in at.info] == [app_narrative.signed_out_idle(1)]
    assert "signed_in_username" not in at.session_state
    assert_nothing_foreign(at)
    assert ACME not in all_text(at)
