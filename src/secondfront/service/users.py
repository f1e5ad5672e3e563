"""The workbench's users: a name, a role, and only a hash of their token.

Roles, each allowing what the one before it does:

* ``viewer``: read every page and answer (forecasts and other computations included);
* ``analyst``: also create matrices, rate cells (as themselves), add and change rows;
* ``admin``: also delete matrices and add or revoke users.

A token is ``sf.ID.SECRET``: the user's row id (not a secret; it finds the row without
trying every hash) and 32 random bytes in URL-safe base64. The file keeps a random salt
and ``hashlib.scrypt(SECRET, salt, n=2**14, r=8, p=1)``, a memory-hard function (16 MiB
and tens of milliseconds per try), so a copy of the file does not give the tokens away
cheaply. The token is shown once, when the user is added; a lost one is replaced by
revoking the user and adding them again.

So that a request does not pay the hash each time, a verified token is remembered in
memory by its SHA-256, with the row it matched; the row is read on every request, so a
revocation (from the command line or the API) takes effect on the next request.
"""

from __future__ import annotations

import datetime
import getpass
import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from secondfront.errors import UsageError
from secondfront.service import audit
from secondfront.service.db import connect
from secondfront.service.store import AchStore

ROLES: tuple[str, ...] = ("viewer", "analyst", "admin")
#: A user name: the pattern of an ACH analyst's name, since users rate under it.
NAME_PATTERN = r"^\w(?:[\w .'-]{0,62}[\w.])?$"
#: The user of a workbench without users (loopback, no token or the shared token).
LOCAL = "local"
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}
_PREFIX = "sf"
_CACHE_MAX = 10_000


@dataclass(frozen=True)
class User:
    """Who makes a request.

    Attributes:
        name: the user's name (the analyst of their ratings, the writer in the log).
        role: one of :data:`ROLES`.
        created: ISO timestamp (UTC) of when they were added ("" for the local user).
        revoked: ISO timestamp of the revocation, or None while active.
    """

    name: str
    role: str
    created: str = ""
    revoked: str | None = None

    def can(self, role: str) -> bool:
        """Whether this user's role includes ``role``'s rights."""
        return ROLES.index(self.role) >= ROLES.index(role)


LOCAL_USER = User(LOCAL, "admin")


def command_line_writer() -> str:
    """The writer the audit log names for ``secondfront users`` run in a shell."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid, e.g. in a container
        who = "unknown"
    return f"{who} (command line)"


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, **SCRYPT)


def check_name(name: str) -> None:
    """Refuse a name that could not be an analyst's (UsageError naming the rule)."""
    if not re.fullmatch(NAME_PATTERN, name):
        raise UsageError(
            f"user name {name!r} is not allowed: 1 to 64 letters, digits, spaces and . ' _ -, "
            "beginning with a letter or digit and not ending with a space"
        )


def check_role(role: str) -> None:
    """Refuse a role that is not one of :data:`ROLES`."""
    if role not in ROLES:
        raise UsageError(f"role {role!r} is not one of {', '.join(ROLES)}")


class UserStore:
    """The users of one workbench file.

    Args:
        path: the workbench's SQLite file (created and migrated when needed).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        AchStore(self.path)  # applies the migrations that create the tables
        self._verified: dict[bytes, tuple[int, bytes]] = {}
        self._lock = threading.Lock()

    def add(self, name: str, role: str, *, who: str) -> str:
        """Add user ``name`` with ``role``; return their token (shown once, never stored).

        Raises:
            UsageError: a bad name or role, or an active user of that name.
        """
        check_name(name)
        check_role(role)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        with connect(self.path) as db:
            taken = db.execute(
                "SELECT 1 FROM users WHERE name = ? AND revoked IS NULL", (name,)
            ).fetchone()
            if taken:
                raise UsageError(f"there is already a user {name!r}; revoke them first")
            cur = db.execute(
                "INSERT INTO users (name, role, salt, hash, created) VALUES (?, ?, ?, ?, ?)",
                (name, role, salt, _hash(secret, salt), now),
            )
            audit.record(db, who, "user.add", None, name, None, {"role": role})
        return f"{_PREFIX}.{cur.lastrowid}.{secret}"

    def list(self, include_revoked: bool = False) -> list[User]:
        """Users by name (active ones only unless ``include_revoked``)."""
        sql = "SELECT name, role, created, revoked FROM users"
        if not include_revoked:
            sql += " WHERE revoked IS NULL"
        with connect(self.path) as db:
            return [User(*row) for row in db.execute(sql + " ORDER BY name, id")]

    def active(self) -> int:
        """How many users may sign in."""
        with connect(self.path) as db:
            return int(db.execute("SELECT COUNT(*) FROM users WHERE revoked IS NULL").fetchone()[0])

    def revoke(self, name: str, *, who: str) -> None:
        """Revoke the active user ``name`` (their token stops working at once).

        Raises:
            UsageError: no active user of that name.
        """
        now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        with connect(self.path) as db:
            row = db.execute(
                "SELECT id, role FROM users WHERE name = ? AND revoked IS NULL", (name,)
            ).fetchone()
            if row is None:
                raise UsageError(f"there is no active user {name!r}; see `secondfront users list`")
            db.execute("UPDATE users SET revoked = ? WHERE id = ?", (now, row[0]))
            audit.record(db, who, "user.revoke", None, name, {"role": row[1]}, None)

    def authenticate(self, token: str) -> User | None:
        """The active user whose token this is, or None."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _PREFIX or not parts[1].isdigit() or len(parts[1]) > 18:
            return None
        with connect(self.path) as db:
            row = db.execute(
                "SELECT name, role, created, salt, hash FROM users "
                "WHERE id = ? AND revoked IS NULL",
                (int(parts[1]),),
            ).fetchone()
        if row is None:
            return None
        name, role, created, salt, stored = row
        key = hashlib.sha256(token.encode()).digest()
        remembered = (int(parts[1]), bytes(stored))
        if self._verified.get(key) != remembered:
            if not hmac.compare_digest(_hash(parts[2], salt), stored):
                return None
            with self._lock:
                if len(self._verified) >= _CACHE_MAX:
                    self._verified.clear()
                self._verified[key] = remembered
        return User(name, role, created)


__all__ = [
    "LOCAL",
    "LOCAL_USER",
    "NAME_PATTERN",
    "ROLES",
    "SCRYPT",
    "User",
    "UserStore",
    "check_name",
    "check_role",
    "command_line_writer",
]
