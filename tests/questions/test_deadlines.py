"""The promised answer time counts Kazakh working days: weekends and public holidays do not count."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult.questions.deadlines import answer_due, due_soon_cutoff, is_working_day

ALMATY = ZoneInfo("Asia/Almaty")


def at(day: str, clock: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ALMATY)


def test_a_question_asked_on_a_plain_monday_is_due_on_the_next_monday_evening() -> None:
    assert answer_due(at("2026-11-23"), 5) == at("2026-11-30", "18:00")


def test_a_question_asked_right_before_nauryz_skips_the_whole_holiday() -> None:
    # Friday 20 March 2026; 21-23 March is Nauryz, moved days 24-25 March, then the weekend.
    assert answer_due(at("2026-03-20"), 5) == at("2026-04-01", "18:00")
    assert answer_due(at("2026-03-20"), 1) == at("2026-03-26", "18:00")


def test_a_question_asked_before_independence_day_skips_16_december() -> None:
    assert answer_due(at("2026-12-15"), 5) == at("2026-12-23", "18:00")


def test_a_question_asked_on_saturday_counts_from_monday() -> None:
    assert answer_due(at("2026-11-28", "23:30"), 1) == at("2026-11-30", "18:00")


def test_late_evening_in_almaty_is_already_the_next_day_in_utc_terms() -> None:
    # 00:30 on Tuesday in Almaty is Monday evening in UTC: the count starts from Tuesday.
    utc_instant = at("2026-11-24", "00:30").astimezone(ZoneInfo("UTC"))
    assert answer_due(utc_instant, 1) == at("2026-11-25", "18:00")


def test_union_closures_count_as_days_off() -> None:
    assert answer_due(at("2026-11-23"), 1, closed={date(2026, 11, 24)}) == at("2026-11-25", "18:00")


def test_due_soon_means_by_the_end_of_the_next_working_day() -> None:
    assert due_soon_cutoff(at("2026-03-20", "09:00")) == at("2026-03-26", "18:00")


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError):
        answer_due(datetime(2026, 3, 20, 10, 0), 5)


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1)),
    days=st.integers(min_value=1, max_value=20),
)
def test_the_due_day_is_a_working_day_with_exactly_n_working_days_counted(start: datetime, days: int) -> None:
    created = start.replace(tzinfo=ALMATY)
    due = answer_due(created, days)
    assert is_working_day(due.date())
    counted = sum(
        1
        for offset in range(1, (due.date() - created.date()).days + 1)
        if is_working_day(date.fromordinal(created.date().toordinal() + offset))
    )
    assert counted == days
