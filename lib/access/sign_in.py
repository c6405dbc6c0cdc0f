"""Signing in: checking passwords, mapping an OIDC identity to a user, hashing passwords for the secrets file.

OIDC identities count only when the provider says the e-mail is verified
(``email_verified``), unless ``[access.oidc] trust_unverified_email_providers`` lists the
provider (for providers that never send the claim). A person is identified by their e-mail
(or ``sub`` without one); the display name is only shown. Failed sign-ins are counted by
:mod:`lib.access.sign_in_throttle`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple
from functools import lru_cache
from secrets import token_urlsafe
from typing import Any

from argon2 import Parameters, PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

from lib.access.rules import ROLE_RANK, Grant, User
from lib.access.settings import AccessConfig

_PASSWORD_HASHER = PasswordHasher()


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

    The caller shows ``lib.wording.app_narrative.SIGN_IN_FAILED`` for every None: whether the name exists or the
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
    return User(entry.username, entry.role, entry.grant, "password", entry.username)


def password_user(config: AccessConfig, username: str) -> User | None:
    """The current role and grant of a password user already signed in (None once removed)."""
    entry = config.users.get(username.strip().casefold())
    return None if entry is None else User(entry.username, entry.role, entry.grant, "password", entry.username)


def email_trusted(config: AccessConfig, claims: Mapping[str, Any]) -> bool:
    """True when the provider verified the e-mail (``email_verified``) or is trusted without that claim."""
    verified = claims.get("email_verified")
    if verified is True or (isinstance(verified, str) and verified.strip().casefold() == "true"):
        return True
    return str(claims.get("provider") or "default") in config.trust_unverified_email


def oidc_user(config: AccessConfig, claims: Mapping[str, Any]) -> User | None:
    """The user an OIDC identity maps to (highest matching role, union of grants).

    None when the e-mail is not trusted (see :func:`email_trusted`), when the identity has
    neither e-mail nor ``sub``, or when no rule matches.
    """
    if not email_trusted(config, claims):
        return None
    email = str(claims.get("email") or "").strip().casefold()
    identity = email or str(claims.get("sub") or "").strip()
    raw_groups = claims.get(config.groups_claim) or []
    groups = frozenset([raw_groups] if isinstance(raw_groups, str) else (str(g) for g in raw_groups))
    matching = [rule for rule in config.oidc_rules if rule.matches(email, groups)]
    if not identity or not matching:
        return None
    role = max((rule.role for rule in matching), key=ROLE_RANK.__getitem__)
    grant = Grant()
    for rule in matching:
        grant = grant | rule.grant
    name = str(claims.get("name") or "").strip() or identity
    return User(name, role, grant, "oidc", identity)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` for secrets.toml."""
    if not password:
        raise ValueError("an empty password cannot be hashed")
    return _PASSWORD_HASHER.hash(password)
