"""The store: migrations are versioned, a newer store is refused, a locked one named."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from secondfront.errors import StoreError
from secondfront.evidence import store


def test_fresh_store_is_at_the_latest_version(con: duckdb.DuckDBPyConnection) -> None:
    assert store.schema_version(con) == store.SCHEMA_VERSION == store.MIGRATIONS[-1].version
    versions = [
        r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
    ]
    assert versions == [m.version for m in store.MIGRATIONS]


def test_old_store_is_migrated_step_by_step(db: Path) -> None:
    c = duckdb.connect(str(db))
    assert store.migrate(c, target=1) == 1
    tables = {
        r[0] for r in c.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert "gdelt_events" in tables and "observations" not in tables
    c.close()
    c = store.connect(db)
    assert store.schema_version(c) == store.SCHEMA_VERSION
    c.execute("SELECT count(*) FROM observations").fetchone()


def test_newer_store_is_refused(db: Path) -> None:
    c = store.connect(db)
    c.execute("INSERT INTO schema_version (version, description) VALUES (99, 'future')")
    c.close()
    with pytest.raises(StoreError, match=r"schema version 99 is newer.*upgrade secondfront"):
        store.connect(db)


def test_default_path_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(store.ENV_DB, raising=False)
    assert store.default_db_path() == Path("secondfront.duckdb")
    monkeypatch.setenv(store.ENV_DB, str(tmp_path / "x.duckdb"))
    assert store.default_db_path() == tmp_path / "x.duckdb"


def test_read_only_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store here"):
        store.connect(tmp_path / "absent.duckdb", read_only=True)
