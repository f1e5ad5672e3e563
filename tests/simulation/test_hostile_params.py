"""Hostile YAML given as a society parameters file or as the spec to calibrate: one
located error naming the file, within a memory limit.

The parameters file is any file on the command line, so it is read as specs are (the
bounded reader of ``secondfront.model.yamlsource``). An alias bomb of nine lines stands
for 387 million values; read without the bound it takes gigabytes, so every case runs
in a child process under an address-space limit (``tests.hostile.run_limited``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile import TRACEBACK, alias_bomb, assert_located, loader_code, run_limited

# The bomb's line 6 (``a5: &a5 [*a4, ...]``) holds the alias that passes the limit.
BOMB_LINE = 6
BOMB_MESSAGE = r"alias \*a4 takes the document past 200,000 values"

# Code run in the limited child: load one parameters file, print the error, exit 2.
_LOAD = loader_code("secondfront.simulation.params", "load_society")


def test_an_alias_bomb_as_parameters_file_is_a_located_error(tmp_path: Path) -> None:
    """Compared: the same aliases within the bound are read, and only the schema objects."""
    from secondfront.errors import UsageError
    from secondfront.simulation.params import load_society

    path = tmp_path / "society.yaml"
    path.write_text(alias_bomb())
    done = run_limited([str(path)], code=_LOAD, timeout=60)
    assert done.returncode == 2, done.stderr
    m = assert_located(done.stderr, path, BOMB_MESSAGE)
    assert int(m.group(1)) == BOMB_LINE
    assert "SECONDFRONT_YAML_MAX_NODES" in done.stderr
    path.write_text(alias_bomb(levels=3, width=3))
    with pytest.raises(UsageError) as info:  # not a SpecError: the YAML itself was read
        load_society(path)
    assert f"{path}: a0: Extra inputs are not permitted" in str(info.value)


@pytest.mark.parametrize(
    "args",
    [
        # Two runs on two workers: the file is first read in the worker processes,
        # and their error crosses back to the command.
        ["simulate", "--params", "{bomb}", "--runs", "2", "--workers", "2"],
        ["calibrate", "mass_mobilisation", "-o", "{out}", "--params", "{bomb}"],
        ["calibrate", "mass_mobilisation", "-o", "{out}", "--spec", "{bomb}"],
    ],
    ids=["simulate --params", "calibrate --params", "calibrate --spec"],
)
def test_the_commands_refuse_an_alias_bomb_in_one_line(args: list[str], tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb())
    out = tmp_path / "out.yaml"
    fill = {"bomb": bomb, "out": out}
    done = run_limited(
        [a.format(**fill) for a in args] + ["--agents", "100", "--steps", "7"], timeout=120
    )
    assert TRACEBACK not in done.stderr + done.stdout, done.stderr
    assert done.returncode == 2, (done.returncode, done.stderr)
    m = assert_located(done.stderr, bomb, BOMB_MESSAGE)
    assert int(m.group(1)) == BOMB_LINE
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # one line, no more
    assert not out.exists()
