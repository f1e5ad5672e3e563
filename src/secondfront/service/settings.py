"""The workbench's settings, in one declarative table.

Every setting has a command-line flag of ``secondfront serve`` (where it makes sense
to type one), an environment variable and a default; the table below is the single
place they are written. :meth:`Settings.from_env` reads the variables from it,
``secondfront serve`` takes its flag names and help from it (:func:`setting`), and
``docs/settings.md`` is generated from it (:func:`docs_markdown`). Tests fail when a
setting lacks help, when ``serve`` has a flag the table does not list (or misses one
it lists), and when the docs page differs from the table.

The token is read from the environment only: a flag would show it to every user of
the machine in the process list.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from secondfront.errors import UsageError
from secondfront.service.token import GENERATE, TOKEN_RULE, token_problem


@dataclass(frozen=True)
class SettingSpec:
    """One row of the settings table.

    Attributes:
        name: the field of :class:`Settings`.
        env: the environment variable that sets it.
        flag: the ``secondfront serve`` option, or ``""`` for environment-only settings.
        help: one line for ``--help`` and the docs.
        aliases: older spellings of the flag that still work.
    """

    name: str
    env: str
    flag: str
    help: str
    aliases: tuple[str, ...] = ()


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "host",
        "SECONDFRONT_HOST",
        "--host",
        "Address to bind; anything but loopback serves only users (see --users).",
    ),
    SettingSpec("port", "SECONDFRONT_PORT", "--port", "TCP port."),
    SettingSpec(
        "workbench_db",
        "SECONDFRONT_WORKBENCH_DB",
        "--workbench-db",
        "SQLite file holding saved ACH matrices (created when missing).",
    ),
    SettingSpec(
        "events_db",
        "SECONDFRONT_DB",
        "--db",
        "DuckDB events store the Timeline and reports read (as the evidence commands' "
        "--db); never created.",
        aliases=("--events-db",),
    ),
    SettingSpec(
        "models_dir",
        "SECONDFRONT_WORKBENCH_MODELS",
        "--models-dir",
        "Only serve models from this folder (default: the usual model folders).",
    ),
    SettingSpec(
        "users",
        "SECONDFRONT_USERS",
        "--users",
        "Every request must carry a user's token (from `secondfront users add`); "
        "always on beyond loopback.",
    ),
    SettingSpec(
        "token",
        "SECONDFRONT_TOKEN",
        "",
        "Single-user shared secret on loopback; when set, every request must carry it "
        "(header, cookie or ?token= once); 16+ visible ASCII characters, 8+ of them different.",
    ),
    SettingSpec(
        "certfile",
        "SECONDFRONT_CERTFILE",
        "--certfile",
        "TLS certificate (PEM) to serve https; needs --keyfile.",
    ),
    SettingSpec(
        "keyfile",
        "SECONDFRONT_KEYFILE",
        "--keyfile",
        "TLS private key (PEM) of --certfile.",
    ),
    SettingSpec(
        "max_body_bytes",
        "SECONDFRONT_MAX_BODY_BYTES",
        "",
        "Largest request body accepted, in bytes.",
    ),
    SettingSpec(
        "max_batch", "SECONDFRONT_MAX_BATCH", "", "Most evidence sets in one batch request."
    ),
)


@dataclass(frozen=True)
class Settings:
    """Configuration of one workbench instance.

    Attributes:
        host: address uvicorn binds.
        port: TCP port.
        workbench_db: the SQLite file of the ACH store (the workbench's own file).
        events_db: the DuckDB file of ingested events that the Timeline page, its API
            and the report read. The same flag, variable and default as the evidence
            commands (``secondfront ingest --db``), so a store filled there shows here
            without a flag. The workbench opens it only while answering a request and
            never creates it.
        models_dir: serve only models from this folder; ``None`` means the package's
            model folders (``$SECONDFRONT_MODELS``, ``./models``, the checkout's ``models/``).
        users: require a user's token on every request (implied beyond loopback).
        token: shared secret required on every request when set (loopback only).
        certfile: TLS certificate (PEM); with ``keyfile``, the service speaks https.
        keyfile: the certificate's private key (PEM).
        max_body_bytes: request bodies above this size are refused with 413.
        max_batch: batch requests with more rows are refused with 422.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    workbench_db: Path = Path("secondfront-workbench.sqlite3")
    events_db: Path = Path("secondfront.duckdb")
    models_dir: Path | None = None
    users: bool = False
    token: str | None = None
    certfile: Path | None = None
    keyfile: Path | None = None
    max_body_bytes: int = 1_048_576
    max_batch: int = 1000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from the environment, then ``overrides`` (``None`` values ignored)."""
        env = os.environ if env is None else env
        types = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for spec in SETTINGS:
            raw = env.get(spec.env)
            if raw:
                values[spec.name] = _convert(spec, str(types[spec.name]), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = replace(cls(), **values)
        settings.check()
        return settings

    @property
    def loopback(self) -> bool:
        """True when ``host`` only accepts connections from this machine."""
        return is_loopback(self.host)

    @property
    def auth(self) -> str:
        """How requests are identified: ``"users"`` (each carries a user's token),
        ``"token"`` (the loopback shared secret) or ``"local"`` (loopback, no token)."""
        if self.users or not self.loopback:
            return "users"
        return "token" if self.token else "local"

    def check(self) -> None:
        """Refuse configurations that would expose the service to anonymous users."""
        if self.auth == "users" and self.token:
            raise UsageError(
                f"SECONDFRONT_TOKEN is a single shared secret for one person on loopback; "
                f"serving {self.host!r} with users, each person has their own token "
                "(`secondfront users add NAME --role ROLE`). Unset SECONDFRONT_TOKEN."
            )
        if (self.certfile is None) != (self.keyfile is None):
            raise UsageError("--certfile and --keyfile go together: give both or neither")
        for tls in (self.certfile, self.keyfile):
            if tls is not None and not tls.is_file():
                raise UsageError(f"{tls}: no such file (TLS certificate or key)")
        problem = token_problem(self.token) if self.token is not None else None
        if problem is not None:
            raise UsageError(
                f"SECONDFRONT_TOKEN must be {TOKEN_RULE}; {problem}. Make one with {GENERATE}"
            )
        if self.max_body_bytes < 1024 or self.max_batch < 1:
            raise UsageError("max_body_bytes must be >= 1024 and max_batch >= 1")


def setting(name: str) -> SettingSpec:
    """The table's row for setting ``name`` (KeyError when there is none)."""
    for spec in SETTINGS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def env_setting(name: str, env: Mapping[str, str] | None = None) -> str:
    """The environment variable of setting ``name``, stripped (``""`` when unset), for a
    command that needs one setting without validating them all."""
    return (os.environ if env is None else env).get(setting(name).env, "").strip()


def docs_markdown() -> str:
    """``docs/settings.md``: every setting with its flag, variable, default and help."""
    defaults = Settings()
    lines = [
        "# Settings",
        "",
        "Every setting and environment variable, in three tables, each the only place its",
        "variables are named.",
        "",
        "# Workbench settings",
        "",
        "Generated from `secondfront.service.settings.SETTINGS` by `docs_markdown()`; do not",
        "edit by hand (a test compares this page with the table).",
        "A flag of `secondfront serve` wins over the environment variable, which wins over "
        "the default.",
        "",
        "| Setting | Flag | Environment variable | Default | What it does |",
        "|---|---|---|---|---|",
    ]
    for spec in SETTINGS:
        flag = ", ".join(f"`{f}`" for f in (spec.flag, *spec.aliases) if f) or "(environment only)"
        default = getattr(defaults, spec.name)
        shown = "none" if default is None else f"`{default}`"
        lines.append(f"| `{spec.name}` | {flag} | `{spec.env}` | {shown} | {spec.help} |")
    return "\n".join([*lines, *_library_sections()]) + "\n"


def _library_sections() -> list[str]:
    """The library's own variables and the input limits, from their tables."""
    from secondfront.environment import ENVIRONMENT
    from secondfront.model.limits import LIMITS

    lines = [
        "",
        "# Library environment",
        "",
        "Read by the commands and the library, from `secondfront.environment.ENVIRONMENT`.",
        "",
        "| Environment variable | Default | What it does |",
        "|---|---|---|",
    ]
    for var in ENVIRONMENT:
        lines.append(f"| `{var.name}` | {var.default or 'none'} | {var.help} |")
    lines += [
        "",
        "# Limits on untrusted input",
        "",
        "From `secondfront.model.limits.LIMITS`; K, M and G suffixes are powers of 1024.",
        "",
        "| Environment variable | Default | Unit | What it limits |",
        "|---|---|---|---|",
    ]
    for lim in LIMITS:
        lines.append(f"| `{lim.env}` | `{lim.default}` | {lim.unit} | {lim.help} |")
    return lines


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _convert(spec: SettingSpec, type_name: str, raw: str) -> Any:
    if "bool" in type_name:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise UsageError(f"{spec.env}={raw!r} is not one of 1, 0, true, false, yes, no")
    if "int" in type_name:
        try:
            return int(raw)
        except ValueError:
            raise UsageError(f"{spec.env}={raw!r} is not an integer") from None
    if "Path" in type_name:
        return Path(raw)
    return raw


__all__ = [
    "SETTINGS",
    "SettingSpec",
    "Settings",
    "docs_markdown",
    "env_setting",
    "is_loopback",
    "setting",
]
