"""The slot engine: what a member can book, whatever the zones and clock changes involved."""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.availability.slots import (
    Busy,
    DateException,
    Rules,
    ServiceRules,
    WeeklyRange,
    available_slots,
    expand_vacation,
    kz_holidays,
    kz_moved_working_days,
    merge_lawyers,
    to_zone,
    validate_rules,
)

Slot = tuple[datetime, datetime]

# Zones with no DST, DST, a 30-minute DST (Lord Howe), a midnight change (Santiago) and odd offsets;
# every offset is a multiple of 15 minutes, which the reference model below relies on.
ZONES = [
    "Asia/Almaty",
    "Asia/Aqtobe",
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "UTC",
]
# Dates near clock changes, so that generated windows often contain one.
TRICKY_DATES = [
    date(2024, 2, 27),  # Kazakhstan moves from UTC+6 to UTC+5 on 2024-03-01
    date(2026, 3, 26),  # Europe springs forward on 2026-03-29
    date(2026, 10, 22),  # Europe falls back on 2026-10-25
    date(2026, 3, 6),  # New York springs forward on 2026-03-08
    date(2026, 4, 2),  # Santiago and Lord Howe fall back on 2026-04-05
    date(2026, 10, 1),  # Lord Howe springs forward on 2026-10-04, Santiago on 2026-09-06
]
QUARTER = timedelta(minutes=15)
SPAN_DAYS = 10


@dataclass
class Scenario:
    """Everything available_slots reads, generated together."""

    rules: Rules
    busy: list[Busy]
    holidays: set[date]
    window_start: datetime
    window_end: datetime
    now: datetime
    service: ServiceRules
    daily_counts: dict[date, int]

    def slots(self) -> list[Slot]:
        """Compute the slots of this scenario."""
        return available_slots(
            self.rules,
            self.busy,
            self.holidays,
            self.window_start,
            self.window_end,
            self.now,
            self.service,
            self.daily_counts,
        )


def quarter_time(q: int) -> time:
    """Return the wall time of the q-th quarter hour of a day."""
    return time(q // 4, q % 4 * 15)


def minutes(low: int, high: int, step: int = 1) -> st.SearchStrategy[timedelta]:
    """Draw a duration between low and high minutes on a grid of step minutes."""
    return st.integers(low // step, high // step).map(lambda n: timedelta(minutes=n * step))


# Strategies built once: building them inside the composite per draw makes generation the slow part.
WALL_START = st.one_of(st.integers(0, 94), st.integers(0, 16), st.integers(84, 94))  # often at night
BASE_DATE = st.one_of(st.sampled_from(TRICKY_DATES), st.dates(date(2023, 1, 1), date(2027, 12, 31)))
DAY_INDEX = st.integers(0, SPAN_DAYS - 1)
SLOT_MINUTES = st.one_of(st.sampled_from([15, 30, 45, 60, 90, 120]), st.integers(15, 120))
# Window and "now" on quarter hours, so that slots often start exactly on a bound.
WINDOW_OFFSET, WINDOW_LENGTH = minutes(0, 36 * 60, 15), minutes(0, 8 * 24 * 60, 15)
NOW_OFFSET = st.one_of(
    st.just(timedelta(0)), minutes(0, 3 * 24 * 60, 15).map(lambda d: -d), minutes(0, 2 * 24 * 60, 15)
)
BUSY_OFFSET = st.one_of(minutes(-24 * 60, SPAN_DAYS * 24 * 60, 15), minutes(0, 9 * 24 * 60))
BUSY_LENGTH = minutes(1, 240)
MIN_NOTICE = st.one_of(st.just(timedelta(0)), minutes(0, 48 * 60, 15))
HORIZON = st.one_of(st.just(timedelta(days=60)), minutes(0, 12 * 24 * 60, 15))


@st.composite
def wall_ranges(draw: st.DrawFn) -> tuple[time, time]:
    """Draw a wall-clock range on quarter hours, end after start."""
    start = draw(WALL_START)
    end = draw(
        st.integers(start + 1, 95) if draw(st.booleans()) else st.integers(start + 1, min(start + 16, 95))
    )
    return quarter_time(start), quarter_time(end)


WALL_RANGE = wall_ranges()


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Draw a lawyer's rules, bookings, holidays and a member's request around a (often tricky) date."""
    base = draw(BASE_DATE)
    origin = datetime.combine(base, time(), UTC)
    weekly = [
        WeeklyRange(draw(st.integers(1, 7)), *draw(WALL_RANGE)) for _ in range(draw(st.integers(0, 12)))
    ]
    exceptions: list[DateException] = []
    for _ in range(draw(st.integers(0, 5))):
        day = base + timedelta(days=draw(DAY_INDEX))
        if draw(st.booleans()):
            exceptions.append(DateException(day, available=False))
        else:
            exceptions.append(DateException(day, True, *draw(WALL_RANGE)))
    rules = Rules(
        timezone=draw(st.sampled_from(ZONES)),
        slot_minutes=draw(SLOT_MINUTES),
        buffer_minutes=draw(st.integers(0, 90)),
        weekly=weekly,
        exceptions=exceptions,
    )
    window_start = origin + draw(WINDOW_OFFSET)
    window_end = window_start + draw(WINDOW_LENGTH)
    busy = []
    for _ in range(draw(st.integers(0, 40))):
        start = origin + draw(BUSY_OFFSET)
        busy.append(Busy(start, start + draw(BUSY_LENGTH)))
    day_after_base = DAY_INDEX.map(lambda i: base + timedelta(days=i))
    return Scenario(
        rules=rules,
        busy=busy,
        holidays=draw(st.sets(day_after_base, max_size=3)),
        window_start=window_start,
        window_end=window_end,
        now=window_start + draw(NOW_OFFSET),
        service=ServiceRules(
            min_notice=draw(MIN_NOTICE),
            horizon=draw(HORIZON),
            daily_cap=draw(st.one_of(st.none(), st.integers(1, 4))),
        ),
        daily_counts=draw(st.dictionaries(day_after_base, st.integers(0, 6), max_size=3)),
    )


# --- A slow, independent reference model of a lawyer's hours -------------------------------------------


def first_instant_showing(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """Return the first instant at which the lawyer's clock shows at least this wall time on this date."""
    # Walking a 15-minute grid is exact here: zone offsets, clock changes and generated walls all sit on it.
    target = datetime.combine(day, wall)
    moment = target.replace(tzinfo=UTC) - timedelta(hours=15)
    while moment.astimezone(tz).replace(tzinfo=None) < target:
        moment += QUARTER
    return moment


def walls_on(scenario: Scenario, day: date) -> list[tuple[time, time]]:
    """Return the wall-clock ranges that apply on a date: extra hours always, weekly hours on working days."""
    rules = scenario.rules
    extra = [(e.start, e.end) for e in rules.exceptions if e.available and e.date == day]
    off = day in scenario.holidays or any(not e.available and e.date == day for e in rules.exceptions)
    weekly = [] if off else [(r.start, r.end) for r in rules.weekly if r.weekday == day.isoweekday()]
    return [(s, e) for s, e in extra + weekly if s is not None and e is not None]


def hours_on(scenario: Scenario, day: date, walls: list[tuple[time, time]] | None = None) -> list[Slot]:
    """Return a date's hours as instants, overlapping ranges merged."""
    tz = ZoneInfo(scenario.rules.timezone)
    walls = walls_on(scenario, day) if walls is None else walls
    spans = sorted((first_instant_showing(day, s, tz), first_instant_showing(day, e, tz)) for s, e in walls)
    merged: list[Slot] = []
    for s, e in spans:
        if e <= s:
            continue
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def candidate_days(scenario: Scenario) -> list[date]:
    """Return every local date a slot of the scenario could belong to."""
    tz = ZoneInfo(scenario.rules.timezone)
    first = scenario.window_start.astimezone(tz).date() - timedelta(days=1)
    last = scenario.window_end.astimezone(tz).date() + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def containing(slot: Slot, spans: list[Slot]) -> Slot | None:
    """Return the span holding the whole slot, if any."""
    return next((span for span in spans if span[0] <= slot[0] and slot[1] <= span[1]), None)


def day_of(scenario: Scenario, slot: Slot) -> date:
    """Return the lawyer's local date whose hours hold the slot."""
    days = [d for d in candidate_days(scenario) if containing(slot, hours_on(scenario, d))]
    assert len(days) == 1, (slot, days)
    return days[0]


# --- Properties ------------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(scenarios())
def test_member_is_offered_no_slot_outside_the_lawyers_hours(scenario: Scenario) -> None:
    for slot in scenario.slots():
        day_of(scenario, slot)


@PROPERTY
@given(scenarios())
def test_member_is_offered_no_slot_overlapping_a_booking_or_its_buffers(scenario: Scenario) -> None:
    buffer = timedelta(minutes=scenario.rules.buffer_minutes)
    for start, end in scenario.slots():
        for b in scenario.busy:
            assert end <= b.start - buffer or start >= b.end + buffer, (start, end, b)


@PROPERTY
@given(scenarios())
def test_member_is_offered_nothing_sooner_than_notice_or_past_horizon_or_outside_the_window(
    scenario: Scenario,
) -> None:
    earliest = scenario.now + scenario.service.min_notice
    latest = scenario.now + scenario.service.horizon
    for start, _ in scenario.slots():
        assert earliest <= start <= latest
        assert scenario.window_start <= start < scenario.window_end


@PROPERTY
@given(scenarios())
def test_member_is_offered_nothing_on_a_holiday_but_the_lawyers_extra_hours(scenario: Scenario) -> None:
    for slot in scenario.slots():
        day = day_of(scenario, slot)
        if day in scenario.holidays:
            extra = [(e.start, e.end) for e in scenario.rules.exceptions if e.available and e.date == day]
            assert containing(slot, hours_on(scenario, day, [(s, e) for s, e in extra if s and e]))


@PROPERTY
@given(scenarios())
def test_member_sees_slots_aligned_to_the_hours_and_of_the_lawyers_length(scenario: Scenario) -> None:
    length = timedelta(minutes=scenario.rules.slot_minutes)
    slots = scenario.slots()
    assert slots == sorted(slots)
    for slot in slots:
        assert slot[0].utcoffset() == timedelta(0)
        assert slot[1] - slot[0] == length
        span = containing(slot, hours_on(scenario, day_of(scenario, slot)))
        assert span is not None
        assert (slot[0] - span[0]) % length == timedelta(0)


@PROPERTY
@given(scenarios())
def test_member_sees_nothing_on_a_day_the_lawyer_is_fully_booked(scenario: Scenario) -> None:
    cap = scenario.service.daily_cap
    for slot in scenario.slots():
        assert cap is None or scenario.daily_counts.get(day_of(scenario, slot), 0) < cap


@PROPERTY
@given(scenarios())
def test_member_is_offered_every_free_slot_the_rules_allow(scenario: Scenario) -> None:
    length = timedelta(minutes=scenario.rules.slot_minutes)
    buffer = timedelta(minutes=scenario.rules.buffer_minutes)
    cap = scenario.service.daily_cap
    earliest = max(scenario.window_start, scenario.now + scenario.service.min_notice)
    latest = scenario.now + scenario.service.horizon
    expected = []
    for day in candidate_days(scenario):
        if cap is not None and scenario.daily_counts.get(day, 0) >= cap:
            continue
        for span_start, span_end in hours_on(scenario, day):
            start = span_start
            while start + length <= span_end:
                end = start + length
                free = all(end <= b.start - buffer or start >= b.end + buffer for b in scenario.busy)
                if free and earliest <= start <= latest and start < scenario.window_end:
                    expected.append((start, end))
                start = end
    assert scenario.slots() == sorted(expected)


@PROPERTY
@given(scenarios(), st.sampled_from([*ZONES, "America/Los_Angeles", "Pacific/Kiritimati"]))
def test_member_gets_the_same_instants_whatever_zone_they_ask_in(
    scenario: Scenario, member_zone: str
) -> None:
    in_utc = scenario.slots()
    scenario.window_start = to_zone(scenario.window_start, member_zone)
    scenario.window_end = to_zone(scenario.window_end, member_zone)
    scenario.now = to_zone(scenario.now, member_zone)
    assert scenario.slots() == in_utc
    # Back to UTC before comparing: Python never finds an ambiguous local time equal to a UTC datetime.
    shown = [(to_zone(s, member_zone), to_zone(e, member_zone)) for s, e in in_utc]
    assert [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in shown] == in_utc


# --- Zones, as people live them ----------------------------------------------------------------------------

ANY_TIME = ServiceRules(min_notice=timedelta(0), horizon=timedelta(days=3650))
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def every_day(tz: str, start: time, end: time, slot_minutes: int = 60) -> Rules:
    """Return rules with the same hours on all seven weekdays."""
    return Rules(tz, slot_minutes, 0, [WeeklyRange(d, start, end) for d in range(1, 8)], [])


def local_day(day: date, tz: str) -> tuple[datetime, datetime]:
    """Return a whole local date in a zone as a window of instants."""
    zone = ZoneInfo(tz)
    return datetime.combine(day, time(), zone), datetime.combine(day + timedelta(days=1), time(), zone)


def slots_on(rules: Rules, day: date, member_zone: str) -> list[Slot]:
    """Return the slots a member sees for one of their own local dates."""
    start, end = local_day(day, member_zone)
    return available_slots(rules, [], set(), start, end, LONG_AGO, ANY_TIME)


def walls(slots: list[Slot], tz: str) -> list[str]:
    """Return the slots' starts as wall-clock text with the offset in a zone."""
    return [to_zone(s, tz).strftime("%Y-%m-%d %H:%M%z") for s, _ in slots]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_member_in_moscow_sees_an_almaty_lawyers_morning_two_hours_earlier() -> None:
    rules = every_day("Asia/Almaty", time(9), time(11))
    slots = slots_on(rules, date(2025, 6, 2), "Europe/Moscow")
    assert slots == [(utc(2025, 6, 2, 4), utc(2025, 6, 2, 5)), (utc(2025, 6, 2, 5), utc(2025, 6, 2, 6))]
    assert walls(slots, "Europe/Moscow") == ["2025-06-02 07:00+0300", "2025-06-02 08:00+0300"]
    assert walls(slots, "Asia/Almaty") == ["2025-06-02 09:00+0500", "2025-06-02 10:00+0500"]


def test_tzdata_knows_kazakhstan_moved_to_utc_plus_5_on_2024_03_01() -> None:
    almaty = ZoneInfo("Asia/Almaty")
    assert datetime(2024, 2, 29, 12, tzinfo=almaty).utcoffset() == timedelta(hours=6)
    assert datetime(2024, 3, 2, 12, tzinfo=almaty).utcoffset() == timedelta(hours=5)


def test_almaty_lawyers_nine_oclock_moves_an_hour_in_utc_across_2024_03_01() -> None:
    rules = every_day("Asia/Almaty", time(9), time(10))
    start, end = utc(2024, 2, 28), utc(2024, 3, 3)
    slots = available_slots(rules, [], set(), start, end, LONG_AGO, ANY_TIME)
    assert [s for s, _ in slots] == [
        utc(2024, 2, 28, 3),
        utc(2024, 2, 29, 3),
        utc(2024, 3, 1, 4),
        utc(2024, 3, 2, 4),
    ]


def test_almaty_lawyer_working_late_on_2024_02_29_is_not_offered_the_repeated_hour_twice() -> None:
    # At midnight the clock went back to 23:00, so 23:00-00:00 happened twice; 23:30 means the first one.
    rules = every_day("Asia/Almaty", time(22, 30), time(23, 30), slot_minutes=30)
    slots = slots_on(rules, date(2024, 2, 29), "UTC")
    assert slots == [
        (utc(2024, 2, 29, 16, 30), utc(2024, 2, 29, 17)),
        (utc(2024, 2, 29, 17), utc(2024, 2, 29, 17, 30)),
    ]


@pytest.mark.parametrize(
    ("day", "berlin_walls"),
    [
        (date(2026, 3, 28), ["2026-03-28 06:00+0100"]),
        (date(2026, 3, 29), ["2026-03-29 07:00+0200"]),
        (date(2026, 10, 24), ["2026-10-24 07:00+0200"]),
        (date(2026, 10, 25), ["2026-10-25 06:00+0100"]),
    ],
)
def test_member_in_berlin_sees_an_aqtobe_lawyer_shift_by_an_hour_when_europe_changes_clocks(
    day: date, berlin_walls: list[str]
) -> None:
    rules = every_day("Asia/Aqtobe", time(10), time(11))
    slots = slots_on(rules, day, "Europe/Berlin")
    assert walls(slots, "Europe/Berlin") == berlin_walls
    assert walls(slots, "Asia/Aqtobe") == [f"{day.isoformat()} 10:00+0500"]


def test_berlin_members_short_day_in_march_holds_only_its_23_hours_of_aqtobe_slots() -> None:
    rules = every_day("Asia/Aqtobe", time(0), time(23, 45), slot_minutes=15)
    start, end = local_day(date(2026, 3, 29), "Europe/Berlin")
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    slots = slots_on(rules, date(2026, 3, 29), "Europe/Berlin")
    assert slots
    assert all(start <= s < end for s, _ in slots)


def test_berlin_lawyer_working_through_the_spring_change_has_no_slot_at_a_time_that_never_exists() -> None:
    rules = every_day("Europe/Berlin", time(1), time(4), slot_minutes=30)
    slots = slots_on(rules, date(2026, 3, 29), "Europe/Berlin")
    # 01:00-04:00 that night lasts two real hours: 02:00 and 02:30 never happen.
    assert walls(slots, "Europe/Berlin") == [
        "2026-03-29 01:00+0100",
        "2026-03-29 01:30+0100",
        "2026-03-29 03:00+0200",
        "2026-03-29 03:30+0200",
    ]
    assert all(e - s == timedelta(minutes=30) for s, e in slots)


def test_berlin_lawyer_starting_inside_the_spring_gap_starts_when_the_clock_jumps() -> None:
    rules = every_day("Europe/Berlin", time(2, 30), time(5))
    slots = slots_on(rules, date(2026, 3, 29), "Europe/Berlin")
    assert walls(slots, "Europe/Berlin") == ["2026-03-29 03:00+0200", "2026-03-29 04:00+0200"]


def test_berlin_lawyer_working_through_the_autumn_change_works_the_repeated_hour_too() -> None:
    rules = every_day("Europe/Berlin", time(1), time(4))
    slots = slots_on(rules, date(2026, 10, 25), "Europe/Berlin")
    # 01:00-04:00 that night lasts four real hours: 02:00-03:00 happens twice.
    assert walls(slots, "Europe/Berlin") == [
        "2026-10-25 01:00+0200",
        "2026-10-25 02:00+0200",
        "2026-10-25 02:00+0100",
        "2026-10-25 03:00+0100",
    ]


def test_berlin_lawyer_ending_inside_the_repeated_hour_stops_at_its_first_pass() -> None:
    rules = every_day("Europe/Berlin", time(1), time(2, 30), slot_minutes=30)
    slots = slots_on(rules, date(2026, 10, 25), "Europe/Berlin")
    assert walls(slots, "Europe/Berlin") == [
        "2026-10-25 01:00+0200",
        "2026-10-25 01:30+0200",
        "2026-10-25 02:00+0200",
    ]


def test_berlin_lawyers_nine_oclock_is_an_hour_earlier_in_utc_after_the_spring_change() -> None:
    rules = every_day("Europe/Berlin", time(9), time(10))
    assert slots_on(rules, date(2026, 3, 27), "UTC")[0][0] == utc(2026, 3, 27, 8)
    assert slots_on(rules, date(2026, 3, 30), "UTC")[0][0] == utc(2026, 3, 30, 7)


def test_notice_counts_real_time_when_the_member_asks_in_berlin_on_the_night_clocks_go_forward() -> None:
    rules = every_day("UTC", time(0), time(4), slot_minutes=30)
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 3, 29, 1, 30, tzinfo=berlin)  # 00:30Z
    start, end = local_day(date(2026, 3, 29), "Europe/Berlin")
    service = ServiceRules(min_notice=timedelta(hours=2), horizon=timedelta(hours=3))
    slots = available_slots(rules, [], set(), start, end, now, service)
    assert [s for s, _ in slots] == [utc(2026, 3, 29, 2, 30), utc(2026, 3, 29, 3), utc(2026, 3, 29, 3, 30)]


# --- Days off, holidays, bookings, limits -----------------------------------------------------------------

MONDAY = date(2026, 3, 16)


def test_lawyer_on_vacation_offers_nothing_those_days() -> None:
    rules = every_day("Asia/Almaty", time(9), time(11))
    rules.exceptions.extend(expand_vacation(MONDAY, MONDAY + timedelta(days=2)))
    start, end = local_day(MONDAY, "Asia/Almaty")
    slots = available_slots(rules, [], set(), start, end + timedelta(days=3), LONG_AGO, ANY_TIME)
    assert {to_zone(s, "Asia/Almaty").date() for s, _ in slots} == {date(2026, 3, 19)}


def test_expand_vacation_gives_one_day_off_per_date_inclusive() -> None:
    assert expand_vacation(date(2026, 12, 30), date(2027, 1, 2)) == [
        DateException(date(2026, 12, 30), False),
        DateException(date(2026, 12, 31), False),
        DateException(date(2027, 1, 1), False),
        DateException(date(2027, 1, 2), False),
    ]
    assert expand_vacation(date(2026, 1, 2), date(2026, 1, 1)) == []


def test_member_sees_no_weekly_hours_on_nauryz_but_the_extra_hours_the_lawyer_chose() -> None:
    nauryz = date(2026, 3, 23)
    assert nauryz in kz_holidays([2026])
    rules = every_day("Asia/Almaty", time(9), time(11))
    start, end = local_day(nauryz, "Asia/Almaty")
    assert available_slots(rules, [], kz_holidays([2026]), start, end, LONG_AGO, ANY_TIME) == []
    rules.exceptions.append(DateException(nauryz, True, time(15), time(16)))
    slots = available_slots(rules, [], kz_holidays([2026]), start, end, LONG_AGO, ANY_TIME)
    assert walls(slots, "Asia/Almaty") == ["2026-03-23 15:00+0500"]


def test_lawyer_taking_a_day_off_with_extra_hours_works_only_those_hours() -> None:
    rules = every_day("Asia/Almaty", time(9), time(11))
    rules.exceptions.extend(
        [DateException(MONDAY, False), DateException(MONDAY, True, time(18), time(19, 30))]
    )
    slots = slots_on(rules, MONDAY, "Asia/Almaty")
    assert walls(slots, "Asia/Almaty") == ["2026-03-16 18:00+0500"]


def test_extra_hours_overlapping_weekly_hours_give_no_overlapping_slots() -> None:
    rules = every_day("Asia/Almaty", time(9), time(11), slot_minutes=45)
    rules.exceptions.append(DateException(MONDAY, True, time(10, 30), time(12, 30)))
    slots = slots_on(rules, MONDAY, "Asia/Almaty")
    assert walls(slots, "Asia/Almaty") == [
        "2026-03-16 09:00+0500",
        "2026-03-16 09:45+0500",
        "2026-03-16 10:30+0500",
        "2026-03-16 11:15+0500",
    ]


def test_member_is_not_offered_a_slot_touching_a_booking_within_the_lawyers_pause() -> None:
    rules = Rules("Asia/Almaty", 30, 15, [WeeklyRange(1, time(9), time(13))], [])
    booked = Busy(datetime(2026, 3, 16, 10, tzinfo=ZoneInfo("Asia/Almaty")), utc(2026, 3, 16, 5, 30))
    start, end = local_day(MONDAY, "Asia/Almaty")
    slots = available_slots(rules, [booked], set(), start, end, LONG_AGO, ANY_TIME)
    # Booked 10:00-10:30 with a 15-minute pause: 09:30 and 10:30 would leave no pause, 11:00 does.
    assert walls(slots, "Asia/Almaty") == [
        "2026-03-16 09:00+0500",
        "2026-03-16 11:00+0500",
        "2026-03-16 11:30+0500",
        "2026-03-16 12:00+0500",
        "2026-03-16 12:30+0500",
    ]


def test_member_is_offered_nothing_sooner_than_the_notice_nor_beyond_the_horizon() -> None:
    rules = every_day("UTC", time(9), time(12))
    now = utc(2026, 3, 16, 8, 30)
    service = ServiceRules(min_notice=timedelta(hours=2), horizon=timedelta(days=1, hours=1, minutes=30))
    slots = available_slots(rules, [], set(), utc(2026, 3, 16), utc(2026, 3, 20), now, service)
    assert [s for s, _ in slots] == [utc(2026, 3, 16, 11), utc(2026, 3, 17, 9), utc(2026, 3, 17, 10)]


def test_lawyer_at_the_daily_cap_offers_nothing_more_that_day() -> None:
    rules = every_day("Asia/Almaty", time(9), time(11))
    service = ServiceRules(timedelta(0), timedelta(days=3650), daily_cap=3)
    start, end = local_day(MONDAY, "Asia/Almaty")
    counts = {MONDAY: 3, MONDAY + timedelta(days=1): 2}
    slots = available_slots(rules, [], set(), start, end + timedelta(days=1), LONG_AGO, service, counts)
    assert {to_zone(s, "Asia/Almaty").date() for s, _ in slots} == {MONDAY + timedelta(days=1)}


def test_naive_datetimes_are_refused() -> None:
    rules = every_day("UTC", time(9), time(12))
    with pytest.raises(ValueError, match="window_start"):
        available_slots(rules, [], set(), datetime(2026, 1, 1), utc(2026, 1, 2), LONG_AGO, ANY_TIME)
    with pytest.raises(ValueError, match="moment"):
        to_zone(datetime(2026, 1, 1), "UTC")


# --- Any lawyer ------------------------------------------------------------------------------------------


def test_member_asking_for_any_lawyer_sees_each_time_once_offered_by_the_least_busy_lawyer() -> None:
    nine, ten, eleven = utc(2026, 3, 16, 9), utc(2026, 3, 16, 10), utc(2026, 3, 16, 11)
    per_lawyer = {7: [(nine, ten), (ten, eleven)], 3: [(nine, ten)], 5: [(ten, eleven)]}
    assert merge_lawyers(per_lawyer) == [(nine, ten, 3), (ten, eleven, 5)]
    assert merge_lawyers(per_lawyer, load={3: 4, 5: 1, 7: 1}) == [(nine, ten, 7), (ten, eleven, 5)]


# --- Validation ------------------------------------------------------------------------------------------


def test_lawyer_saving_sensible_rules_gets_no_errors() -> None:
    rules = Rules(
        "Asia/Almaty",
        30,
        10,
        [WeeklyRange(1, time(9), time(12)), WeeklyRange(1, time(12), time(15))],
        [DateException(MONDAY, False), DateException(MONDAY, True, time(18), time(19))],
    )
    assert validate_rules(rules) == {}


def test_lawyer_saving_broken_rules_is_told_what_is_wrong_with_each_field() -> None:
    rules = Rules(
        "Asia/Nowhere",
        10,
        300,
        [
            WeeklyRange(1, time(12), time(9)),
            WeeklyRange(2, time(9), time(12)),
            WeeklyRange(2, time(11), time(13)),
            WeeklyRange(8, time(9), time(12)),
        ],
        [
            DateException(MONDAY, True, time(10), None),
            DateException(MONDAY, True, time(11), time(10)),
            DateException(MONDAY, True, None, time(10)),
        ],
    )
    assert validate_rules(rules) == {
        "timezone": "Unknown time zone.",
        "slot_minutes": "A consultation lasts from 15 to 120 minutes.",
        "buffer_minutes": "The pause between consultations is at most 240 minutes.",
        "weekly.0.end": "The end comes before the start.",
        "weekly.2.start": "These hours overlap other hours on the same weekday.",
        "weekly.3.weekday": "The weekday is a number from 1 (Monday) to 7 (Sunday).",
        "exceptions.0.end": "Extra hours need an end.",
        "exceptions.1.end": "The end comes before the start.",
        "exceptions.2.start": "Extra hours need a start.",
    }


@pytest.mark.parametrize("zone", ["", "Asia", "../etc/passwd", "asia/almaty", "Asia/Almaty ", "a\x00b"])
def test_lawyer_typing_a_zone_that_does_not_exist_is_told_so(zone: str) -> None:
    assert validate_rules(Rules(zone, 30, 0, [], [])) == {"timezone": "Unknown time zone."}


def test_lawyer_is_told_about_negative_pauses_hours_too_short_and_overlapping_extra_hours() -> None:
    rules = Rules(
        "Europe/Moscow",
        60,
        -5,
        [WeeklyRange(3, time(9), time(9, 30))],
        [DateException(MONDAY, True, time(9), time(11)), DateException(MONDAY, True, time(10), time(12))],
    )
    assert validate_rules(rules) == {
        "buffer_minutes": "The pause between consultations cannot be negative.",
        "weekly.0.end": "These hours are shorter than one consultation.",
        "exceptions.1.start": "These hours overlap other extra hours that day.",
    }


# --- Kazakhstan's calendar -------------------------------------------------------------------------------


def test_kazakhstan_holidays_include_weekend_holidays_moved_to_monday_and_decreed_bridge_days() -> None:
    days = kz_holidays([2024, 2025, 2026])
    assert date(2026, 3, 23) in days  # Nauryz
    assert date(2026, 3, 9) in days  # Women's Day fell on a Sunday, moved to Monday
    assert date(2024, 5, 8) in days  # bridge day off, worked on Saturday 2024-05-04
    assert date(2025, 1, 3) in days  # bridge day off, worked on Sunday 2025-01-05
    assert date(2024, 5, 4) not in days
    assert all(d.year in (2024, 2025, 2026) for d in days)


def test_kazakhstans_moved_working_days_are_listed_for_the_years_asked() -> None:
    assert kz_moved_working_days([2024, 2025]) == {date(2024, 5, 4), date(2025, 1, 5)}
    assert date(2013, 12, 28) in kz_moved_working_days([2013])  # paid for the day off of 2014-01-03
    assert date(2013, 12, 28) not in kz_moved_working_days([2014])


# --- Speed -----------------------------------------------------------------------------------------------


def test_a_month_for_twenty_busy_lawyers_is_computed_quickly() -> None:
    # A guard against quadratic sweeps, not a benchmark: about 10 ms here, a quadratic one takes seconds.
    start = utc(2026, 4, 1)
    rules = [
        Rules("Asia/Almaty", 30, 10, [WeeklyRange(d, time(8), time(20)) for d in range(1, 8)], [])
        for _ in range(20)
    ]
    # 500 half-hour bookings per lawyer, 43 minutes apart: 10,000 in all, most of them inside the hours.
    starts = [[start + timedelta(minutes=43 * i + lid) for i in range(500)] for lid in range(20)]
    busy = [[Busy(at, at + timedelta(minutes=30)) for at in lawyer] for lawyer in starts]
    began = clock.perf_counter()
    per_lawyer = {
        lid: available_slots(r, busy[lid], set(), start, start + timedelta(days=31), start, ANY_TIME)
        for lid, r in enumerate(rules)
    }
    merged = merge_lawyers(per_lawyer)
    elapsed = clock.perf_counter() - began
    assert merged
    assert elapsed < 0.5, elapsed
