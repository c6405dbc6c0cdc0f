"""The sign-in settings read from Streamlit's secrets (``.streamlit/secrets.toml``), failing closed::

    [access.users.alice]                     # password sign-in (hash only, never the password)
    role = "viewer"
    password_hash = "$argon2id$v=19$..."     # python -m lib.access.auth hash-password
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
``all_experiments = true``. Every grant adds; admins see every experiment.

The configuration fails closed: an unknown or misspelt key, a placeholder or weak
``cookie_secret``, or an ``[access]`` section that lets nobody in is an
:class:`AuthConfigError` naming the keys (never the values), and the app serves nothing.
Only secrets without any ``[access]`` and ``[auth]`` section give the single local admin.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from argon2 import extract_parameters
from argon2.exceptions import InvalidHashError

from lib.access.rules import ROLE_RANK, ROLES, Grant
from lib.config import CONFIG_HINT, ConfigError
from lib.wording.counts import agreeing, counted

OIDC_REQUIRED_KEYS = ("redirect_uri", "cookie_secret")
OIDC_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
# A cookie secret signs Streamlit's identity cookie: anyone who knows or guesses it can sign
# in as anyone. 32 characters of a random string, with at least 3 bits of Shannon entropy per
# character as measured on the string itself (a random 32-character hex string has about 3.6,
# token_urlsafe(32) about 5; "aaaa…" has 0 and "abab…" 1), and no spaces (a sentence, such as
# the example's placeholder, is not a random string).
MIN_COOKIE_SECRET_LENGTH = 32
MIN_COOKIE_SECRET_BITS_PER_CHAR = 3.0
MAKE_COOKIE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
# Values the example secrets file holds: never accepted as real settings.
EXAMPLE_PLACEHOLDERS = frozenset(
    {
        "from your identity provider",
        f"a long random string: {MAKE_COOKIE_SECRET}",
        "REPLACE with the output of: python -m lib.access.auth hash-password",
    }
)
# The keys each part of the configuration may hold; anything else is a mistake, not ignored.
GRANT_KEYS = ("experiments", "experiment_prefixes", "experiment_tags", "all_experiments")
ACCESS_KEYS = ("users", "oidc_rules", "groups_claim", "oidc")
USER_KEYS = ("role", "password_hash", *GRANT_KEYS)
OIDC_RULE_KEYS = ("emails", "email_domains", "groups", "role", *GRANT_KEYS)
OIDC_SETTINGS_KEYS = ("trust_unverified_email_providers",)
SECTIONS = ("access", "auth")


class AuthConfigError(ConfigError):
    """Sign-in is configured, but wrongly or incompletely; the message names keys, never values."""


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
    trust_unverified_email: frozenset[str] = frozenset()  # providers whose e-mails count without email_verified

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


def _unknown_keys(entry: Mapping[str, Any], known: tuple[str, ...], where: str, problems: list[str]) -> None:
    """Name every key of ``entry`` not in ``known``, with the closest known one as a guess."""
    for key in entry:
        if key in known:
            continue
        shown = str(key)[:60]
        close = difflib.get_close_matches(str(key), known, n=1)
        guess = f" (did you mean “{close[0]}”?)" if close else ""
        problems.append(f"{where}: unknown key “{shown}”{guess}; the keys it may hold are {', '.join(known)}.")


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
            problems.append(f"{where} holds a plain password: store only its hash (python -m lib.access.auth hash-password).")
            continue
        _unknown_keys(entry, USER_KEYS, where, problems)
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
            f"{counted(bad_hashes, 'user')} in [access.users] {agreeing(bad_hashes, 'lacks')} a valid argon2 password_hash (make one with python -m lib.access.auth hash-password)."
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
        _unknown_keys(entry, OIDC_RULE_KEYS, where, problems)
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
    weakness = cookie_secret_weakness(secret) if secret else None
    if weakness:
        problems.append(
            f"[auth] cookie_secret {weakness}: use a random string of at least {MIN_COOKIE_SECRET_LENGTH} characters ({MAKE_COOKIE_SECRET})."
        )
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
    for where, section in [("[auth]", auth_section)] + [(f"[auth.{name}]", s) for name, s in named.items()]:
        placeholders = [key for key in ("client_id", "client_secret") if str(section.get(key, "")).strip() in EXAMPLE_PLACEHOLDERS]
        if placeholders:
            problems.append(
                f"{where} {', '.join(placeholders)} still hold the example's placeholder text: use the values of your identity provider."
            )
    if missing:
        problems.insert(0, f"[auth] lacks {', '.join(missing)}.")
    return tuple(providers), problems


def cookie_secret_weakness(secret: Any) -> str | None:
    """Why a cookie secret is not good enough (a placeholder, too short, too repetitive), or None; never quotes it."""
    if not isinstance(secret, str):
        return "must be a text"
    if secret.strip() in EXAMPLE_PLACEHOLDERS or any(c.isspace() for c in secret):
        return "is placeholder text, not a random string"
    if len(secret) < MIN_COOKIE_SECRET_LENGTH:
        return "is too short"
    if shannon_bits_per_char(secret) < MIN_COOKIE_SECRET_BITS_PER_CHAR:
        return "is too repetitive to be random"
    return None


def shannon_bits_per_char(text: str) -> float:
    """Shannon entropy of the characters of ``text``, in bits per character (0 for "" or one repeated character)."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) if text else 0.0


def _misplaced_sections(secrets: Mapping[str, Any]) -> list[str]:
    """Top-level tables that look like a misspelt [access] or [auth], or a part of [access] written outside it."""
    problems = []
    for key, value in secrets.items():
        if not isinstance(value, Mapping) or key in SECTIONS:
            continue
        if key in ACCESS_KEYS:
            problems.append(f"[{key}] belongs inside [access]: write [access.{key}…].")
        elif close := difflib.get_close_matches(str(key).casefold(), SECTIONS, n=1, cutoff=0.6):
            problems.append(f"[{str(key)[:60]}] is not a section this app knows (did you mean [{close[0]}]?).")
    return problems


def load_access(secrets: Mapping[str, Any]) -> AccessConfig:
    """The sign-in configuration in ``secrets``; raises AuthConfigError listing every problem.

    ``secrets`` is the parsed secrets.toml (``st.secrets.to_dict()``). Only secrets without
    ``[access]`` and ``[auth]`` give the local-admin configuration.
    """
    problems = _misplaced_sections(secrets)
    access = secrets.get("access") or {}
    if not isinstance(access, Mapping):
        access = {}
        problems.append("[access] must be a table.")
    _unknown_keys(access, ACCESS_KEYS, "[access]", problems)
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
    trusted = _trusted_providers(access.get("oidc"), providers, problems)
    if "access" in secrets and not users and not providers and not problems:
        problems.append("[access] is present but lets nobody sign in: add [access.users.NAME] entries or an [auth] section.")
    if problems:
        raise AuthConfigError("Sign-in is not set up correctly: " + " ".join(problems), CONFIG_HINT)
    return AccessConfig(users, rules, providers, claim, trusted)


def _trusted_providers(raw: Any, providers: tuple[str, ...], problems: list[str]) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, Mapping):
        problems.append("[access.oidc] must be a table.")
        return frozenset()
    _unknown_keys(raw, OIDC_SETTINGS_KEYS, "[access.oidc]", problems)
    trusted = _strings(raw.get("trust_unverified_email_providers"), "trust_unverified_email_providers", "[access.oidc]", problems)
    unknown = [name for name in trusted if name not in providers]
    if unknown:
        problems.append(
            f"[access.oidc] trust_unverified_email_providers names {counted(len(unknown), 'provider')} that [auth] does not set up "
            f"(known: {', '.join(providers) or 'none'})."
        )
    return frozenset(trusted)
