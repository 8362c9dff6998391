"""Stored UTC times written on a base's clock (incubator/timeutil.py)."""

from datetime import datetime

from incubator.timeutil import clock_text, to_local


def test_clock_text_writes_the_bases_wall_clock_to_the_minute():
    shanghai = clock_text("Asia/Shanghai")
    assert shanghai(datetime(2026, 5, 1, 6, 30, 59)) == "2026-05-01 14:30"
    assert shanghai(datetime(2026, 12, 31, 16, 5)) == "2027-01-01 00:05"
    assert shanghai(None) == ""


def test_clock_text_follows_a_zone_that_changes_its_clocks():
    berlin = clock_text("Europe/Berlin")
    for stored in (datetime(2026, 3, 29, 0, 59), datetime(2026, 3, 29, 1, 0), datetime(2026, 10, 25, 0, 30)):
        assert berlin(stored) == to_local(stored, "Europe/Berlin").isoformat(" ", "minutes")
    assert berlin(datetime(2026, 3, 29, 1, 0)) == "2026-03-29 03:00"
