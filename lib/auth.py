"""Who may do what to which experiment: roles, experiment grants, password sign-in, config checks.

Streamlit gives identity only (``st.login`` for OIDC); roles and permissions are ours.
One function decides everything: :func:`is_allowed` ``(user, action, experiment)``. Pages,
the sidebar's lists, links, exports and the report all ask it.

Roles, weakest first: ``viewer`` (read-only, may export the client report), ``annotator``
(viewer + annotate + upload), ``admin`` (everything, every experiment). Actions and the
weakest role allowed each are in :data:`ACTIONS`.

Configuration lives in Streamlit's secrets (``.streamlit/secrets.toml``)::

    [access.users.alice]                     # password sign-in (hash only, never the password)
    role = "viewer"
    password_hash = "$argon2id$v=19$..."     # python -m lib.auth hash-password
    experiment_tags = { client = "acme" }    # experiments tagged client=acme

    [[access.oidc_rules]]                    # people signed in with st.login
    email_domains = ["acme.com"]
    role = "viewer"
    experiment_prefixes = ["Acme "]

    [auth]                                   # Streamlit's own OIDC settings (st.login)
    redirect_uri = "https://reviews.example.com/oauth2callback"
    ...

An experiment is granted when its name is listed (``experiments``), starts with a listed
prefix (``experiment_prefixes``), carries a listed tag value (``experiment_tags``), or when
``all_experiments = true``. Every grant adds; admins see every experiment. Without any
``[access]`` users, OIDC rules or ``[auth]`` section, the app runs as one local admin.

Run ``python -m lib.auth hash-password`` to make a hash, ``python -m lib.auth check FILE``
to validate a secrets file.
"""

from __future__ import annotations

import getpass
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import astuple, dataclass, field
from functools import lru_cache
from pathlib import Path
from secrets import token_urlsafe
from typing import Any, Protocol, TypeVar

from argon2 import Parameters, PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

from lib.errors import UserFacingError

ROLES: tuple[str, ...] = ("viewer", "annotator", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
# Each action and the weakest role that may do it.
ACTIONS: Mapping[str, str] = {
    "view": "viewer",  # see an experiment's runs, figures and charts
    "export": "viewer",  # download the client report
    "annotate": "annotator",  # record verdicts and corrected labels
    "upload": "annotator",  # upload a file and log an evaluation run
    "admin": "admin",  # anything else: every experiment, new experiments, any model
}
LOCAL_ADMIN_NAME = "local admin"
OIDC_REQUIRED_KEYS = ("redirect_uri", "cookie_secret")
OIDC_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
MIN_COOKIE_SECRET_LENGTH = 16
SIGN_IN_FAILED = "The username or password is not right."
SIGN_IN_THROTTLED = "Too many failed attempts. Wait a few minutes, then try again."
CONFIG_HINT = "Ask whoever runs this app to fix its secrets.toml (README: “Sign-in, roles and client visibility”)."
_PASSWORD_HASHER = PasswordHasher()


class ExperimentLike(Protocol):
    """What a grant looks at: lib.tracking.ExperimentSummary fits."""

    name: str
    tags: Mapping[str, str]


class AuthConfigError(UserFacingError):
    """Sign-in is configured, but wrongly or incompletely; the message names keys, never values."""


@dataclass(frozen=True)
class Grant:
    """The experiments someone may see: by exact name, name prefix, tag value, or all of them."""

    names: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    tags: frozenset[tuple[str, str]] = frozenset()
    everything: bool = False

    def covers(self, experiment: ExperimentLike) -> bool:
        """True when the experiment falls under this grant."""
        if self.everything or experiment.name in self.names:
            return True
        if any(experiment.name.startswith(prefix) for prefix in self.prefixes):
            return True
        tags = experiment.tags or {}
        return any(tags.get(key) == value for key, value in self.tags)

    def __or__(self, other: Grant) -> Grant:
        return Grant(
            self.names | other.names,
            tuple(dict.fromkeys(self.prefixes + other.prefixes)),
            self.tags | other.tags,
            self.everything or other.everything,
        )


@dataclass(frozen=True)
class User:
    """A signed-in person: name shown (and used for annotations), role, grant, how they signed in."""

    name: str
    role: str
    grant: Grant
    via: str  # "local" (no sign-in configured), "password" or "oidc"

    @property
    def is_local(self) -> bool:
        """True for the single local admin of an app without sign-in."""
        return self.via == "local"


LOCAL_ADMIN = User(LOCAL_ADMIN_NAME, "admin", Grant(everything=True), "local")


@dataclass(frozen=True)
class PasswordUser:
    """One entry of ``[access.users]``; the hash is kept out of repr()."""

    username: str
    role: str
    grant: Grant
    password_hash: str = field(repr=False)


@dataclass(frozen=True)
class OidcRule:
    """Who an ``[[access.oidc_rules]]`` entry matches, and what it grants."""

    emails: frozenset[str]
    email_domains: frozenset[str]
    groups: frozenset[str]
    role: str
    grant: Grant

    def matches(self, email: str, groups: frozenset[str]) -> bool:
        """True when the e-mail (case-insensitive), its domain or one of the groups is listed."""
        email = email.strip().casefold()
        domain = email.rpartition("@")[2] if "@" in email else ""
        return email in self.emails or bool(domain and domain in self.email_domains) or bool(self.groups & groups)


@dataclass(frozen=True)
class AccessConfig:
    """Everything about sign-in that the app reads from its secrets (no secret values)."""

    users: Mapping[str, PasswordUser] = field(default_factory=dict, repr=False)  # key: casefolded username
    oidc_rules: tuple[OidcRule, ...] = ()
    oidc_providers: tuple[str, ...] = ()  # "default" for a provider configured directly in [auth]
    groups_claim: str = "groups"

    @property
    def is_local(self) -> bool:
        """True when nothing is configured: the app runs as a single local admin."""
        return not self.users and not self.oidc_providers

    @property
    def password_sign_in(self) -> bool:
        """True when people can sign in with a username and password."""
        return bool(self.users)

    @property
    def oidc_sign_in(self) -> bool:
        """True when people can sign in through an OIDC provider (st.login)."""
        return bool(self.oidc_providers)


# ---- the one decision ------------------------------------------------------------------


def is_allowed(user: User | None, action: str, experiment: ExperimentLike | None) -> bool:
    """May ``user`` do ``action`` to ``experiment``?

    Nobody signed in may do nothing. The role must reach the action's weakest role (see
    :data:`ACTIONS`). With ``experiment=None`` only the role counts ("may this person
    upload at all?"); otherwise admins may act on every experiment and everyone else on
    the experiments their grant covers.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    if user is None or user.role not in ROLE_RANK:
        return False
    if ROLE_RANK[user.role] < ROLE_RANK[ACTIONS[action]]:
        return False
    if experiment is None or user.role == "admin":
        return True
    return user.grant.covers(experiment)


E = TypeVar("E", bound=ExperimentLike)


def visible_experiments(user: User | None, experiments: Iterable[E], action: str = "view") -> list[E]:
    """The experiments ``user`` may ``action`` (default: see), in their original order."""
    return [experiment for experiment in experiments if is_allowed(user, action, experiment)]


# ---- reading the configuration ---------------------------------------------------------


def _strings(value: Any, key: str, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: “{key}” must be a list of texts.")
        return ()
    return tuple(v for v in value)


def _grant(entry: Mapping[str, Any], where: str, problems: list[str]) -> Grant:
    names = _strings(entry.get("experiments"), "experiments", where, problems)
    prefixes = _strings(entry.get("experiment_prefixes"), "experiment_prefixes", where, problems)
    if any(not p.strip() for p in prefixes):
        problems.append(f"{where}: an empty experiment prefix would grant every experiment; use all_experiments = true instead.")
        prefixes = tuple(p for p in prefixes if p.strip())
    raw_tags = entry.get("experiment_tags") or {}
    tags: set[tuple[str, str]] = set()
    if isinstance(raw_tags, Mapping):
        for key, value in raw_tags.items():
            for one in value if isinstance(value, list) else [value]:
                tags.add((str(key), str(one)))
    elif isinstance(raw_tags, list) and all(isinstance(t, str) and "=" in t for t in raw_tags):
        tags = {tuple(part.strip() for part in t.split("=", 1)) for t in raw_tags}  # "client=acme"
    else:
        problems.append(f'{where}: “experiment_tags” must be a table such as {{ client = "acme" }}.')
    everything = entry.get("all_experiments", False)
    if not isinstance(everything, bool):
        problems.append(f"{where}: “all_experiments” must be true or false.")
        everything = False
    return Grant(frozenset(names), prefixes, frozenset(tags), everything)


def _role(entry: Mapping[str, Any], where: str, problems: list[str]) -> str:
    role = entry.get("role", "viewer")
    if role not in ROLE_RANK:
        problems.append(f"{where}: role must be one of {', '.join(ROLES)}.")
        return "viewer"
    return role


def _password_users(raw: Any, problems: list[str]) -> dict[str, PasswordUser]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append("[access.users] must hold one table per user, such as [access.users.alice].")
        return {}
    users: dict[str, PasswordUser] = {}
    bad_hashes = 0
    for username, entry in raw.items():
        where = f"[access.users.{username}]"
        if not isinstance(entry, Mapping):
            problems.append(f"{where} must be a table with role and password_hash.")
            continue
        if "password" in entry:
            problems.append(f"{where} holds a plain password: store only its hash (python -m lib.auth hash-password).")
            continue
        password_hash = entry.get("password_hash")
        if not isinstance(password_hash, str) or not _is_argon2_hash(password_hash):
            bad_hashes += 1
            continue
        key = str(username).strip().casefold()
        if key in users:
            problems.append(f"{where}: two users have this name (names are not case-sensitive).")
            continue
        users[key] = PasswordUser(str(username).strip(), _role(entry, where, problems), _grant(entry, where, problems), password_hash)
    if bad_hashes:
        problems.append(
            f"{bad_hashes} user(s) in [access.users] lack a valid argon2 password_hash (make one with python -m lib.auth hash-password)."
        )
    return users


def _is_argon2_hash(value: str) -> bool:
    try:
        extract_parameters(value)
    except (InvalidHashError, ValueError):
        return False
    return True


def _oidc_rules(raw: Any, problems: list[str]) -> tuple[OidcRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append("access.oidc_rules must be a list of tables: write each rule as [[access.oidc_rules]].")
        return ()
    rules = []
    for number, entry in enumerate(raw, start=1):
        where = f"OIDC rule {number} ([[access.oidc_rules]])"
        if not isinstance(entry, Mapping):
            problems.append(f"{where} must be a table.")
            continue
        emails = frozenset(e.strip().casefold() for e in _strings(entry.get("emails"), "emails", where, problems))
        domains = frozenset(
            d.strip().casefold().lstrip("@") for d in _strings(entry.get("email_domains"), "email_domains", where, problems)
        )
        groups = frozenset(_strings(entry.get("groups"), "groups", where, problems))
        if not (emails or domains or groups):
            problems.append(f"{where} matches nobody: give emails, email_domains or groups.")
            continue
        rules.append(OidcRule(emails, domains, groups, _role(entry, where, problems), _grant(entry, where, problems)))
    return tuple(rules)


def oidc_problems(auth_section: Any) -> tuple[tuple[str, ...], list[str]]:
    """Provider names of an ``[auth]`` section and what is missing or wrong in it (names only, never values)."""
    if not isinstance(auth_section, Mapping):
        return (), ["[auth] must be a table."]
    missing = [key for key in OIDC_REQUIRED_KEYS if not auth_section.get(key)]
    problems = []
    redirect = auth_section.get("redirect_uri")
    if isinstance(redirect, str) and redirect and not redirect.rstrip().endswith("/oauth2callback"):
        problems.append("[auth] redirect_uri must end with /oauth2callback (the address Streamlit listens on for the provider's answer).")
    secret = auth_section.get("cookie_secret")
    if isinstance(secret, str) and secret and len(secret) < MIN_COOKIE_SECRET_LENGTH:
        problems.append(f"[auth] cookie_secret is too short: use a random string of at least {MIN_COOKIE_SECRET_LENGTH} characters.")
    # Tables in [auth] are providers ([auth.google]); client_kwargs is the default provider's own.
    named = {name: s for name, s in auth_section.items() if isinstance(s, Mapping) and name != "client_kwargs"}
    providers: list[str] = []
    if any(key in auth_section for key in OIDC_PROVIDER_KEYS) or not named:
        providers.append("default")
        missing += [key for key in OIDC_PROVIDER_KEYS if not auth_section.get(key)]
    for name, section in named.items():
        if "_" in name:
            problems.append(f"[auth.{name}]: provider names cannot contain an underscore.")
        lacking = [key for key in OIDC_PROVIDER_KEYS if not section.get(key) and not auth_section.get(key)]
        if lacking:
            problems.append(f"[auth.{name}] lacks {', '.join(lacking)}.")
        providers.append(name)
    if missing:
        problems.insert(0, f"[auth] lacks {', '.join(missing)}.")
    return tuple(providers), problems


def load_access(secrets: Mapping[str, Any]) -> AccessConfig:
    """The sign-in configuration in ``secrets``; raises AuthConfigError listing every problem.

    ``secrets`` is the parsed secrets.toml (``st.secrets.to_dict()``). Nothing configured
    gives the local-admin configuration.
    """
    problems: list[str] = []
    access = secrets.get("access") or {}
    if not isinstance(access, Mapping):
        access, problems = {}, ["[access] must be a table."]
    users = _password_users(access.get("users"), problems)
    rules = _oidc_rules(access.get("oidc_rules"), problems)
    providers: tuple[str, ...] = ()
    if "auth" in secrets:
        providers, found = oidc_problems(secrets["auth"])
        problems += found
    elif rules:
        problems.append(
            f"OIDC rules are given but there is no [auth] section: it needs {', '.join(OIDC_REQUIRED_KEYS + OIDC_PROVIDER_KEYS)}."
        )
    if providers and not rules:
        problems.append("[auth] is set up but no [[access.oidc_rules]] says who may come in: everyone would be turned away.")
    claim = access.get("groups_claim", "groups")
    if not isinstance(claim, str) or not claim:
        problems.append("access.groups_claim must be the name of the claim holding a person's groups.")
        claim = "groups"
    if problems:
        raise AuthConfigError("Sign-in is not set up correctly: " + " ".join(problems), CONFIG_HINT)
    return AccessConfig(users, rules, providers, claim)


# ---- signing in -------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _dummy_hash(parameters: tuple) -> str:
    """A hash of a random password made at the given cost, to verify against for unknown names."""
    return PasswordHasher.from_parameters(Parameters(*parameters)).hash(token_urlsafe(16))


def _dummy_hash_for(config: AccessConfig) -> str:
    # Same cost as a real user's hash, so an unknown name takes as long as a wrong password.
    some_user = next(iter(config.users.values()), None)
    return _dummy_hash(astuple(extract_parameters(some_user.password_hash if some_user else hash_password(token_urlsafe(16)))))


def verify_password(config: AccessConfig, username: str, password: str) -> User | None:
    """The user when the password is right, else None, taking about the same time for unknown names.

    The caller shows :data:`SIGN_IN_FAILED` for every None: whether the name exists or the
    password is wrong is never told apart.
    """
    entry = config.users.get(username.strip().casefold())
    hashed = entry.password_hash if entry else _dummy_hash_for(config)
    try:
        _PASSWORD_HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return None
    if entry is None:  # cannot happen with a random dummy password; never let it sign anyone in
        return None
    return User(entry.username, entry.role, entry.grant, "password")


def password_user(config: AccessConfig, username: str) -> User | None:
    """The current role and grant of a password user already signed in (None once removed)."""
    entry = config.users.get(username.strip().casefold())
    return None if entry is None else User(entry.username, entry.role, entry.grant, "password")


def oidc_user(config: AccessConfig, claims: Mapping[str, Any]) -> User | None:
    """The user an OIDC identity maps to (highest matching role, union of grants), or None when no rule matches."""
    email = str(claims.get("email") or "").strip()
    raw_groups = claims.get(config.groups_claim) or []
    groups = frozenset([raw_groups] if isinstance(raw_groups, str) else (str(g) for g in raw_groups))
    matching = [rule for rule in config.oidc_rules if rule.matches(email, groups)]
    if not email or not matching:
        return None
    role = max((rule.role for rule in matching), key=ROLE_RANK.__getitem__)
    grant = Grant()
    for rule in matching:
        grant = grant | rule.grant
    name = str(claims.get("name") or email).strip()
    return User(name, role, grant, "oidc")


class SignInThrottle:
    """Refuses a username (known or not) for a while after repeated failed passwords.

    Kept per process; names are casefolded, so unknown names are throttled like real ones
    and the refusal reveals nothing about which exist.
    """

    def __init__(self, max_failures: int = 5, window_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window_s, self._clock = max_failures, window_s, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(key, []) if now - t < self.window_s]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    def blocked(self, username: str) -> bool:
        """True while this name has had too many recent failures."""
        with self._lock:
            return len(self._recent(username.strip().casefold(), self._clock())) >= self.max_failures

    def failed(self, username: str) -> None:
        """Record one failed attempt."""
        with self._lock:
            now = self._clock()
            if len(self._failures) > 10_000:  # bound memory against floods of made-up names
                for key in list(self._failures):
                    self._recent(key, now)
            key = username.strip().casefold()
            self._failures[key] = [*self._recent(key, now), now]

    def succeeded(self, username: str) -> None:
        """Forget the failures of a name that signed in."""
        with self._lock:
            self._failures.pop(username.strip().casefold(), None)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` for secrets.toml."""
    if not password:
        raise ValueError("an empty password cannot be hashed")
    return _PASSWORD_HASHER.hash(password)


# ---- command line ------------------------------------------------------------------------

_USAGE = """usage: python -m lib.auth hash-password   print an argon2 hash of a password typed twice (or one line on stdin)
       python -m lib.auth check [FILE]    validate the sign-in settings of a secrets file (default .streamlit/secrets.toml)"""


def main(argv: list[str] | None = None) -> int:
    """``hash-password`` or ``check``; returns the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["hash-password"]:
        if sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if getpass.getpass("Again: ") != password:
                print("The two passwords differ.", file=sys.stderr)
                return 1
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            print("An empty password cannot be used.", file=sys.stderr)
            return 1
        print(hash_password(password))
        return 0
    if args[:1] == ["check"]:
        from lib.config import SECRETS_FILE

        path = Path(args[1]) if len(args) > 1 else SECRETS_FILE
        try:
            config = load_access(tomllib.loads(path.read_text()) if path.is_file() else {})
        except AuthConfigError as error:
            print(error.message, file=sys.stderr)
            return 1
        if config.is_local:
            print(f"{path}: no sign-in configured; the app runs as a single local admin.")
        else:
            print(
                f"{path}: {len(config.users)} password user(s), {len(config.oidc_rules)} OIDC rule(s), providers: {', '.join(config.oidc_providers) or 'none'}."
            )
        return 0
    print(_USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
