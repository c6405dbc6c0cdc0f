"""The sign-in gate and the app's questions to lib.access (rules, settings, sign_in) about the person using it.

``app.py`` asks :func:`current_user` before declaring the pages (``ui/navigation.py``:
viewers never get the Evaluate or Mistakes page), then :func:`require_sign_in`, which draws the sign-in page and
stops the run until someone is signed in. Pages and the sidebar ask :func:`allowed` and
:func:`visible_experiments`; every answer comes from ``lib.access.rules.is_allowed``.

The configuration is read from Streamlit's secrets on every run (cheap: Streamlit parses
the file once), so a changed role applies at the next click. Streamlit reads a secrets file
that does not parse as "no secrets"; the files it would read are parsed here too, so such a
file stops the app instead of making everyone the local admin.

A password sign-in lasts for the browser tab's session and ends after
``SENTIMENT_REVIEW_SESSION_IDLE_HOURS`` without a click; failed attempts are slowed down by
``lib.access.sign_in_throttle`` per name and client address. OIDC sign-ins are kept by Streamlit's
own identity cookie.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st
from streamlit import config as st_config
from streamlit.errors import StreamlitSecretNotFoundError

from lib.access import rules, settings, sign_in
from lib.access.rules import User
from lib.access.settings import AccessConfig
from lib.access.sign_in_throttle import SignInThrottle, throttled_message
from lib.config import CONFIG_HINT, ConfigError, read_secrets_file
from lib.errors import UserFacingError
from lib.stores.tracking import ExperimentSummary, ModelChoice, RunSummary, is_store_model_uri
from lib.wording import app_narrative, upload_narrative
from ui import data
from ui.components import show_user_error

USER_KEY = "signed_in_username"
LAST_ACTIVITY_KEY = "signed_in_last_activity"
SIGNED_OUT_IDLE_KEY = "signed_out_idle"
_clock = time.time  # seconds; tests replace it


def _secrets() -> dict:
    """Streamlit's secrets, ``{}`` when there are none; ConfigError when a secrets file exists but cannot be read."""
    paths = [Path(p) for p in st_config.get_option("secrets.files")]
    for path in paths:
        if path.suffix == ".toml":
            read_secrets_file(path)  # Streamlit would report a broken file as "no secrets"
    try:
        return st.secrets.to_dict()
    except StreamlitSecretNotFoundError:
        unreadable = [str(path) for path in paths if path.exists()]
        if unreadable:  # e.g. a secrets folder Streamlit refuses
            raise ConfigError(
                f"The secrets in {', '.join(unreadable)} cannot be read. Nothing is shown until they are fixed.", CONFIG_HINT
            ) from None
        return {}


def access_config() -> AccessConfig:
    """The sign-in configuration (raises ConfigError when it is wrong, incomplete or unreadable)."""
    return settings.load_access(_secrets())


def _client_address() -> str:
    # The peer of the browser's connection (behind a proxy: the proxy's); None on localhost,
    # and not a text at all under AppTest.
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "local"


def _oidc_signed_in() -> bool:
    return bool(st.user.get("is_logged_in", False))


def current_user(config: AccessConfig | None = None) -> User | None:
    """Who is using the app right now: the local admin, a password or OIDC user, or None."""
    if config is None:
        try:
            config = access_config()
        except ConfigError:
            return None
    if config.is_local:
        return rules.LOCAL_ADMIN
    if config.oidc_sign_in and _oidc_signed_in():
        return sign_in.oidc_user(config, st.user.to_dict())
    name = st.session_state.get(USER_KEY)
    if not (config.password_sign_in and name) or _idle_expired():
        return None
    return sign_in.password_user(config, name)


def _idle_expired() -> bool:
    """True (and the session forgotten) when a password session had no click for too long; else notes this click."""
    try:
        idle_s = data.settings().session_idle_hours * 3600
    except ConfigError:
        return True
    now = _clock()
    last = st.session_state.get(LAST_ACTIVITY_KEY, now)
    if now - last > idle_s:
        st.session_state.clear()
        st.session_state[SIGNED_OUT_IDLE_KEY] = True
        return True
    st.session_state[LAST_ACTIVITY_KEY] = now
    return False


def allowed(action: str, experiment: ExperimentSummary | None = None) -> bool:
    """May the current user do ``action`` to ``experiment`` (lib.access.rules.is_allowed)?"""
    return rules.is_allowed(current_user(), action, experiment)


def visible_experiments(experiments: Sequence[ExperimentSummary], action: str = "view") -> list[ExperimentSummary]:
    """The experiments the current user may ``action``: the others are left out, not greyed."""
    return rules.visible_experiments(current_user(), experiments, action)


def experiment_of(run: RunSummary) -> ExperimentSummary | None:
    """The experiment a run belongs to, when the current user may see it (else None)."""
    found = [e for e in data.experiments(data.settings().tracking_uri) if e.experiment_id == run.experiment_id]
    return found[0] if found and allowed("view", found[0]) else None


def run_visible(run: RunSummary) -> bool:
    """True when the current user may see the run's experiment."""
    return experiment_of(run) is not None


def warn_on_unknown_link(wanted: str | None, known: Sequence[str]) -> bool:
    """Say so when a link names an experiment or run that is missing or hidden (the same words either way)."""
    if wanted and wanted not in known:
        st.warning(app_narrative.LINK_NOT_AVAILABLE, icon="🔒")
        return True
    return False


# ---- the gate ----------------------------------------------------------------------------


def require_sign_in(user: User | None) -> User:
    """Show who is signed in (and a sign-out button), or draw the sign-in page and stop."""
    try:
        config = access_config()
        data.settings()  # a broken setting stops the app here, before any data is read
    except ConfigError as error:
        show_user_error(error)
        st.stop()
    if user is not None:
        _sidebar_identity(user)
        return user
    if config.oidc_sign_in and _oidc_signed_in():
        claims = st.user.to_dict()
        if sign_in.email_trusted(config, claims):
            st.error(app_narrative.account_without_access(str(claims.get("email") or "")), icon="🔒")
        else:
            st.error(app_narrative.EMAIL_NOT_VERIFIED, icon="🔒")
        if st.button("Sign out", key="sign_out_unknown"):
            st.logout()
        st.stop()
    _sign_in_page(config)
    st.stop()


def _sidebar_identity(user: User) -> None:
    if user.is_local:
        st.sidebar.caption(app_narrative.LOCAL_ADMIN_NOTE)
        return
    st.sidebar.caption(app_narrative.signed_in_as(user.name, user.role))
    if st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:", type="tertiary"):
        sign_out(user)


def sign_out(user: User) -> None:
    """Forget everything of this browser session; OIDC users are signed out at the provider too."""
    st.session_state.clear()
    if user.via == "oidc":
        st.logout()
    st.rerun()


def _provider_label(provider: str) -> str:
    known = {"google": "Google", "microsoft": "Microsoft", "okta": "Okta", "auth0": "Auth0"}
    return "your organisation's account" if provider == "default" else known.get(provider, provider.capitalize())


def _sign_in_page(config: AccessConfig) -> None:
    # Nothing to pick before signing in: the sidebar would only hold the app's name.
    st.html("<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'] { display: none; }</style>")
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Sign in")
        if st.session_state.pop(SIGNED_OUT_IDLE_KEY, False):
            st.info(app_narrative.signed_out_idle(data.settings().session_idle_hours), icon="⏱️")
        st.caption("Sentiment Review shows how well a sentiment model labels customer reviews. Sign in to see your projects.")
        for provider in config.oidc_providers:
            if st.button(f"Sign in with {_provider_label(provider)}", type="primary", key=f"login_{provider}", width="stretch"):
                st.login(None if provider == "default" else provider)
        if config.password_sign_in:
            if config.oidc_sign_in:
                st.caption("Or with a username and password:")
            _password_form(config)


def _password_form(config: AccessConfig) -> None:
    with st.form("sign_in_form", clear_on_submit=True):
        username = st.text_input("Username", autocomplete="username", max_chars=120)
        password = st.text_input("Password", type="password", autocomplete="current-password", max_chars=1000)
        submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
    if not submitted:
        return
    address = _client_address()
    try:
        throttle = SignInThrottle(data.annotation_store(), clock=lambda: datetime.fromtimestamp(_clock(), UTC))
        wait_s = throttle.wait_s(username, address)
        if wait_s > 0:
            st.error(throttled_message(wait_s), icon="⏳")
            return
        user = sign_in.verify_password(config, username, password) if username and password else None
        if user is None:
            throttle.failed(username, address)
            st.error(app_narrative.SIGN_IN_FAILED, icon="🔒")
            return
        throttle.succeeded(username, address)
    except UserFacingError as error:
        show_user_error(error)
        return
    st.session_state.clear()  # nothing of an earlier person's session carries over
    st.session_state[USER_KEY] = user.name
    st.session_state[LAST_ACTIVITY_KEY] = _clock()
    st.rerun()


def visible_models(choices: Sequence[ModelChoice], action: str = "upload") -> list[ModelChoice]:
    """Models the current user may use: admins all, others those whose own origin is an experiment they may ``action``.

    ``ModelChoice.experiment_id`` is where the model itself was logged (lib.stores.tracking), not
    a run that happens to name it; a model of unknown origin is for admins only.
    """
    if allowed("admin"):
        return list(choices)
    mine = {e.experiment_id for e in visible_experiments(data.experiments(data.settings().tracking_uri), action)}
    return [choice for choice in choices if choice.experiment_id in mine]


def checked_model(choice: ModelChoice) -> ModelChoice:
    """A model typed by URI, when the current user may use it; else the same error as an unknown model."""
    if visible_models([choice]):
        return choice
    raise UserFacingError(f"No model was found at “{choice.uri}”.", "Check its name and version or alias.")


def typed_model(uri: str) -> ModelChoice:
    """The model at a URI the user typed: admins any; others only a plain models:/ or runs:/ URI of theirs."""
    if not allowed("admin") and not is_store_model_uri(uri):
        raise UserFacingError(upload_narrative.TYPED_MODEL_NOT_ALLOWED, upload_narrative.TYPED_MODEL_HINT)
    return checked_model(data.model_choice(data.settings().tracking_uri, uri.strip()))


def model_visible(uri: str) -> bool:
    """True when the current user may load the model at ``uri`` (e.g. to explain a run): its own origin is theirs to see."""
    if allowed("admin"):
        return True
    if not is_store_model_uri(uri):
        return False
    try:
        choice = data.model_choice(data.settings().tracking_uri, uri.strip())
    except UserFacingError:
        return False
    return bool(visible_models([choice], "view"))
