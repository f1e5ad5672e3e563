"""Mapping rules: validation with positions, negation-aware text, GDELT weighting, statuses."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import duckdb
import pytest

from secondfront.errors import RulesError
from secondfront.evidence.ingest import ingest
from secondfront.evidence.mapping import StaleMappingError, load_rules, match_text, open_mapped
from secondfront.evidence.store import connect
from secondfront.evidence.weeks import gdelt_row_weight, iso_week, weekly_statuses
from tests.evidence.conftest import FIXTURES, gdelt_generator
from tests.evidence.test_cli import run as cli_run

RULES = load_rules()


def _groups(rule_id: str, lang: str) -> list[list[str]]:
    rule = next(r for r in RULES.rules if r.id == rule_id)
    assert rule.text is not None
    return rule.text[lang]


@pytest.mark.parametrize(
    ("lang", "text", "counted"),
    [
        ("en", "Belarusian troops were moved to the border near Mazyr.", True),
        ("en", "No troops were moved to the border.", False),
        ("en", "Troops were not moved to the southern border.", False),
        ("en", "Troops weren't moved to the border.", False),
        ("en", "Minsk denied that troops were moved to the border.", False),
        ("en", "If troops moved to the border, Kyiv would respond.", False),
        ("ru", "Белорусские войска перебрасываются к границе с Украиной.", True),
        ("ru", "Никакие войска к границе не перебрасывались.", False),
        ("uk", "Білоруські війська перекидають до кордону.", True),
        ("uk", "Війська не перекидали до кордону.", False),
        ("be", "Беларускія войскі перакідваюць да мяжы.", True),
        ("be", "Войскі не перакідвалі да мяжы.", False),
        ("be-Latn", "Biełaruskija vojski pierakidvajuć da miažy.", True),
        ("be-Latn", "Nijakich vojskaŭ nie pierakidvali da miažy.", False),
    ],
)
def test_text_rules_are_negation_aware_in_every_language(
    lang: str, text: str, counted: bool
) -> None:
    found = match_text(
        text,
        _groups("text-troops-to-border", lang),
        RULES.spec.negation[lang],
        RULES.spec.hypothetical[lang],
    )
    assert [m.counted for m in found] == [counted]


def test_unrelated_sentence_does_not_match() -> None:
    assert (
        match_text("The weather in Minsk was cold.", _groups("text-troops-to-border", "en")) == []
    )


def test_rule_errors_name_file_line_and_field(tmp_path: Path) -> None:
    text = RULES.path.read_text()
    bad = text.replace("action_geo: [BO]", "action_geo: [BLR]", 1)
    p = tmp_path / "bad.mapping.yaml"
    p.write_text(bad)
    with pytest.raises(RulesError) as info:
        load_rules(p)
    msg = str(info.value)
    assert "FIPS 10-4" in msg and "Belarus = BO" in msg
    line = next(i for i, s in enumerate(bad.splitlines(), 1) if "action_geo: [BLR]" in s)
    assert f"bad.mapping.yaml:{line}:" in msg
    p.write_text(text.replace("indicator: reservist_callups", "indicator: reservist_callup", 1))
    with pytest.raises(
        RulesError,
        match=r"bad.mapping.yaml:\d+:\d+: error: .*'reservist_callup' is not an indicator",
    ):
        load_rules(p)


def test_threshold_must_exceed_cap(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text(RULES.path.read_text().replace("threshold: 6.0", "threshold: 1.5"))
    with pytest.raises(RulesError, match="one GDELT row could make an indicator observed"):
        load_rules(p)


def test_gdelt_row_weight_is_capped() -> None:
    assert gdelt_row_weight(1, 1, 2.0) == pytest.approx(0.6931471805599453**2)
    assert gdelt_row_weight(500, 5000, 2.0) == 2.0


def _gdelt_file(tmp_path: Path, n_mobilise: int, sources: int, articles: int, name: str) -> Path:
    """Rows of CAMEO 154 by BLR in one week (ids from 1), plus routine rows."""
    gen = gdelt_generator()
    lines = []
    for i, line in enumerate(gen.rows(n_mobilise + 5, start=dt.date(2022, 2, 14), days=5)):
        f = line.split("\t")
        f[0] = str(i + 1)
        if i < n_mobilise:
            f[5], f[7], f[26], f[27], f[28], f[29] = "BLRMIL", "BLR", "154", "154", "15", "4"
            f[32], f[33] = str(sources), str(articles)
        else:
            f[26], f[27], f[28], f[29] = "010", "010", "01", "1"
        lines.append("\t".join(f))
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def _status(statuses: list, indicator: str, week: str) -> str:  # type: ignore[type-arg]
    return next(s.status for s in statuses if s.indicator == indicator and s.week == week)


def test_one_gdelt_row_never_flips_an_indicator(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    ingest(con, [_gdelt_file(tmp_path, 1, 900, 9000, "one.CSV")], rules=RULES)
    st = weekly_statuses(con, RULES)
    assert _status(st, "reservist_callups", "2022-W07") == "unknown"
    assert (
        next(s for s in st if s.indicator == "reservist_callups" and s.week == "2022-W07").count
        == 1
    )


def test_many_well_sourced_gdelt_rows_do(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    ingest(con, [_gdelt_file(tmp_path, 4, 10, 40, "many.CSV")], rules=RULES)
    assert _status(weekly_statuses(con, RULES), "reservist_callups", "2022-W07") == "observed"


def test_many_thinly_sourced_gdelt_rows_do_not(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    ingest(con, [_gdelt_file(tmp_path, 4, 1, 1, "thin.CSV")], rules=RULES)
    assert _status(weekly_statuses(con, RULES), "reservist_callups", "2022-W07") == "unknown"


def test_statuses_from_acled_and_text(con: duckdb.DuckDBPyConnection) -> None:
    files = [
        FIXTURES / n
        for n in (
            "acled_current.csv",
            "en_2022-02-21.txt",
            "no_troops_en.txt",
            "ru.html",
            "uk.rss",
            "be.atom",
        )
    ]
    ingest(con, files, rules=RULES)
    st = weekly_statuses(con, RULES, dt.date(2022, 2, 7), dt.date(2022, 2, 27))
    assert {s.week for s in st} == {"2022-W06", "2022-W07", "2022-W08"}
    # ACLED: Russian forces in Gomel region in W06; a relay cabinet set on fire in W06.
    assert _status(st, "troops_toward_southern_border", "2022-W06") == "observed"
    assert _status(st, "rail_sabotage_reports", "2022-W06") == "observed"
    assert _status(st, "anti_war_protest_events", "2022-W06") == "observed"
    # ACLED coverage runs from its first to its last event: a covered week without a
    # launch is evidence of none; a week after the last ACLED event is unknown.
    assert _status(st, "russian_air_activity_from_belarus", "2022-W06") == "not_observed"
    assert _status(st, "anti_war_protest_events", "2022-W07") == "unknown"
    # Text: be (W07, Atom), ru (W07, HTML) and en (W08) report movements; the denial does not count.
    w7 = next(
        s for s in st if s.indicator == "troops_toward_southern_border" and s.week == "2022-W07"
    )
    assert w7.status == "observed" and w7.count == 3 and w7.gradings == ("F3",)
    w8 = next(
        s for s in st if s.indicator == "troops_toward_southern_border" and s.week == "2022-W08"
    )
    assert w8.count == 1
    # Ukrainian RSS item on rail sabotage (26 Feb 2022, W08).
    assert _status(st, "rail_sabotage_reports", "2022-W08") == "observed"


def _observations(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM observations").fetchone()
    assert row is not None
    return int(row[0])


def test_changed_rules_remap_everything(tmp_path: Path, db: Path) -> None:
    con = connect(db)
    ingest(con, [FIXTURES / "acled_current.csv"], rules=RULES)
    n = _observations(con)
    con.close()
    p = tmp_path / "m.yaml"
    p.write_text(RULES.path.read_text().replace("admin1: [Gomel, Brest]", "admin1: [Brest]"))
    # Opening the store for writing with the edited rules remaps it once.
    con = open_mapped(db, load_rules(p))
    m = _observations(con)
    con.close()
    assert m == n - 1


def test_a_read_with_other_rules_refuses_and_names_the_command(tmp_path: Path, db: Path) -> None:
    con = connect(db)
    ingest(con, [FIXTURES / "acled_current.csv"], rules=RULES)
    n = _observations(con)
    p = tmp_path / "m.yaml"
    p.write_text(RULES.path.read_text().replace("admin1: [Gomel, Brest]", "admin1: [Brest]"))
    edited = load_rules(p)
    with pytest.raises(StaleMappingError) as info:
        weekly_statuses(con, edited)
    msg = str(info.value)
    assert f"{db}:" in msg and "other mapping rules" in msg and str(p) in msg
    assert f"secondfront map --db {db} --rules {p}" in msg
    # The read wrote nothing: the old rules' observations are still there and readable.
    assert _observations(con) == n
    assert weekly_statuses(con, RULES)
    con.close()
    # The command it names remaps, after which the read succeeds with the edited rules.
    code, out, err = cli_run("map", "--db", str(db), "--rules", str(p), "--json")
    assert code == 0, err
    assert json.loads(out)["observations"] == n - 1
    con = connect(db, read_only=True)
    try:
        assert weekly_statuses(con, edited)
    finally:
        con.close()


def test_reads_never_write_an_unmapped_store(db: Path) -> None:
    con = connect(db)
    ingest(con, [FIXTURES / "acled_current.csv"])  # stored, not mapped (--no-map)
    with pytest.raises(StaleMappingError, match=r"1 stored file\(s\) were never mapped"):
        weekly_statuses(con, RULES)
    assert _observations(con) == 0
    con.close()
    # A read-only connection gets the same clear error, not DuckDB's refusal to write.
    con = connect(db, read_only=True)
    try:
        with pytest.raises(StaleMappingError, match="secondfront map"):
            weekly_statuses(con, RULES)
    finally:
        con.close()
    con = open_mapped(db, RULES)
    try:
        assert _observations(con) > 0
        assert any(s.status == "observed" for s in weekly_statuses(con, RULES))
    finally:
        con.close()


def test_opening_for_writing_maps_once_across_threads(db: Path) -> None:
    con = connect(db)
    ingest(con, [FIXTURES / "acled_current.csv"])
    con.close()
    barrier = threading.Barrier(4)
    counts: list[int] = []

    def open_and_count() -> None:
        barrier.wait()
        c = open_mapped(db, RULES)
        try:
            counts.append(_observations(c))
        finally:
            c.close()

    threads = [threading.Thread(target=open_and_count) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c = connect(db)
    try:
        total = _observations(c)
        refs = c.execute("SELECT count(DISTINCT (rule, ref)) FROM observations").fetchone()
    finally:
        c.close()
    # Mapped exactly once: every thread saw the same complete set, and no rule's
    # observation of an event was stored twice.
    assert total > 0 and counts == [total] * 4
    assert refs is not None and refs[0] == total


def test_iso_week_labels() -> None:
    assert iso_week(dt.date(2022, 2, 24)) == "2022-W08"
    assert iso_week(dt.date(2021, 1, 3)) == "2020-W53"


# -- every problem of a file in one run ----------------------------------------------

ONEPASS = FIXTURES / "onepass-bad.mapping.yaml"

# (line, col, message start) of every problem in ONEPASS, in the order they print.
ONEPASS_PROBLEMS = [
    (7, 1, "gdelt_aggregation: Value error, threshold 1.5 must exceed cap 2.0"),
    (15, 1, "colour: unknown field 'colour'"),
    (20, 14, "rules.0.grading: Value error, invalid grading 'Z9'"),
    (25, 16, "rules.1.indicator: 'reservist_callup' is not an indicator of belarus-second-front"),
    (31, 9, "rules.2.id: duplicate id 'forces-south' (first at line 18)"),
    (32, 16, "rules.2.indicator: 'rail_sabotage_report' is not an indicator"),
    (36, 19, "rules.2.gdelt.action_geo: Value error, action_geo 'BLR' must be a 2-letter FIPS"),
]


def test_schema_and_reference_errors_come_in_one_run() -> None:
    # Rule 0 fails the schema (grading) and is still the first of a duplicate id; rule 2
    # fails it too (action_geo) and still has its indicator and id checked.
    with pytest.raises(RulesError) as info:
        load_rules(ONEPASS)
    lines = str(info.value).splitlines()
    assert len(lines) == len(ONEPASS_PROBLEMS), lines
    for (line, col, message), got in zip(ONEPASS_PROBLEMS, lines, strict=True):
        assert got.startswith(f"{ONEPASS}:{line}:{col}: error: {message}"), got


def test_unknown_model_is_reported_with_the_other_problems(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text(ONEPASS.read_text().replace("model: belarus-second-front", "model: nowhere"))
    with pytest.raises(RulesError) as info:
        load_rules(p)
    msg = str(info.value)
    assert f"{p}:4:8: error: model: no model file or model named 'nowhere'" in msg
    # Without a network the indicators cannot be checked; everything else still is.
    assert "is not an indicator" not in msg
    assert f"{p}:31:9: error: rules.2.id: duplicate id 'forces-south'" in msg
    assert f"{p}:20:14: error: rules.0.grading" in msg


def test_yaml_syntax_error_is_reported_alone(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text(ONEPASS.read_text().replace("negation: {en: [no, not]}", "negation: {en: [no"))
    with pytest.raises(RulesError) as info:
        load_rules(p)
    (line,) = str(info.value).splitlines()
    assert line.startswith(f"{p}:") and "invalid YAML" in line


def test_shipped_rules_load_cleanly() -> None:
    rules = load_rules(RULES.path)
    assert rules.path.name == "belarus-second-front.mapping.yaml"
    assert len(rules.rules) > 10 and "reservist_callups" in rules.indicators
    assert {r.indicator for r in rules.rules} <= set(rules.indicators)
