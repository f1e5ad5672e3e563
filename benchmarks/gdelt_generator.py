"""Synthetic GDELT event files with realistic field values, for the ingest benchmark.

The rows follow the GDELT event-table layouts exactly (2.0: 61 tab-separated columns;
1.0 daily: 58; 1.0 backfile: 57; no header). Values are drawn from pools that look like
the real feed around Belarus: CAMEO/ISO actor codes (``BLR``, ``BLRMIL``, ``RUS``,
``UKR``...), FIPS 10-4 geography codes (``BO``, ``RS``, ``UP``...), CAMEO event codes as
strings with their leading zeros (``010``, ``0311``, ``154``, ``1382``), GoldsteinScale
and QuadClass consistent with the root code, heavy-tailed NumMentions/NumSources/
NumArticles, 14-digit DATEADDED and a SOURCEURL. Nothing here is real news.

Usage::

    python benchmarks/gdelt_generator.py OUT.CSV --rows 1000000 [--version 2.0] [--seed 7]

The generator owns its randomness: one ``numpy.random.Generator`` from ``--seed``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

# (code, weight): mostly routine diplomacy, with force-posture and conflict codes mixed in
# at rates of a few per cent, which is what a Belarus-filtered GDELT pull looks like.
EVENT_CODES: tuple[tuple[str, float], ...] = (
    ("010", 12),
    ("012", 3),
    ("020", 4),
    ("036", 5),
    ("040", 6),
    ("042", 5),
    ("043", 5),
    ("051", 4),
    ("057", 2),
    ("0311", 1),
    ("0312", 1),
    ("0332", 1),
    ("062", 1.5),
    ("072", 0.8),
    ("090", 2),
    ("111", 4),
    ("112", 5),
    ("120", 2),
    ("130", 2),
    ("138", 1),
    ("1382", 0.3),
    ("1384", 0.4),
    ("141", 2),
    ("1411", 0.5),
    ("145", 0.6),
    ("150", 1),
    ("152", 0.6),
    ("154", 0.8),
    ("163", 1.5),
    ("173", 3),
    ("1712", 0.4),
    ("175", 0.8),
    ("176", 0.3),
    ("180", 0.6),
    ("190", 2),
    ("192", 0.3),
    ("193", 0.8),
    ("194", 0.7),
    ("195", 1),
    ("1952", 0.4),
    ("196", 0.2),
    ("0874", 0.2),
)
ACTORS: tuple[tuple[str, str, str], ...] = (
    # (code, name, country code)
    ("BLR", "BELARUS", "BLR"),
    ("BLRGOV", "MINSK", "BLR"),
    ("BLRMIL", "BELARUS", "BLR"),
    ("BLROPP", "BELARUS", "BLR"),
    ("RUS", "RUSSIA", "RUS"),
    ("RUSGOV", "MOSCOW", "RUS"),
    ("RUSMIL", "RUSSIA", "RUS"),
    ("UKR", "UKRAINE", "UKR"),
    ("UKRMIL", "UKRAINE", "UKR"),
    ("UKRGOV", "KYIV", "UKR"),
    ("POL", "POLAND", "POL"),
    ("LTU", "LITHUANIA", "LTU"),
    ("USA", "UNITED STATES", "USA"),
    ("EUR", "EUROPE", ""),
    ("", "", ""),
)
ACTOR_WEIGHTS = np.array([14, 8, 6, 3, 12, 6, 7, 10, 5, 4, 3, 2, 4, 2, 6], dtype=float)
PLACES: tuple[tuple[str, str, str, str, float, float, str], ...] = (
    # (type, full name, FIPS country, ADM1, lat, lon, feature id)
    ("4", "Minsk, Horad Minsk, Belarus", "BO", "BO04", 53.9, 27.5667, "-2089215"),
    ("4", "Homyel', Homyel'skaya Voblasts', Belarus", "BO", "BO02", 52.4345, 30.9754, "-2085939"),
    ("4", "Mazyr, Homyel'skaya Voblasts', Belarus", "BO", "BO02", 52.0495, 29.2456, "-2087834"),
    ("4", "Brest, Brestskaya Voblasts', Belarus", "BO", "BO01", 52.0975, 23.6877, "-2085027"),
    (
        "4",
        "Asipovichy, Mahilyowskaya Voblasts', Belarus",
        "BO",
        "BO06",
        53.3011,
        28.6386,
        "-2088380",
    ),
    ("1", "Belarus", "BO", "BO", 53.0, 28.0, "BO"),
    ("4", "Kyiv, Kyyiv, Misto, Ukraine", "UP", "UP12", 50.4333, 30.5167, "-1044367"),
    ("4", "Chernihiv, Chernihivs'ka Oblast', Ukraine", "UP", "UP02", 51.5, 31.3, "-1034913"),
    ("1", "Ukraine", "UP", "UP", 49.0, 32.0, "UP"),
    ("4", "Moscow, Moskva, Russia", "RS", "RS48", 55.7522, 37.6156, "-2960561"),
    ("1", "Russia", "RS", "RS", 60.0, 100.0, "RS"),
    ("4", "Warsaw, Mazowieckie, Poland", "PL", "PL78", 52.25, 21.0, "-523920"),
    ("4", "Vilnius, Vilniaus Apskritis, Lithuania", "LH", "LH65", 54.6833, 25.3167, "-2633386"),
)
PLACE_WEIGHTS = np.array([16, 6, 3, 3, 2, 10, 10, 3, 8, 8, 5, 3, 3], dtype=float)
DOMAINS = (
    "reuters.com",
    "apnews.com",
    "belta.by",
    "tass.com",
    "kyivindependent.com",
    "rferl.org",
    "nashaniva.com",
    "meduza.io",
    "euronews.com",
    "bbc.com",
)


def _root(code: str) -> str:
    return code[:2]


def _quad(root: str) -> int:
    r = int(root)
    return 1 if r <= 5 else 2 if r <= 8 else 3 if r <= 13 else 4


def _goldstein(root: str) -> float:
    # Roughly the GDELT Goldstein table: cooperation positive, force negative.
    table = {
        1: 0.0,
        2: 3.0,
        3: 4.0,
        4: 1.0,
        5: 3.5,
        6: 6.0,
        7: 7.0,
        8: 5.0,
        9: -2.0,
        10: -5.0,
        11: -2.0,
        12: -4.0,
        13: -6.0,
        14: -6.5,
        15: -7.2,
        16: -4.0,
        17: -7.0,
        18: -9.0,
        19: -10.0,
        20: -10.0,
    }
    return table[int(root)]


def rows(
    n: int,
    seed: int = 7,
    version: str = "2.0",
    start: dt.date = dt.date(2020, 8, 1),
    days: int = 5 * 365,
    first_id: int = 900_000_000,
) -> Iterator[str]:
    """Yield ``n`` tab-separated GDELT event lines (without the newline).

    Args:
        n: number of rows.
        seed: seed of the generator's own ``numpy.random.Generator``.
        version: ``"2.0"`` (61 columns), ``"1.0"`` (58) or ``"1.0-backfile"`` (57).
        start: first event date.
        days: dates are spread uniformly over ``[start, start + days)``.
        first_id: GLOBALEVENTID of the first row; ids increase by one.
    """
    rng = np.random.default_rng(seed)
    codes = [c for c, _ in EVENT_CODES]
    cw = np.array([w for _, w in EVENT_CODES])
    code_ix = rng.choice(len(codes), size=n, p=cw / cw.sum())
    a1 = rng.choice(len(ACTORS), size=n, p=ACTOR_WEIGHTS / ACTOR_WEIGHTS.sum())
    a2 = rng.choice(len(ACTORS), size=n, p=ACTOR_WEIGHTS / ACTOR_WEIGHTS.sum())
    g = rng.choice(len(PLACES), size=(n, 3), p=PLACE_WEIGHTS / PLACE_WEIGHTS.sum())
    day = rng.integers(0, days, size=n)
    mentions = 1 + rng.geometric(0.25, size=n)
    sources = np.minimum(mentions, 1 + rng.geometric(0.6, size=n))
    articles = np.maximum(sources, mentions - rng.integers(0, 2, size=n))
    tone = np.round(rng.normal(-2.5, 3.0, size=n), 6)
    jitter = np.round(rng.normal(0.0, 0.02, size=(n, 3)), 4)
    root_flag = rng.random(n) < 0.4
    secs = rng.integers(0, 96, size=n) * 900
    path_ids = rng.integers(10**6, 10**7, size=n)
    with_adm2 = version == "2.0"
    with_url = version != "1.0-backfile"
    for i in range(n):
        d = start + dt.timedelta(days=int(day[i]))
        code = codes[code_ix[i]]
        root = _root(code)
        base = code[:3]
        parts = [
            str(first_id + i),
            d.strftime("%Y%m%d"),
            d.strftime("%Y%m"),
            str(d.year),
            f"{d.year + (d.timetuple().tm_yday - 1) / 365:.4f}",
        ]
        for a in (a1[i], a2[i]):
            acode, aname, actry = ACTORS[a]
            mil = "MIL" if acode.endswith("MIL") else ("GOV" if acode.endswith("GOV") else "")
            parts += [acode, aname, actry, "", "", "", "", mil, "", ""]
        parts += [
            "1" if root_flag[i] else "0",
            code,
            base,
            root,
            str(_quad(root)),
            f"{_goldstein(root):.1f}",
            str(mentions[i]),
            str(sources[i]),
            str(articles[i]),
            f"{tone[i]:.6f}",
        ]
        for k in range(3):
            gtype, name, fips, adm1, lat, lon, feat = PLACES[g[i, k]]
            geo = [gtype, name, fips, adm1]
            if with_adm2:
                geo.append("")
            geo += [f"{lat + jitter[i, k]:.4f}", f"{lon + jitter[i, k]:.4f}", feat]
            parts += geo
        added = dt.datetime(d.year, d.month, d.day) + dt.timedelta(days=1, seconds=int(secs[i]))
        parts.append(added.strftime("%Y%m%d%H%M%S") if version == "2.0" else d.strftime("%Y%m%d"))
        if with_url:
            dom = DOMAINS[int(path_ids[i]) % len(DOMAINS)]
            parts.append(f"https://www.{dom}/news/{d:%Y/%m/%d}/article-{path_ids[i]}")
        yield "\t".join(parts)


def write(
    path: str | Path,
    n: int,
    seed: int = 7,
    version: str = "2.0",
    zipped: bool = False,
    **kwargs: object,
) -> Path:
    """Write ``n`` rows to ``path`` (a ``.zip`` holding one ``.CSV`` member when ``zipped``).

    Returns:
        the path written.
    """
    path = Path(path)
    lines = rows(n, seed=seed, version=version, **kwargs)  # type: ignore[arg-type]
    if zipped:
        member = path.name.removesuffix(".zip")
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            with zf.open(member, "w") as fh:
                for line in lines:
                    fh.write((line + "\n").encode("utf-8"))
    else:
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            for line in lines:
                fh.write(line + "\n")
    return path


def main() -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--version", choices=["2.0", "1.0", "1.0-backfile"], default="2.0")
    ap.add_argument("--zip", action="store_true")
    args = ap.parse_args()
    write(args.out, args.rows, seed=args.seed, version=args.version, zipped=args.zip)


if __name__ == "__main__":
    main()
