"""The workbench token: what makes one acceptable.

A token guards a workbench bound beyond loopback, so it must be a real secret, not
just long: sixteen spaces, or ``aaaaaaaaaaaaaaaa``, are long and guessable. It also
travels in an ``Authorization`` header, a query parameter and a cookie, so it must be
plain visible ASCII without the characters that end a header or cookie value.

The rule (:data:`TOKEN_RULE`): at least 16 characters, every one a visible ASCII
character other than ``"``, ``,``, ``;`` and ``\\``, and at least 8 different characters
among them. ``python -c "import secrets; print(secrets.token_urlsafe(32))"`` makes one.
"""

from __future__ import annotations

__all__ = ["GENERATE", "MIN_DISTINCT", "MIN_LENGTH", "TOKEN_RULE", "token_problem"]

MIN_LENGTH = 16
MIN_DISTINCT = 8
_FORBIDDEN = frozenset('",;\\')
TOKEN_RULE = (
    f"at least {MIN_LENGTH} characters long, of visible ASCII other than quotes, commas, "
    f"semicolons and backslashes, with at least {MIN_DISTINCT} different characters"
)
GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def token_problem(token: str) -> str | None:
    """What is wrong with ``token`` under :data:`TOKEN_RULE`, or None when it is acceptable."""
    if len(token) < MIN_LENGTH:
        return f"it has {len(token)} characters"
    bad = sorted({ch for ch in token if not ("!" <= ch <= "~") or ch in _FORBIDDEN})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad[:5])
        return f"it contains characters a header or cookie cannot carry ({shown})"
    distinct = len(set(token))
    if distinct < MIN_DISTINCT:
        return f"it has only {distinct} different characters, which is guessable"
    return None
