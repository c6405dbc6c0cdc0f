"""App-wide messages: sign-in, links and visibility, unexpected failures."""

from __future__ import annotations

from lib.wording.markdown import escape_markdown

LINK_NOT_AVAILABLE = "This link points to something that does not exist or that you may not see."
NOTHING_SHARED = "No projects have been shared with you yet. Ask the person who invited you to give you access."
EXPLANATION_UNAVAILABLE = "Why the model decided cannot be shown for this run: its model comes from a project you do not have access to."
LOCAL_ADMIN_NOTE = "Local admin: no sign-in is set up, so anyone who can open this address sees every experiment."


def unexpected_error(error_id: str) -> str:
    """What a user sees when something unexpected broke the page (the details are in the server's log)."""
    return (
        "Something went wrong while drawing this page, and it has been recorded. Press Refresh or try again in a moment; "
        f"if it keeps happening, tell whoever runs Sentiment Review and quote the reference **{error_id}**."
    )


def signed_in_as(name: str, role: str) -> str:
    """The sidebar line naming who is signed in."""
    return f"Signed in as **{escape_markdown(name)}** ({role})"


def account_without_access(email: str) -> str:
    """An OIDC sign-in that no rule of the app lets in."""
    who = f"The account {escape_markdown(email)}" if email else "This account"
    return f"{who} has no access to Sentiment Review. Ask the person who invited you, or sign out and use another account."


SIGN_IN_FAILED = "The username or password is not right."
EMAIL_NOT_VERIFIED = (
    "Your account's e-mail address is not confirmed as verified by your sign-in provider, so it cannot be used here. "
    "Verify the address with your provider, or sign out and use another account."
)


def signed_out_idle(hours: float) -> str:
    """Why a password user sees the sign-in page again."""
    return f"You were signed out after {hours:g} hours without activity. Sign in again to continue."
