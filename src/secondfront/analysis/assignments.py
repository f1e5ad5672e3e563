"""``VAR=STATE`` assignments as typed by people: evidence and interventions in words.

The command line (``-e V=s``, ``--do V=s``, ``--soft V=l1,l2``) and the workbench's
report links (``?evidence=V=s``) read them with these functions, so both refuse the
same mistakes with the same message: a malformed item, and a variable given twice
with different values (which of the two was meant cannot be guessed).
"""

from __future__ import annotations

from collections.abc import Iterable

from secondfront.errors import QueryError


def parse_assignments(items: Iterable[str] | None, what: str) -> dict[str, str]:
    """``["A=x", "B=y"]`` -> ``{"A": "x", "B": "y"}``.

    Args:
        items: ``VAR=STATE`` strings.
        what: what they are, for messages (``evidence``, ``intervention``).

    Raises:
        QueryError: an item is not ``VAR=STATE``, or a variable is given twice with
            different values.
    """
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise QueryError(f"{what} {item!r} is not VAR=STATE")
        if name in out and out[name] != value:
            raise QueryError(f"{what}: {name} given twice ({out[name]!r} and {value!r})")
        out[name] = value
    return out


def parse_soft(items: Iterable[str] | None) -> dict[str, list[float]]:
    """``["A=0.2,0.8"]`` -> ``{"A": [0.2, 0.8]}``: one likelihood per state.

    Raises:
        QueryError: a malformed item, a repeated variable, or a value that is not numbers.
    """
    out: dict[str, list[float]] = {}
    for name, value in parse_assignments(items, "soft evidence").items():
        try:
            out[name] = [float(x) for x in value.split(",")]
        except ValueError:
            raise QueryError(
                f"soft evidence {name}={value!r} needs numbers: VAR=L1,L2,..."
            ) from None
    return out


def merge_evidence(
    hard: dict[str, str], soft: dict[str, list[float]]
) -> dict[str, str | list[float]]:
    """Hard and soft evidence in one mapping; a variable in both is refused.

    Raises:
        QueryError: a variable given as hard and as soft evidence.
    """
    both = sorted(set(hard) & set(soft))
    if both:
        raise QueryError(
            f"evidence: {both[0]} given twice ({hard[both[0]]!r} and soft {soft[both[0]]})"
        )
    return {**hard, **soft}


__all__ = ["merge_evidence", "parse_assignments", "parse_soft"]
