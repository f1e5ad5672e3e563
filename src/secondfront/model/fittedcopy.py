"""One way to write a fitted copy of a model file, with its provenance.

Three features write a copy of a model whose numbers were fitted: ``secondfront fit``
(the time model, a YAML file with a ``fitted:`` block), ``fit-cases`` (the network's
tables, as BIF with the provenance as the network's ``property`` lines, or as the YAML
spec with the learned tables written back) and ``calibrate`` (a spec's table simulated).
Each fits its own numbers and states its own provenance (:class:`Provenance`); this
module writes every copy the same way (:func:`write_fitted_copy`):

* never over the file fitted (:func:`refuse_source`, one check and one wording);
* a comment header saying what the copy is, one ``#`` line each (a line break inside a
  header line becomes a space, so a file name cannot start a line of YAML);
* the provenance: in YAML the mapping under its block key (the time model's
  ``fitted:``), in BIF the network's ``property`` lines, in the order given. A scenario
  spec has no such key (its schema is closed): a spec copy says where its numbers come
  from in its header and in each replaced table's ``assumption``;
* YAML as PyYAML's safe dump, keys in the order given, Unicode kept; BIF as
  :func:`~secondfront.model.bif.write_bif` writes it, gzip-compressed for ``.bif.gz``;
* atomically: the bytes go to a temporary file beside the target, which the caller's
  check (if any) reads, and only then replaces the target. A failed check or a crash
  leaves no half-written copy, and an older copy at that path stays whole.

:func:`read_provenance` reads the provenance back from a written copy.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from secondfront.errors import Diagnostic, SpecError, UsageError
from secondfront.model.bif import write_bif
from secondfront.model.network import Network

__all__ = [
    "Provenance",
    "fitted_bif_text",
    "fitted_yaml_text",
    "read_provenance",
    "refuse_source",
    "write_fitted_copy",
]

# YAML's line breaks (PyYAML's reader also breaks lines at NEL, LS and PS).
_BREAKS = str.maketrans(dict.fromkeys("\r\n\x85\u2028\u2029", " "))
# One provenance line of a BIF copy, as :func:`fitted_bif_text` writes it.
_PROPERTY = re.compile(r'  property (?P<key>\S+) = "(?P<value>(?:[^"\\]|\\.)*)" ;\n', re.DOTALL)


@dataclass(frozen=True)
class Provenance:
    """What a fitted copy says about where its numbers come from.

    Attributes:
        source: the file fitted (never overwritten), or ``None`` for a model held in
            memory only.
        what: the source in words, for the refusal to write over it ("the file being
            fitted").
        header: the comment lines opening the copy, without their ``# ``.
        fields: the provenance itself, in the order written: the block under ``block``
            in a YAML copy (nested mappings and lists allowed), the network's ``property``
            lines in a BIF copy (each value written as its ``str``).
        block: the top-level key of a YAML copy that holds ``fields``; ``None`` writes
            no block (a scenario spec, whose provenance is in its header and tables).
    """

    source: Path | None
    what: str
    header: tuple[str, ...] = ()
    fields: Mapping[str, object] = field(default_factory=dict)
    block: str | None = None


def refuse_source(out: Path, source: Path | None, what: str) -> None:
    """Refuse to write a copy over the file it was fitted from.

    Raises:
        UsageError: ``out`` is ``source`` (after resolving links and ``..``).
    """
    if source is not None and Path(out).resolve() == Path(source).resolve():
        raise UsageError(
            f"{out}: is {what}; the copy must not overwrite the original, write it elsewhere (-o)"
        )


def _comments(header: Sequence[str]) -> str:
    return "".join(f"# {line.translate(_BREAKS)}\n" for line in header)


def fitted_yaml_text(data: Mapping[str, object], provenance: Provenance, width: int = 100) -> str:
    """The YAML copy's text: header comments, then ``data`` with the provenance block.

    Args:
        data: the copy's content (mappings, lists, scalars), keys in the order written.
            A key equal to ``provenance.block`` keeps its place and takes the new block.
        provenance: what the copy says about itself.
        width: the dump's preferred line width, in characters.
    """
    doc = dict(data)
    if provenance.block is not None:
        doc[provenance.block] = dict(provenance.fields)
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=width)
    return _comments(provenance.header) + str(body)


def _bif_string(v: object) -> str:
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def fitted_bif_text(network: Network, provenance: Provenance) -> str:
    """The BIF copy's text: the network with the provenance as its ``property`` lines
    (BIF has no comments; a header is not written)."""
    text = write_bif(network)
    head, sep, rest = text.partition("{\n}\n")
    lines = "".join(f"  property {k} = {_bif_string(v)} ;\n" for k, v in provenance.fields.items())
    return head + "{\n" + lines + "}\n" + rest if sep else text


def _is_bif(out: Path) -> bool:
    name = out.name.lower()
    return name.endswith(".bif") or name.endswith(".bif.gz")


def write_fitted_copy(
    out: Path,
    content: Network | Mapping[str, object],
    provenance: Provenance,
    *,
    width: int = 100,
    check: Callable[[Path], Sequence[Diagnostic]] | None = None,
) -> Path:
    """Write a fitted copy with its provenance (see the module docstring); returns ``out``.

    Args:
        out: where the copy goes; missing folders are made.
        content: a network (written as BIF) or a YAML document's data.
        provenance: what the copy says about itself.
        width: YAML's preferred line width, in characters.
        check: reads the written file and returns its problems; with any, nothing is
            written and they are raised (naming ``out``).

    Raises:
        UsageError: ``out`` is the source, or a network's copy does not end in ``.bif``
            (or ``.bif.gz``).
        SpecError: the check found problems.
    """
    refuse_source(out, provenance.source, provenance.what)
    if isinstance(content, Network):
        if not _is_bif(out):
            raise UsageError(f"{out}: write the fitted model as .bif (the tables with provenance)")
        data = fitted_bif_text(content, provenance).encode("utf-8")
        if out.name.lower().endswith(".gz"):
            data = gzip.compress(data)
    else:
        data = fitted_yaml_text(content, provenance, width).encode("utf-8")
    _replace_atomically(out, data, check)
    return out


def _replace_atomically(
    out: Path, data: bytes, check: Callable[[Path], Sequence[Diagnostic]] | None
) -> None:
    """Write ``data`` to a new file beside ``out``, check it, then rename it onto ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{secrets.token_hex(6)}.{out.name}")
    # 0o666 less the umask: the same permissions as a file written in place.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        problems = list(check(tmp)) if check is not None else []
        if problems:
            named = str(tmp)
            raise SpecError(
                dataclasses.replace(d, path=str(out)) if d.path == named else d for d in problems
            )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def read_provenance(path: Path, block: str = "fitted") -> dict[str, object]:
    """The provenance a fitted copy carries: a BIF copy's network ``property`` lines
    (key -> text), or a YAML copy's ``block``; empty when it carries none.

    Raises:
        UsageError: the file is neither BIF nor a YAML mapping.
    """
    if _is_bif(path):
        raw = path.read_bytes()
        text = (gzip.decompress(raw) if path.name.lower().endswith(".gz") else raw).decode()
        found: dict[str, object] = {}
        at = text.find("{\n") + 2  # the network block's lines, up to its "}"
        while (m := _PROPERTY.match(text, at)) is not None:
            found[m["key"]] = re.sub(r"\\(.)", r"\1", m["value"], flags=re.DOTALL)
            at = m.end()
        return found
    from secondfront.model.yamlsource import yaml_data

    data = yaml_data(str(path))
    if not isinstance(data, dict):
        raise UsageError(f"{path}: not a fitted copy (neither BIF nor a YAML mapping)")
    fields = data.get(block)
    return dict(fields) if isinstance(fields, dict) else {}
