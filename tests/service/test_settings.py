"""The settings table drives ``serve``'s flags and the docs page: neither can drift from it."""

from __future__ import annotations

from pathlib import Path

import typer

from secondfront.cli.app import app
from secondfront.service.settings import SETTINGS, Settings, docs_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def _serve_flags() -> dict[str, tuple[set[str], str]]:
    command = typer.main.get_command(app)
    serve = command.commands["serve"]  # type: ignore[attr-defined]
    return {p.name: (set(p.opts), p.help or "") for p in serve.params}


def test_serve_has_exactly_the_flags_of_the_table() -> None:
    flags = _serve_flags()
    with_flag = {s.name: s for s in SETTINGS if s.flag}
    assert set(flags) == set(with_flag)
    defaults = Settings()
    for name, spec in with_flag.items():
        opts, help_text = flags[name]
        default = getattr(defaults, name)
        # The table's help, and the default where there is one (the option's own
        # default is None: "not given", so the environment may still set it).
        words = spec.help if default is None else f"{spec.help} Default: {default}."
        assert opts == {spec.flag, *spec.aliases} and help_text == words, name


def test_db_means_the_events_store_everywhere() -> None:
    command = typer.main.get_command(app)
    for name in ("serve", "report", "ingest", "timeline", "indicators", "rejects"):
        params = command.commands[name].params  # type: ignore[attr-defined]
        (db,) = [p for p in params if "--db" in p.opts]
        assert "DuckDB" in (db.help or ""), name
    serve = command.commands["serve"].params  # type: ignore[attr-defined]
    assert any("--workbench-db" in p.opts for p in serve)


def test_the_docs_page_is_generated_from_the_table() -> None:
    assert DOCS.read_text(encoding="utf-8") == docs_markdown(), (
        "docs/settings.md is stale: regenerate it from secondfront.service.settings.docs_markdown"
    )
    for spec in SETTINGS:
        assert f"`{spec.env}`" in DOCS.read_text(encoding="utf-8"), spec.name
