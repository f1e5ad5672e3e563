"""Two tiny scenario specs with closed-form answers, for the argument analyses."""

from __future__ import annotations

from pathlib import Path

# P(entry = yes) = 1 - (1 - leak) * (P(low) + P(high) * (1 - link))
#                = 1 - 0.9 * (0.6 + 0.4 * 0.5) = 0.28
TINY = """\
model: {name: tiny, title: "Tiny", horizon: "1 year"}
sources:
  - {id: col, author: A, title: "A column", date: "2024", kind: opinion-column, grading: C3}
  - {id: rep, author: B, title: "A report", date: "2024", kind: report, grading: B2}
claims:
  - {id: ca1, source: col, locator: P1.S1, says: "Moscow presses.", grading: C3}
  - {id: cb1, source: rep, locator: P1.S1, says: "Build-ups are seen.", grading: B2}
variables:
  - name: pressure
    label: "Pressure"
    states: [low, high]
    table: {p: [0.6, 0.4], claims: [ca1]}
  - name: entry
    label: "Entry"
    states: [no, yes]
    parents: [pressure]
    noisy_or:
      leak: {p: 0.1, assumption: "base rate (rep)"}
      links:
        pressure:
          high: {p: 0.5, claims: [ca1]}
indicators:
  - name: troops
    label: "Troops move"
    parent: entry
    likelihood:
      no: {p: 0.2, assumption: "exercises"}
      yes: {p: 0.9, claims: [cb1]}
outcomes:
  - {variable: entry, label: "Entry", state: yes}
"""

# A rival argument on the same outcome: pressure matters less, a second cause
# (a regime crisis) drives entry, and the same indicator is read differently.
# P(entry = yes) = 1 - 0.95 * (0.8 + 0.2 * 0.8) * (0.7 + 0.3 * 0.6) = 0.1975...
RIVAL = """\
model: {name: rival, title: "Rival", horizon: "1 year"}
sources:
  - {id: think, author: C, title: "An analysis", date: "2025", kind: analysis, grading: B3}
claims:
  - {id: ct1, source: think, locator: P2.S1, says: "Minsk resists pressure.", grading: B3}
variables:
  - name: pressure
    label: "Pressure"
    states: [low, high]
    table: {p: [0.8, 0.2], claims: [ct1]}
  - name: crisis
    label: "Crisis"
    states: [no, yes]
    table: {p: [0.7, 0.3], assumption: "a crisis is possible"}
  - name: entry
    label: "Entry"
    states: [no, yes]
    parents: [pressure, crisis]
    noisy_or:
      leak: {p: 0.05, assumption: "base rate"}
      links:
        pressure:
          high: {p: 0.2, claims: [ct1]}
        crisis:
          yes: {p: 0.4, assumption: "a crisis pushes Minsk to Moscow"}
indicators:
  - name: troops
    label: "Troops move"
    parent: entry
    likelihood:
      no: {p: 0.4, assumption: "frequent exercises"}
      yes: {p: 0.9, assumption: "a build-up is visible"}
  - name: purges
    label: "Purges"
    parent: crisis
    likelihood:
      no: {p: 0.1, assumption: "routine"}
      yes: {p: 0.7, assumption: "a crisis shows"}
outcomes:
  - {variable: entry, label: "Entry", state: yes}
"""


# Twenty cases of TINY's variables: 6 of high pressure with entry, 14 of neither.
TINY_CASES = "pressure,entry,troops\n" + "high,yes,present\n" * 6 + "low,no,absent\n" * 14


def tiny_files(folder: Path) -> tuple[Path, Path]:
    """TINY and TINY_CASES written into ``folder``: (spec, cases)."""
    spec, cases = folder / "tiny.yaml", folder / "cases.csv"
    spec.write_text(TINY)
    cases.write_text(TINY_CASES)
    return spec, cases
