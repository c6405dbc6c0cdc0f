"""lib/auth.py: the permission matrix, experiment grants, password checks, configuration checks."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field

import pytest
from argon2 import PasswordHasher

from lib import auth
from lib.auth import ACTIONS, ROLES, AuthConfigError, Grant, SignInThrottle, User

# Cheap hashes keep the tests fast; verification reads the cost from the hash itself.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
COOKIE_SECRET = "cookie-SECRET-value-0123456789abcdef"
CLIENT_SECRET = "client-SECRET-value-9876543210"
CLIENT_ID = "client-id-visible-1234"


@dataclass(frozen=True)
class Experiment:
    name: str
    tags: dict[str, str] = field(default_factory=dict)


ACME = Experiment("Acme: support tickets", {"client": "acme"})
GLOBEX = Experiment("Globex reviews", {"client": "globex"})
ACME_GRANT = Grant(tags=frozenset({("client", "acme")}))

# (role, action) -> allowed on (a granted experiment, a forbidden experiment, no experiment).
# Written out by hand, as the oracle for is_allowed.
EXPECTED = {
    ("viewer", "view"): (True, False, True),
    ("viewer", "export"): (True, False, True),
    ("viewer", "annotate"): (False, False, False),
    ("viewer", "upload"): (False, False, False),
    ("viewer", "admin"): (False, False, False),
    ("annotator", "view"): (True, False, True),
    ("annotator", "export"): (True, False, True),
    ("annotator", "annotate"): (True, False, True),
    ("annotator", "upload"): (True, False, True),
    ("annotator", "admin"): (False, False, False),
    ("admin", "view"): (True, True, True),
    ("admin", "export"): (True, True, True),
    ("admin", "annotate"): (True, True, True),
    ("admin", "upload"): (True, True, True),
    ("admin", "admin"): (True, True, True),
}
TARGETS = {"granted": (0, ACME), "forbidden": (1, GLOBEX), "none": (2, None)}


def test_the_expectation_table_covers_every_role_and_action() -> None:
    assert set(EXPECTED) == set(itertools.product(ROLES, ACTIONS))


@pytest.mark.parametrize(("role", "action", "target"), list(itertools.product(ROLES, ACTIONS, TARGETS)))
def test_permission_matrix(role: str, action: str, target: str) -> None:
    position, experiment = TARGETS[target]
    user = User("someone", role, ACME_GRANT, "password")
    assert auth.is_allowed(user, action, experiment) is EXPECTED[(role, action)][position]


@pytest.mark.parametrize("action", list(ACTIONS))
def test_nobody_signed_in_may_do_nothing(action: str) -> None:
    assert not auth.is_allowed(None, action, ACME)
    assert not auth.is_allowed(None, action, None)


def test_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        auth.is_allowed(auth.LOCAL_ADMIN, "delete", ACME)


def test_a_role_outside_the_list_gets_nothing() -> None:
    assert not auth.is_allowed(User("x", "owner", Grant(everything=True), "password"), "view", ACME)


def test_local_admin_may_do_everything() -> None:
    assert all(auth.is_allowed(auth.LOCAL_ADMIN, action, e) for action in ACTIONS for e in (ACME, GLOBEX, None))


@pytest.mark.parametrize(
    ("grant", "visible"),
    [
        (Grant(names=frozenset({"Globex reviews"})), {"Globex reviews"}),
        (Grant(prefixes=("Acme",)), {"Acme: support tickets", "Acme old"}),
        (Grant(tags=frozenset({("client", "acme")})), {"Acme: support tickets", "Tagged only"}),
        (Grant(everything=True), {"Acme: support tickets", "Acme old", "Globex reviews", "Tagged only"}),
        (Grant(), set()),
        (Grant(prefixes=("Acme",)) | Grant(names=frozenset({"Globex reviews"})), {"Acme: support tickets", "Acme old", "Globex reviews"}),
    ],
)
def test_grants_by_name_prefix_tag_and_union(grant: Grant, visible: set[str]) -> None:
    experiments = [ACME, Experiment("Acme old"), GLOBEX, Experiment("Tagged only", {"client": "acme"})]
    shown = auth.visible_experiments(User("v", "viewer", grant, "password"), experiments)
    assert {e.name for e in shown} == visible
    assert shown == [e for e in experiments if e.name in visible]  # order kept


def test_visible_experiments_for_another_action() -> None:
    viewer = User("v", "viewer", Grant(everything=True), "password")
    assert auth.visible_experiments(viewer, [ACME, GLOBEX], "upload") == []


# ---- configuration ------------------------------------------------------------------------


def password_secrets(**users: dict) -> dict:
    return {"access": {"users": users}}


def user_entry(password: str, role: str = "viewer", **grant) -> dict:
    return {"role": role, "password_hash": FAST.hash(password), **grant}


@pytest.fixture(scope="module")
def config() -> auth.AccessConfig:
    return auth.load_access(
        password_secrets(
            Alice=user_entry("correct horse", "viewer", experiment_tags={"client": "acme"}),
            bob=user_entry("battery staple", "annotator", experiment_prefixes=["Globex"], experiments=["Acme: support tickets"]),
        )
    )


def test_nothing_configured_means_one_local_admin() -> None:
    config = auth.load_access({})
    assert config.is_local and not config.password_sign_in and not config.oidc_sign_in
    assert auth.load_access({"MLFLOW_TRACKING_URI": "sqlite:///x.db"}).is_local


def test_users_and_grants_are_read(config: auth.AccessConfig) -> None:
    assert config.password_sign_in and not config.is_local
    alice = auth.password_user(config, "alice")
    assert alice.role == "viewer" and alice.grant.tags == {("client", "acme")}
    bob = auth.password_user(config, "BOB")
    assert bob.grant.prefixes == ("Globex",) and bob.grant.names == {"Acme: support tickets"}


def test_tags_may_be_written_as_key_equals_value() -> None:
    config = auth.load_access(password_secrets(c=user_entry("pw", experiment_tags=["client=acme", "team = east"])))
    assert auth.password_user(config, "c").grant.tags == {("client", "acme"), ("team", "east")}


# ---- passwords ------------------------------------------------------------------------------


def test_right_password_signs_in(config: auth.AccessConfig) -> None:
    user = auth.verify_password(config, "alice", "correct horse")
    assert user == User("Alice", "viewer", auth.password_user(config, "alice").grant, "password")
    assert auth.verify_password(config, "  ALICE ", "correct horse") is not None  # names are not case-sensitive


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong"), ("alice", ""), ("alice", "Correct horse"), ("mallory", "correct horse"), ("", "x"), ("bob", "correct horse")],
)
def test_wrong_password_and_unknown_user_give_the_same_result(config: auth.AccessConfig, username: str, password: str) -> None:
    assert auth.verify_password(config, username, password) is None


def test_unknown_user_is_still_verified_against_a_hash(config: auth.AccessConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    class Spy:
        def verify(self, hashed: str, password: str) -> bool:
            calls.append(hashed)
            return FAST.verify(hashed, password)

    monkeypatch.setattr(auth, "_PASSWORD_HASHER", Spy())
    assert auth.verify_password(config, "nobody-here", "correct horse") is None
    assert auth.verify_password(config, "alice", "nope") is None
    assert len(calls) == 2
    # The dummy hash has the cost of a real user's hash, so both take about as long.
    assert FAST.check_needs_rehash(calls[0]) is False


def test_signed_in_messages_do_not_tell_unknown_names_apart() -> None:
    assert "username or password" in auth.SIGN_IN_FAILED
    assert "exist" not in auth.SIGN_IN_FAILED and "unknown" not in auth.SIGN_IN_FAILED.lower()


def test_hash_password_round_trip() -> None:
    hashed = auth.hash_password("s3cret!")
    assert hashed.startswith("$argon2id$")
    config = auth.load_access(password_secrets(dana={"role": "admin", "password_hash": hashed}))
    assert auth.verify_password(config, "dana", "s3cret!").role == "admin"
    with pytest.raises(ValueError):
        auth.hash_password("")


def test_throttle_refuses_a_name_after_repeated_failures_then_forgets() -> None:
    now = [0.0]
    throttle = SignInThrottle(max_failures=3, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        assert not throttle.blocked("Alice")
        throttle.failed("alice")
    assert throttle.blocked("ALICE")
    assert not throttle.blocked("bob")
    now[0] = 61.0
    assert not throttle.blocked("alice")
    throttle.failed("ghost")
    throttle.succeeded("ghost")
    assert not throttle.blocked("ghost")


# ---- configuration problems ---------------------------------------------------------------------


def complete_auth(**overrides) -> dict:
    section = {
        "redirect_uri": "https://reviews.example.com/oauth2callback",
        "cookie_secret": COOKIE_SECRET,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "server_metadata_url": "https://accounts.example.com/.well-known/openid-configuration",
    }
    section.update(overrides)
    return {k: v for k, v in section.items() if v is not None}


RULES = [{"email_domains": ["acme.com"], "role": "viewer", "experiment_tags": {"client": "acme"}}]


def config_error(secrets: dict) -> AuthConfigError:
    with pytest.raises(AuthConfigError) as caught:
        auth.load_access(secrets)
    return caught.value


def assert_no_secret_in(error: AuthConfigError) -> None:
    for shown in (str(error), repr(error), error.message, error.hint, repr(error.args)):
        assert COOKIE_SECRET not in shown and CLIENT_SECRET not in shown and CLIENT_ID not in shown
        assert "$argon2" not in shown


def test_complete_oidc_configuration() -> None:
    config = auth.load_access({"auth": complete_auth(), "access": {"oidc_rules": RULES}})
    assert config.oidc_sign_in and config.oidc_providers == ("default",)


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        (["client_secret"], "client_secret"),
        (["cookie_secret", "server_metadata_url"], "cookie_secret, server_metadata_url"),
        (["redirect_uri", "client_id", "client_secret"], "redirect_uri, client_id, client_secret"),
    ],
)
def test_partial_oidc_configuration_lists_what_is_missing(missing: list[str], named: str) -> None:
    error = config_error({"auth": complete_auth(**dict.fromkeys(missing)), "access": {"oidc_rules": RULES}})
    assert f"[auth] lacks {named}." in error.message
    assert "secrets.toml" in error.hint
    assert_no_secret_in(error)


def test_wrong_redirect_uri_and_short_cookie_secret() -> None:
    error = config_error(
        {"auth": complete_auth(redirect_uri="https://reviews.example.com/callback", cookie_secret="short"), "access": {"oidc_rules": RULES}}
    )
    assert "must end with /oauth2callback" in error.message
    assert "cookie_secret is too short" in error.message
    assert "short" not in error.message.replace("too short", "")  # the value itself is never shown
    assert_no_secret_in(error)


def test_named_providers_are_checked_each() -> None:
    section = complete_auth(client_id=None, client_secret=None, server_metadata_url=None)
    section["google"] = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "server_metadata_url": "https://accounts.google.com/x"}
    section["microsoft"] = {"client_id": CLIENT_ID}
    error = config_error({"auth": section, "access": {"oidc_rules": RULES}})
    assert "[auth.microsoft] lacks client_secret, server_metadata_url." in error.message
    assert "google" not in error.message
    assert_no_secret_in(error)
    del section["microsoft"]
    assert auth.load_access({"auth": section, "access": {"oidc_rules": RULES}}).oidc_providers == ("google",)


def test_oidc_without_rules_or_rules_without_oidc_are_problems() -> None:
    assert "no [[access.oidc_rules]]" in config_error({"auth": complete_auth()}).message
    error = config_error({"access": {"oidc_rules": RULES}})
    assert "there is no [auth] section" in error.message and "client_secret" in error.message


@pytest.mark.parametrize(
    ("users", "expected"),
    [
        ({"eve": {"role": "viewer", "password": "hunter2"}}, "plain password"),
        ({"eve": {"role": "viewer", "password_hash": "hunter2"}}, "1 user(s) in [access.users] lack a valid argon2 password_hash"),
        ({"eve": {"role": "superuser", "password_hash": FAST.hash("x")}}, "role must be one of viewer, annotator, admin"),
        ({"eve": {"password_hash": FAST.hash("x"), "experiment_prefixes": [""]}}, "empty experiment prefix"),
        ({"eve": {"password_hash": FAST.hash("x"), "experiment_tags": 3}}, "experiment_tags"),
        ({"eve": "not a table"}, "must be a table"),
    ],
)
def test_bad_user_entries_are_named_without_their_secrets(users: dict, expected: str) -> None:
    error = config_error({"access": {"users": users}})
    assert expected in error.message
    assert "hunter2" not in str(error) and "hunter2" not in repr(error)
    assert_no_secret_in(error)


def test_repr_of_the_configuration_holds_no_hash(config: auth.AccessConfig) -> None:
    assert "$argon2" not in repr(config)
    assert "$argon2" not in repr(next(iter(config.users.values())))


# ---- OIDC identities ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oidc_config() -> auth.AccessConfig:
    rules = [
        {"email_domains": ["acme.com"], "role": "viewer", "experiment_tags": {"client": "acme"}},
        {"groups": ["reviewers"], "role": "annotator", "experiment_prefixes": ["Globex"]},
        {"emails": ["Boss@Example.com"], "role": "admin"},
    ]
    return auth.load_access({"auth": complete_auth(), "access": {"oidc_rules": rules, "groups_claim": "roles"}})


def test_oidc_identity_maps_to_role_and_grant(oidc_config: auth.AccessConfig) -> None:
    pat = auth.oidc_user(oidc_config, {"email": "pat@ACME.com", "name": "Pat"})
    assert (pat.name, pat.role, pat.via) == ("Pat", "viewer", "oidc")
    assert auth.is_allowed(pat, "view", ACME) and not auth.is_allowed(pat, "view", GLOBEX)
    both = auth.oidc_user(oidc_config, {"email": "sam@acme.com", "roles": ["reviewers"]})
    assert both.role == "annotator" and both.name == "sam@acme.com"
    assert auth.is_allowed(both, "annotate", ACME) and auth.is_allowed(both, "annotate", GLOBEX)
    assert auth.oidc_user(oidc_config, {"email": "boss@example.com"}).role == "admin"


def test_oidc_identity_without_a_matching_rule_gets_nothing(oidc_config: auth.AccessConfig) -> None:
    assert auth.oidc_user(oidc_config, {"email": "someone@elsewhere.org", "roles": ["other"]}) is None
    assert auth.oidc_user(oidc_config, {"roles": ["reviewers"]}) is None  # no e-mail, no entry
    assert auth.oidc_user(oidc_config, {"email": "x@notacme.com"}) is None  # domains match whole


def test_oidc_groups_claim_may_be_a_single_string(oidc_config: auth.AccessConfig) -> None:
    assert auth.oidc_user(oidc_config, {"email": "kim@other.org", "roles": "reviewers"}).role == "annotator"


# ---- command line -----------------------------------------------------------------------------


def test_cli_hash_password_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("pass phrase\n"))
    assert auth.main(["hash-password"]) == 0
    hashed = capsys.readouterr().out.strip()
    config = auth.load_access(password_secrets(z={"password_hash": hashed}))
    assert auth.verify_password(config, "z", "pass phrase") is not None


def test_cli_check_reports_problems_without_values(tmp_path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(f'[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "{COOKIE_SECRET}"\n')
    assert auth.main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "client_id, client_secret, server_metadata_url" in err and COOKIE_SECRET not in err
    assert auth.main(["check", str(tmp_path / "missing.toml")]) == 0
    assert "local admin" in capsys.readouterr().out
    assert auth.main(["nonsense"]) == 2
