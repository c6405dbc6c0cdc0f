"""Who may do what to which experiment: roles, actions, grants and the one decision.

Streamlit gives identity only (``st.login`` for OIDC); roles and permissions are ours.
One function decides everything: :func:`is_allowed` ``(user, action, experiment)``. Pages,
the sidebar's lists, links, exports and the report all ask it.

Roles, weakest first: ``viewer`` (read-only, may export the client report), ``annotator``
(viewer + annotate + upload), ``admin`` (everything, every experiment). Actions and the
weakest role allowed each are in :data:`ACTIONS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

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


class ExperimentLike(Protocol):
    """What a grant looks at: lib.stores.tracking.ExperimentSummary fits."""

    name: str
    tags: Mapping[str, str]


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
    """A signed-in person: name shown, role, grant, how they signed in, and who they stably are."""

    name: str  # shown: the display name (OIDC) or the user name (password)
    role: str
    grant: Grant
    via: str  # "local" (no sign-in configured), "password" or "oidc"
    identity: str = ""  # stable: the e-mail (or ``sub``) for OIDC, the user name for password; "" for the local admin

    @property
    def is_local(self) -> bool:
        """True for the single local admin of an app without sign-in."""
        return self.via == "local"


LOCAL_ADMIN = User(LOCAL_ADMIN_NAME, "admin", Grant(everything=True), "local")


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
