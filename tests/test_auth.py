"""lib/access/auth.py: the permission matrix, experiment grants, password checks, configuration checks."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
from dataclasses import dataclass, field

import pytest
from argon2 import PasswordHasher

from lib.access import auth, rules, settings, sign_in
from lib.access.rules import ACTIONS, ROLES, Grant, User
from lib.access.settings import AuthConfigError
from lib.config import PROJECT_ROOT, ConfigError, read_secrets_file
from lib.wording import app_narrative

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
    assert rules.is_allowed(user, action, experiment) is EXPECTED[(role, action)][position]


@pytest.mark.parametrize("action", list(ACTIONS))
def test_nobody_signed_in_may_do_nothing(action: str) -> None:
    assert not rules.is_allowed(None, action, ACME)
    assert not rules.is_allowed(None, action, None)


def test_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        rules.is_allowed(rules.LOCAL_ADMIN, "delete", ACME)


def test_a_role_outside_the_list_gets_nothing() -> None:
    assert not rules.is_allowed(User("x", "owner", Grant(everything=True), "password"), "view", ACME)


def test_local_admin_may_do_everything() -> None:
    assert all(rules.is_allowed(rules.LOCAL_ADMIN, action, e) for action in ACTIONS for e in (ACME, GLOBEX, None))


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
    shown = rules.visible_experiments(User("v", "viewer", grant, "password"), experiments)
    assert {e.name for e in shown} == visible
    assert shown == [e for e in experiments if e.name in visible]  # order kept


def test_visible_experiments_for_another_action() -> None:
    viewer = User("v", "viewer", Grant(everything=True), "password")
    assert rules.visible_experiments(viewer, [ACME, GLOBEX], "upload") == []


# ---- configuration ------------------------------------------------------------------------


def password_secrets(**users: dict) -> dict:
    return {"access": {"users": users}}


def user_entry(password: str, role: str = "viewer", **grant) -> dict:
    return {"role": role, "password_hash": FAST.hash(password), **grant}


@pytest.fixture(scope="module")
def config() -> settings.AccessConfig:
    return settings.load_access(
        password_secrets(
            Alice=user_entry("correct horse", "viewer", experiment_tags={"client": "acme"}),
            bob=user_entry("battery staple", "annotator", experiment_prefixes=["Globex"], experiments=["Acme: support tickets"]),
        )
    )


def test_nothing_configured_means_one_local_admin() -> None:
    config = settings.load_access({})
    assert config.is_local and not config.password_sign_in and not config.oidc_sign_in
    assert settings.load_access({"MLFLOW_TRACKING_URI": "sqlite:///x.db"}).is_local


def test_users_and_grants_are_read(config: settings.AccessConfig) -> None:
    assert config.password_sign_in and not config.is_local
    alice = sign_in.password_user(config, "alice")
    assert alice.role == "viewer" and alice.grant.tags == {("client", "acme")}
    bob = sign_in.password_user(config, "BOB")
    assert bob.grant.prefixes == ("Globex",) and bob.grant.names == {"Acme: support tickets"}


def test_tags_may_be_written_as_key_equals_value() -> None:
    config = settings.load_access(password_secrets(c=user_entry("pw", experiment_tags=["client=acme", "team = east"])))
    assert sign_in.password_user(config, "c").grant.tags == {("client", "acme"), ("team", "east")}


# ---- passwords ------------------------------------------------------------------------------


def test_right_password_signs_in(config: settings.AccessConfig) -> None:
    user = sign_in.verify_password(config, "alice", "correct horse")
    assert user == User("Alice", "viewer", sign_in.password_user(config, "alice").grant, "password", "Alice")
    assert sign_in.verify_password(config, "  ALICE ", "correct horse") is not None  # names are not case-sensitive


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong"), ("alice", ""), ("alice", "Correct horse"), ("mallory", "correct horse"), ("", "x"), ("bob", "correct horse")],
)
def test_wrong_password_and_unknown_user_give_the_same_result(config: settings.AccessConfig, username: str, password: str) -> None:
    assert sign_in.verify_password(config, username, password) is None


def test_unknown_user_is_still_verified_against_a_hash(config: settings.AccessConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    class Spy:
        def verify(self, hashed: str, password: str) -> bool:
            calls.append(hashed)
            return FAST.verify(hashed, password)

    monkeypatch.setattr(sign_in, "_PASSWORD_HASHER", Spy())
    assert sign_in.verify_password(config, "nobody-here", "correct horse") is None
    assert sign_in.verify_password(config, "alice", "nope") is None
    assert len(calls) == 2
    # The dummy hash has the cost of a real user's hash, so both take about as long.
    assert FAST.check_needs_rehash(calls[0]) is False


def test_signed_in_messages_do_not_tell_unknown_names_apart() -> None:
    assert "username or password" in app_narrative.SIGN_IN_FAILED
    assert "exist" not in app_narrative.SIGN_IN_FAILED and "unknown" not in app_narrative.SIGN_IN_FAILED.lower()


def test_hash_password_round_trip() -> None:
    hashed = sign_in.hash_password("s3cret!")
    assert hashed.startswith("$argon2id$")
    config = settings.load_access(password_secrets(dana={"role": "admin", "password_hash": hashed}))
    assert sign_in.verify_password(config, "dana", "s3cret!").role == "admin"
    with pytest.raises(ValueError):
        sign_in.hash_password("")


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
        settings.load_access(secrets)
    return caught.value


def assert_no_secret_in(error: AuthConfigError) -> None:
    for shown in (str(error), repr(error), error.message, error.hint, repr(error.args)):
        assert COOKIE_SECRET not in shown and CLIENT_SECRET not in shown and CLIENT_ID not in shown
        assert "$argon2" not in shown


def test_complete_oidc_configuration() -> None:
    config = settings.load_access({"auth": complete_auth(), "access": {"oidc_rules": RULES}})
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


EXAMPLE_COOKIE_SECRET = "a long random string: python -c 'import secrets; print(secrets.token_urlsafe(32))'"


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        (EXAMPLE_COOKIE_SECRET, "placeholder text"),  # the example file's value: long, varied, but a sentence
        ("correct horse battery staple and more words", "placeholder text"),
        ("0123456789abcdef0123456789abcd", "too short"),  # 30 characters, the old limit of 16 let it through
        ("a" * 64, "too repetitive"),
        ("ab" * 32, "too repetitive"),
        ("abcabcabcabcabcabcabcabcabcabcabcabc", "too repetitive"),
    ],
)
def test_weak_or_placeholder_cookie_secrets_are_refused(secret: str, why: str) -> None:
    error = config_error({"auth": complete_auth(cookie_secret=secret), "access": {"oidc_rules": RULES}})
    assert f"[auth] cookie_secret is {why}" in error.message
    assert secret not in str(error)


@pytest.mark.parametrize("secret", [COOKIE_SECRET, "0123456789abcdef" * 2, "kJ3n_Q8vZ-xP2mL7rT4wYb9sD1fH6gA0cE5uN8oR"])
def test_random_cookie_secrets_are_accepted(secret: str) -> None:
    assert settings.cookie_secret_weakness(secret) is None
    assert settings.shannon_bits_per_char(secret) >= settings.MIN_COOKIE_SECRET_BITS_PER_CHAR


def test_shannon_entropy_per_character() -> None:
    assert settings.shannon_bits_per_char("") == 0.0
    assert settings.shannon_bits_per_char("zzzz") == 0.0
    assert settings.shannon_bits_per_char("abab") == pytest.approx(1.0)
    assert settings.shannon_bits_per_char("0123456789abcdef") == pytest.approx(4.0)


def test_the_example_secrets_file_is_refused_key_by_key() -> None:
    """Copied unchanged, the example must not let anyone in: placeholders are named, never echoed."""
    error = config_error(read_secrets_file(PROJECT_ROOT / ".streamlit" / "secrets.toml.example"))
    assert "3 users in [access.users] lack a valid argon2 password_hash" in error.message
    assert "[auth] cookie_secret is placeholder text" in error.message
    assert "[auth] client_id, client_secret still hold the example's placeholder text" in error.message
    assert "from your identity provider" not in error.message and "token_urlsafe(32))'\"" not in error.message


@pytest.mark.parametrize(
    ("secrets", "named"),
    [
        ({"access": {"user": {"x": {"role": "viewer"}}}}, "[access]: unknown key “user” (did you mean “users”?)"),
        ({"access": {"users": {"eve": {"role": "viewer", "pasword_hash": "x"}}}}, "[access.users.eve]: unknown key “pasword_hash”"),
        ({"access": {"users": {"eve": {"role": "viewer", "password_hash": "x", "experiment": ["A"]}}}}, "unknown key “experiment”"),
        ({"access": {"groups_claims": "groups"}}, "[access]: unknown key “groups_claims” (did you mean “groups_claim”?)"),
        (
            {"access": {"oidc_rules": [{"email_domain": ["acme.com"], "role": "viewer"}]}},
            "OIDC rule 1 ([[access.oidc_rules]]): unknown key “email_domain”",
        ),
        ({"acess": {"users": {}}}, "[acess] is not a section this app knows (did you mean [access]?)"),
        ({"Auth": {"cookie_secret": "x"}}, "[Auth] is not a section this app knows (did you mean [auth]?)"),
        ({"users": {"eve": {"role": "viewer"}}}, "[users] belongs inside [access]"),
        ({"access": {}}, "[access] is present but lets nobody sign in"),
        ({"access": {"groups_claim": "groups"}}, "[access] is present but lets nobody sign in"),
        (
            {"access": {"oidc": {"trust_unverified": ["default"]}, "oidc_rules": RULES}, "auth": complete_auth()},
            "[access.oidc]: unknown key",
        ),
        (
            {"access": {"oidc": {"trust_unverified_email_providers": ["okta"]}, "oidc_rules": RULES}, "auth": complete_auth()},
            "names 1 provider that [auth] does not set up (known: default)",
        ),
    ],
)
def test_unknown_or_misspelt_keys_fail_closed(secrets: dict, named: str) -> None:
    """Today's mistakes that used to mean "no sign-in configured", so everyone was admin."""
    error = config_error(secrets)
    assert named in error.message
    assert isinstance(error, ConfigError)


def test_settings_and_other_tables_beside_access_are_fine() -> None:
    secrets = {"MLFLOW_TRACKING_URI": "sqlite:///x.db", "targets": {"macro_f1": 0.6}, "AWS_ACCESS_KEY_ID": "k"}
    assert settings.load_access(secrets).is_local
    assert not settings.load_access({**secrets, **password_secrets(a=user_entry("pw"))}).is_local


def test_named_providers_are_checked_each() -> None:
    section = complete_auth(client_id=None, client_secret=None, server_metadata_url=None)
    section["google"] = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "server_metadata_url": "https://accounts.google.com/x"}
    section["microsoft"] = {"client_id": CLIENT_ID}
    error = config_error({"auth": section, "access": {"oidc_rules": RULES}})
    assert "[auth.microsoft] lacks client_secret, server_metadata_url." in error.message
    assert "google" not in error.message
    assert_no_secret_in(error)
    del section["microsoft"]
    assert settings.load_access({"auth": section, "access": {"oidc_rules": RULES}}).oidc_providers == ("google",)


def test_oidc_without_rules_or_rules_without_oidc_are_problems() -> None:
    assert "no [[access.oidc_rules]]" in config_error({"auth": complete_auth()}).message
    error = config_error({"access": {"oidc_rules": RULES}})
    assert "there is no [auth] section" in error.message and "client_secret" in error.message


@pytest.mark.parametrize(
    ("users", "expected"),
    [
        ({"eve": {"role": "viewer", "password": "hunter2"}}, "plain password"),
        ({"eve": {"role": "viewer", "password_hash": "hunter2"}}, "1 user in [access.users] lacks a valid argon2 password_hash"),
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


def test_repr_of_the_configuration_holds_no_hash(config: settings.AccessConfig) -> None:
    assert "$argon2" not in repr(config)
    assert "$argon2" not in repr(next(iter(config.users.values())))


# ---- OIDC identities ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oidc_config() -> settings.AccessConfig:
    rules = [
        {"email_domains": ["acme.com"], "role": "viewer", "experiment_tags": {"client": "acme"}},
        {"groups": ["reviewers"], "role": "annotator", "experiment_prefixes": ["Globex"]},
        {"emails": ["Boss@Example.com"], "role": "admin"},
    ]
    return settings.load_access({"auth": complete_auth(), "access": {"oidc_rules": rules, "groups_claim": "roles"}})


def claims(**values) -> dict:
    return {"email_verified": True, "provider": "default", **values}


def test_oidc_identity_maps_to_role_and_grant(oidc_config: settings.AccessConfig) -> None:
    pat = sign_in.oidc_user(oidc_config, claims(email="pat@ACME.com", name="Pat"))
    assert (pat.name, pat.role, pat.via, pat.identity) == ("Pat", "viewer", "oidc", "pat@acme.com")
    assert rules.is_allowed(pat, "view", ACME) and not rules.is_allowed(pat, "view", GLOBEX)
    both = sign_in.oidc_user(oidc_config, claims(email="sam@acme.com", roles=["reviewers"]))
    assert both.role == "annotator" and both.name == both.identity == "sam@acme.com"
    assert rules.is_allowed(both, "annotate", ACME) and rules.is_allowed(both, "annotate", GLOBEX)
    assert sign_in.oidc_user(oidc_config, claims(email="boss@example.com")).role == "admin"


def test_oidc_identity_without_a_matching_rule_gets_nothing(oidc_config: settings.AccessConfig) -> None:
    assert sign_in.oidc_user(oidc_config, claims(email="someone@elsewhere.org", roles=["other"])) is None
    assert sign_in.oidc_user(oidc_config, claims(roles=["reviewers"])) is None  # neither e-mail nor sub: nobody to name
    assert sign_in.oidc_user(oidc_config, claims(email="x@notacme.com")) is None  # domains match whole


def test_oidc_groups_claim_may_be_a_single_string(oidc_config: settings.AccessConfig) -> None:
    assert sign_in.oidc_user(oidc_config, claims(email="kim@other.org", roles="reviewers")).role == "annotator"


@pytest.mark.parametrize("verified", [None, False, "false", "False", 0, "yes", ""])
def test_an_unverified_email_is_not_accepted(oidc_config: settings.AccessConfig, verified) -> None:
    """Anyone can register pat@acme.com at a provider that does not check it: that must not make them Pat."""
    identity = {k: v for k, v in claims(email="pat@acme.com", name="Pat", email_verified=verified).items() if v is not None}
    assert not sign_in.email_trusted(oidc_config, identity)
    assert sign_in.oidc_user(oidc_config, identity) is None


@pytest.mark.parametrize("verified", [True, "true", "TRUE"])
def test_a_verified_email_is_accepted_as_a_bool_or_text(oidc_config: settings.AccessConfig, verified) -> None:
    assert sign_in.oidc_user(oidc_config, claims(email="pat@acme.com", email_verified=verified)).role == "viewer"


def test_providers_that_never_send_email_verified_can_be_trusted_by_name() -> None:
    section = complete_auth(client_id=None, client_secret=None, server_metadata_url=None)
    for name in ("google", "microsoft"):
        section[name] = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "server_metadata_url": f"https://{name}.example/x"}
    access = {
        "oidc_rules": [*RULES, {"groups": ["reviewers"], "role": "annotator"}],
        "oidc": {"trust_unverified_email_providers": ["microsoft"]},
    }
    config = settings.load_access({"auth": section, "access": access})
    assert config.trust_unverified_email == {"microsoft"}
    assert sign_in.oidc_user(config, {"provider": "microsoft", "email": "pat@acme.com"}).identity == "pat@acme.com"
    assert sign_in.oidc_user(config, {"provider": "google", "email": "pat@acme.com"}) is None
    # Without an e-mail, a group rule still names the person by their stable subject id.
    kim = sign_in.oidc_user(config, {"provider": "microsoft", "sub": "00u1abc", "name": "Kim", "groups": ["reviewers"]})
    assert (kim.identity, kim.name, kim.role) == ("00u1abc", "Kim", "annotator")


# ---- command line -----------------------------------------------------------------------------


def test_cli_hash_password_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("pass phrase\n"))
    assert auth.main(["hash-password"]) == 0
    hashed = capsys.readouterr().out.strip()
    config = settings.load_access(password_secrets(z={"password_hash": hashed}))
    assert sign_in.verify_password(config, "z", "pass phrase") is not None


def test_cli_check_names_the_file_and_place_of_a_toml_error(tmp_path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('[access.users.ana]\nrole = viewer\npassword_hash = "$argon2id$secret-ish"\n')
    assert auth.main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"The secrets file {path} is not valid TOML: Invalid value (at line 2, column 8)" in err
    assert "argon2" not in err


def test_cli_check_reports_problems_without_values(tmp_path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(f'[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "{COOKIE_SECRET}"\n')
    assert auth.main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "client_id, client_secret, server_metadata_url" in err and COOKIE_SECRET not in err
    assert auth.main(["check", str(tmp_path / "missing.toml")]) == 0
    assert "local admin" in capsys.readouterr().out
    assert auth.main(["nonsense"]) == 2


def test_the_documented_command_line_runs(tmp_path) -> None:
    """README's `python -m lib.access.auth check FILE` runs the checker (it once did nothing and exited 0)."""
    path = tmp_path / "secrets.toml"
    path.write_text('[access.users.ana]\nrole = viewer\npassword_hash = "$argon2id$secret-ish"\n')
    done = subprocess.run([sys.executable, "-m", "lib.access.auth", "check", str(path)], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 1
    assert "not valid TOML" in done.stderr
