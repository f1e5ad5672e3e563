"""The one writer of fitted copies: refusal to overwrite, header, provenance, atomic write."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest
import yaml

from secondfront.errors import SpecError, UsageError
from secondfront.model.bif import read_bif
from secondfront.model.fittedcopy import (
    Provenance,
    fitted_bif_text,
    fitted_yaml_text,
    read_provenance,
    refuse_source,
    write_fitted_copy,
)
from secondfront.model.scenario import check_spec, load_spec
from secondfront.model.yamlsource import yaml_data
from secondfront.testing import example_network
from tests.analysis.argument_models import TINY

ROOT = Path(__file__).resolve().parents[2]


def _spec(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


def _prov(source: Path | None, **kw: object) -> Provenance:
    fields = {"method": "EM", "data": '20 cases from "c.csv"; a\\b', "until": "2022-02-01"}
    return Provenance(source, "the file being fitted", **{"fields": fields, **kw})  # type: ignore[arg-type]


def test_a_copy_over_its_source_is_refused_and_the_source_untouched(tmp_path: Path) -> None:
    src = _spec(tmp_path)
    data = yaml_data(str(src))
    for out in (src, tmp_path / "sub" / ".." / "tiny.yaml"):
        with pytest.raises(UsageError, match="is the file being fitted; the copy must not"):
            write_fitted_copy(out, data, _prov(src, block="fitted"))
    with pytest.raises(UsageError, match="is the model being fitted"):
        refuse_source(src, src, "the model being fitted")
    assert src.read_text(encoding="utf-8") == TINY
    refuse_source(tmp_path / "other.yaml", src, "x")  # another path is fine
    refuse_source(src, None, "x")  # a model without a file has nothing to protect


def test_yaml_copy_has_header_block_and_reads_back(tmp_path: Path) -> None:
    src = _spec(tmp_path)
    data = {"first": 1, "fitted": {"old": True}, "last": [0.25, 0.75]}
    prov = _prov(src, header=("Written from tiny.yaml;", "see `fitted`."), block="fitted")
    out = write_fitted_copy(tmp_path / "copy.yaml", data, prov, width=88)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Written from tiny.yaml;\n# see `fitted`.\nfirst: 1\nfitted:\n")
    loaded = yaml.safe_load(text)
    # A block already in the data keeps its place and takes the new provenance.
    assert list(loaded) == ["first", "fitted", "last"]
    assert loaded["fitted"] == dict(prov.fields) == read_provenance(out)
    assert text == fitted_yaml_text(data, prov, 88)
    # Without a block only the header says where the numbers come from.
    plain = write_fitted_copy(tmp_path / "plain.yaml", {"x": 1}, _prov(src, header=("h",)))
    assert plain.read_text(encoding="utf-8") == "# h\nx: 1\n" and read_provenance(plain) == {}


def test_a_line_break_in_the_header_cannot_start_a_yaml_line(tmp_path: Path) -> None:
    data = {"x": 1}
    inert = write_fitted_copy(tmp_path / "a.yaml", data, _prov(None, header=("cases.csv",)))
    hostile = "cases.csv\nx: 2\r\nfitted: {forged: 1}\u2028y: 3"
    out = write_fitted_copy(tmp_path / "b.yaml", data, _prov(None, header=(hostile,)))
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == yaml.safe_load(
        inert.read_text(encoding="utf-8")
    )
    assert out.read_text(encoding="utf-8").count("\n") == 2


def test_bif_copy_carries_its_provenance_and_the_same_tables(tmp_path: Path) -> None:
    net = example_network("asia")
    src = tmp_path / "asia.bif"
    prov = _prov(src)
    fields = {**prov.fields, "note": 'odd; "quoted" } {\nsecond line \\ end'}
    prov = Provenance(src, prov.what, ("ignored in BIF",), fields)
    for name in ("copy.bif", "copy.bif.gz"):
        out = write_fitted_copy(tmp_path / name, net, prov)
        assert read_provenance(out) == {k: str(v) for k, v in fields.items()}
        back = read_bif(out)
        for v in net:
            np.testing.assert_array_equal(back.cpts[v.name], net.cpts[v.name])
    raw = gzip.decompress((tmp_path / "copy.bif.gz").read_bytes()).decode()
    assert raw == (tmp_path / "copy.bif").read_text(encoding="utf-8") == fitted_bif_text(net, prov)
    with pytest.raises(UsageError, match=r"write the fitted model as \.bif"):
        write_fitted_copy(tmp_path / "copy.net", net, prov)


def test_a_copy_failing_its_check_leaves_nothing_and_keeps_the_older_copy(
    tmp_path: Path,
) -> None:
    src = _spec(tmp_path)
    out = tmp_path / "copy.yaml"
    good = yaml_data(str(src))
    write_fitted_copy(out, good, _prov(src), check=check_spec)
    before = out.read_bytes()
    bad = yaml_data(str(src))
    bad["variables"][0]["table"]["p"] = [0.7, 0.7]
    with pytest.raises(SpecError) as caught:
        write_fitted_copy(out, bad, _prov(src), check=check_spec)
    assert all(d.path == str(out) for d in caught.value.diagnostics)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.yaml", "tiny.yaml"]
    assert load_spec(out).spec is not None


def test_missing_folders_are_made_with_the_permissions_of_a_plain_write(tmp_path: Path) -> None:
    out = write_fitted_copy(tmp_path / "a" / "b" / "copy.yaml", {"x": 1}, _prov(None))
    plain = tmp_path / "plain.yaml"
    plain.write_text("x: 1\n", encoding="utf-8")
    assert os.stat(out).st_mode == os.stat(plain).st_mode
    assert sorted(p.name for p in out.parent.iterdir()) == ["copy.yaml"]
