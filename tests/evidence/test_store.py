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


def _v2_store_with_gdelt(db: Path, path: Path) -> int:
    """A store at schema version 2 holding ``path``'s events as version 2 stored them.

    Returns the number of events. The rows are written with SQL in the layout of
    version 2 (34 columns, per-file facts on every row), since the code that wrote
    them is gone.
    """
    from secondfront.evidence.gdelt import COLUMNS_2
    from secondfront.evidence.ingest import file_digest

    c = duckdb.connect(str(db))
    assert store.migrate(c, target=2) == 2
    sha = file_digest(path)
    c.execute(
        "INSERT INTO ingests VALUES (7, ?, ?, 'gdelt', now(), now(), 300, 300, 0, 0)",
        [str(path), sha],
    )
    pos = {name: i for i, name in enumerate(COLUMNS_2, 1)}
    v2 = {
        "globaleventid": "GLOBALEVENTID::BIGINT",
        "sqldate": "strptime(SQLDATE, '%Y%m%d')::DATE",
        "actor1code": "Actor1Code",
        "actor1name": "Actor1Name",
        "actor1countrycode": "Actor1CountryCode",
        "actor1type1code": "Actor1Type1Code",
        "actor2code": "Actor2Code",
        "actor2name": "Actor2Name",
        "actor2countrycode": "Actor2CountryCode",
        "eventcode": "EventCode",
        "eventrootcode": "EventRootCode",
        "quadclass": "QuadClass::INTEGER",
        "goldsteinscale": "GoldsteinScale::DOUBLE",
        "numsources": "NumSources::INTEGER",
        "numarticles": "NumArticles::INTEGER",
        "actiongeo_fullname": "ActionGeo_FullName",
        "actiongeo_countrycode": "ActionGeo_CountryCode",
        "actiongeo_adm1code": "ActionGeo_ADM1Code",
        "dateadded": "DATEADDED",
        "sourceurl": "SOURCEURL",
    }
    columns = ", ".join(f"'{name}': 'VARCHAR'" for name in pos)
    c.execute(
        f"INSERT INTO gdelt_events ({', '.join(v2)}, gdelt_version, path, line, file_sha256) "
        f"SELECT {', '.join(v2.values())}, '2.0', ?, row_number() OVER (), ? "
        f"FROM read_csv(?, columns = {{{columns}}}, delim = '\t', quote = '', header = false, "
        "auto_detect = false)",
        [str(path), sha, str(path)],
    )
    n = c.execute("SELECT count(*) FROM gdelt_events").fetchone()
    c.close()
    assert n is not None
    return int(n[0])


def test_v2_gdelt_store_migrates_to_a_file_table(db: Path, tmp_path: Path) -> None:
    from secondfront.evidence.ingest import file_digest, ingest
    from tests.evidence.conftest import gdelt_generator

    gen = gdelt_generator()
    path = gen.write(tmp_path / "old.export.CSV", 300)
    n = _v2_store_with_gdelt(db, path)
    assert n == 300
    before = duckdb.connect(str(db))
    old = before.execute(
        "SELECT globaleventid, line, eventcode, actor1name, sourceurl, numsources "
        "FROM gdelt_events ORDER BY ALL"
    ).fetchall()
    before.close()

    c = store.connect(db)
    assert store.schema_version(c) == store.SCHEMA_VERSION >= 3
    # Per-file facts live once in gdelt_files; the events keep their values and lines.
    assert c.execute(
        "SELECT file_id, file_sha256, path, gdelt_version, ingest_id FROM gdelt_files"
    ).fetchall() == [(1, file_digest(path), str(path), "2.0", 7)]
    columns = {r[0] for r in c.execute("DESCRIBE gdelt_events").fetchall()}
    assert {"file_id", "eventcode", "sourceurl"} <= columns
    assert not {"file_sha256", "path", "gdelt_version", "actiongeo_fullname", "line"} & columns
    # Lines moved to gdelt_lines (schema version 5), one per event.
    assert (
        c.execute(
            "SELECT globaleventid, line, eventcode, actor1name, sourceurl, numsources "
            "FROM gdelt_events JOIN gdelt_lines USING (file_id, globaleventid) ORDER BY ALL"
        ).fetchall()
        == old
    )
    # Idempotence carries over: the same bytes again are all duplicates...
    again = ingest(c, [path]).total
    assert (again.read, again.accepted, again.duplicates) == (300, 0, 300)
    # ...and a new file gets a new id (ids are not dense: a fast-path attempt that is
    # rolled back still uses one), its rows stored beside the migrated ones.
    new = gen.write(tmp_path / "new.export.CSV", 50, seed=11, first_id=800_000_000)
    added = ingest(c, [new]).total
    assert (added.read, added.accepted, added.duplicates) == (50, 50, 0)
    assert c.execute(
        "SELECT count(*), count(*) FILTER (WHERE file_id > 1) FROM gdelt_files"
    ).fetchone() == (2, 1)
    assert c.execute("SELECT count(*) FROM gdelt_events").fetchone() == (350,)
    c.close()


def test_v5_store_migrates_quarantine_keys_and_text_identity(db: Path, tmp_path: Path) -> None:
    # A store at schema version 5: quarantine keyed by (file, line), and a news item
    # without a URL stored twice from two copies of its file (keyed by their paths).
    import hashlib

    from secondfront.evidence.ingest import ingest, rejects

    c = duckdb.connect(str(db))
    assert store.migrate(c, target=5) == 5
    c.execute(
        "INSERT INTO quarantine VALUES ('f1', 'feed.rss', 4, 'text', '<item/>', 'no date', 1)"
    )
    for path in ("/a/note.txt", "/b/note.txt"):
        url = Path(path).as_uri()
        key = hashlib.sha256(f"{url}\x00T\x00The troops moved.".encode()).hexdigest()
        c.execute(
            "INSERT INTO text_items VALUES (?, ?, DATE '2022-02-21', 'en', 'note', 'T', "
            "'The troops moved.', 'text', ?, 1, ?)",
            [key, url, path, "sha-" + path],
        )
    c.execute(
        "INSERT INTO observations VALUES ('x', 'text', 'k', 'r', 'i', DATE '2022-02-21', 1, 'F3')"
    )
    c.close()

    c = store.connect(db)
    assert store.schema_version(c) == store.SCHEMA_VERSION >= 7
    assert c.execute("SELECT file_sha256, line, item, reason FROM quarantine").fetchall() == [
        ("f1", 4, 0, "no date")
    ]
    content = hashlib.sha256(b"\x00T\x00The troops moved.").hexdigest()
    keys = [r[0] for r in c.execute("SELECT item_sha256 FROM text_items ORDER BY path").fetchall()]
    assert keys[0] == content and keys[1] != content  # the first copy re-keyed, none lost
    assert c.execute("SELECT count(*) FROM observations").fetchone() == (0,)
    # Two rejects on one line of one file now keep their own entries.
    feed = tmp_path / "min.rss"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<language>en</language><item><title>a</title><description>The a.</description></item>"
        "<item><title>b</title><description>The b.</description></item></channel></rss>"
    )
    got = ingest(c, [feed]).total
    assert got.rejected == 2
    assert [(r["line"], r["item"]) for r in rejects(c) if r["path"] == str(feed)] == [
        (1, 1),
        (1, 2),
    ]
    # Re-ingesting the migrated item's content from a new copy adds nothing.
    note = tmp_path / "note.txt"
    note.write_text("Title: T\nDate: 2022-02-21\nLanguage: en\n\nThe troops moved.\n")
    again = ingest(c, [note]).total
    assert (again.accepted, again.duplicates) == (0, 1)
    c.close()


def test_foreign_and_missing_stores_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store here"):
        store.connect(tmp_path / "absent.duckdb", create=False)
    assert not (tmp_path / "absent.duckdb").exists()
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"PK\x03\x04 this is a zip, not a store")
    with pytest.raises(StoreError, match="not a secondfront store"):
        store.connect(junk)
