"""The ISO-week helpers every weekly reading shares: where a week ends, whether it is
still under way on a day, and what a week under way says."""

from __future__ import annotations

import datetime as dt

import pytest

from secondfront.evidence.weeks import (
    iso_week,
    reported_so_far,
    under_way,
    week_end,
    week_start,
)


def test_a_week_runs_from_its_monday_to_its_sunday() -> None:
    # ISO 2022-W08: Monday 21 to Sunday 27 February 2022 (the attack on the 24th).
    assert week_start("2022-W08") == dt.date(2022, 2, 21)
    assert week_end("2022-W08") == dt.date(2022, 2, 27)
    # A week that straddles the new year belongs to the ISO year of its Thursday.
    assert week_end("2020-W53") == dt.date(2021, 1, 3)
    assert iso_week(dt.date(2021, 1, 3)) == "2020-W53"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2022, 2, 21), True),  # its Monday
        (dt.date(2022, 2, 26), True),  # its Saturday
        (dt.date(2022, 2, 27), False),  # its Sunday: complete by the end of that day
        (dt.date(2022, 3, 1), False),  # a later day
    ],
)
def test_a_week_is_under_way_until_the_end_of_its_sunday(day: dt.date, expected: bool) -> None:
    assert under_way("2022-W08", day) is expected


def test_every_day_of_a_week_but_its_sunday_leaves_it_under_way() -> None:
    monday = week_start("2024-W30")
    flags = [under_way("2024-W30", monday + dt.timedelta(days=k)) for k in range(7)]
    assert flags == [True] * 6 + [False]


def test_a_week_under_way_keeps_only_its_present_reports() -> None:
    row = {"troops_arrive": "present", "air_activity": "absent", "rail_sabotage": "present"}
    assert reported_so_far(row) == {"troops_arrive": "present", "rail_sabotage": "present"}
    assert reported_so_far({"air_activity": "absent"}) == {}
