"""Property tests of the pure matching model on random small instances: every proposal obeys every
rule, and where all assignments can be enumerated, the proposal is as good as the best of them.

The checker and the brute force below work from the raw instance, not from the model's arrays."""

import datetime
import itertools
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteers import matching

MONDAY = datetime.date(2030, 1, 7)
DISTRICTS = ["510107", "510104", "510601", "110101"]
URGENCIES = ["normal", "high", "critical"]


def _interval(day, start_hour, hours):
    start = start_hour * 60
    return day, start, min(24 * 60, start + hours * 60)


@st.composite
def instances(draw, max_volunteers=4, max_shifts=4):
    n_shifts = draw(st.integers(1, max_shifts))
    n_volunteers = draw(st.integers(1, max_volunteers))
    shifts = []
    for s in range(n_shifts):
        day, start, end = _interval(
            draw(st.integers(0, 9)), draw(st.integers(6, 20)), draw(st.integers(1, 6))
        )
        shifts.append(
            {
                "id": 100 + s,
                "day": day,
                "start": start,
                "end": end,
                "free": draw(st.integers(0, 2)),
                "urgency": draw(st.sampled_from(URGENCIES)),
                "surge": draw(st.booleans()),
                "district": draw(st.sampled_from(DISTRICTS)),
                "skills": draw(st.frozensets(st.sampled_from([1, 2]), max_size=1)),
                "certs": tuple(draw(st.lists(st.sampled_from(["a", "b"]), max_size=1))),
            }
        )
    volunteers = []
    for v in range(n_volunteers):
        always = [(weekday, 0, 24 * 60) for weekday in range(7)]
        availability = draw(
            st.just(always)
            | st.lists(
                st.tuples(st.integers(0, 6), st.integers(0, 14), st.integers(2, 12)).map(
                    lambda t: (t[0], t[1] * 60, min(24 * 60, (t[1] + t[2]) * 60))
                ),
                max_size=3,
            )
        )
        commitments = draw(
            st.lists(
                st.tuples(st.integers(0, 9), st.integers(6, 20), st.integers(1, 4)).map(
                    lambda t: _interval(*t)
                ),
                max_size=1,
            )
        )
        volunteers.append(
            {
                "id": 1 + v,
                "district": draw(st.sampled_from(DISTRICTS)),
                "skills": draw(st.frozensets(st.sampled_from([1, 2]))),
                "certs": draw(
                    st.dictionaries(
                        st.sampled_from(["a", "b"]),
                        st.integers(0, 12).map(lambda d: MONDAY.toordinal() + d),
                    )
                ),
                "availability": availability,
                "max_minutes": draw(st.integers(1, 10)) * 60,
                "opted_in": draw(st.booleans()),
                "commitments": commitments,
            }
        )
    requests = draw(
        st.lists(
            st.tuples(st.sampled_from(volunteers), st.sampled_from(shifts)).map(
                lambda pair: (pair[0]["id"], pair[1]["id"])
            ),
            unique=True,
            max_size=6,
        )
    )
    return volunteers, shifts, requests


def _minutes(day, minute):
    return day * 24 * 60 + minute


def _week(day):
    return (MONDAY + datetime.timedelta(days=day - day % 7)).toordinal()


def to_problem(volunteers, shifts, requests) -> matching.Problem:
    return matching.Problem(
        [
            matching.VolunteerFacts(
                id=v["id"],
                district=v["district"],
                skills=v["skills"],
                certificates=v["certs"],
                availability=tuple(v["availability"]),
                max_minutes=v["max_minutes"],
                opted_in=v["opted_in"],
                commitments=tuple(
                    (_minutes(day, start), _minutes(day, end), _week(day))
                    for day, start, end in v["commitments"]
                ),
            )
            for v in volunteers
        ],
        [
            matching.ShiftFacts(
                id=s["id"],
                time=matching.ShiftTime(
                    start=_minutes(s["day"], s["start"]),
                    end=_minutes(s["day"], s["end"]),
                    week=_week(s["day"]),
                    last_day=MONDAY.toordinal() + s["day"],
                    segments=((s["day"] % 7, s["start"], s["end"]),),
                ),
                free=s["free"],
                urgency=s["urgency"],
                district=s["district"],
                required_skills=s["skills"],
                required_certificates=s["certs"],
                surge=s["surge"] and s["urgency"] == "critical",
            )
            for s in shifts
        ],
        [matching.Request(volunteer=v, shift=s, order=i) for i, (v, s) in enumerate(requests)],
    )


# --- The rules, written again from the raw instance ------------------------------------------------


def overlaps(a_day, a_start, a_end, b_day, b_start, b_end):
    return _minutes(a_day, a_start) < _minutes(b_day, b_end) and _minutes(
        b_day, b_start
    ) < _minutes(a_day, a_end)


def pair_allowed(v, s, requests) -> bool:
    if not s["skills"] <= v["skills"]:
        return False
    last_day = MONDAY.toordinal() + s["day"]
    if any(v["certs"].get(kind, -1) < last_day for kind in s["certs"]):
        return False
    if (v["id"], s["id"]) not in requests:
        if not v["opted_in"] or v["district"] != s["district"]:
            return False
        if not any(
            weekday == s["day"] % 7 and a <= s["start"] and b >= s["end"]
            for weekday, a, b in v["availability"]
        ):
            return False
    return True


def violations(volunteers, shifts, requests, pairs) -> list[str]:
    """Every rule a set of (volunteer, shift) pairs breaks."""
    found = []
    by_id_v = {v["id"]: v for v in volunteers}
    by_id_s = {s["id"]: s for s in shifts}
    per_shift = defaultdict(int)
    per_volunteer = defaultdict(list)
    for v_id, s_id in pairs:
        v, s = by_id_v[v_id], by_id_s[s_id]
        if not pair_allowed(v, s, set(requests)):
            found.append(f"pair {v_id}->{s_id} not allowed")
        per_shift[s_id] += 1
        per_volunteer[v_id].append(s)
    for s_id, count in per_shift.items():
        if count > by_id_s[s_id]["free"]:
            found.append(f"shift {s_id} over capacity")
    for v_id, taken in per_volunteer.items():
        v = by_id_v[v_id]
        busy = [(c[0], c[1], c[2]) for c in v["commitments"]] + [
            (s["day"], s["start"], s["end"]) for s in taken
        ]
        for a, b in itertools.combinations(range(len(busy)), 2):
            if overlaps(*busy[a], *busy[b]):
                found.append(f"volunteer {v_id} overlap")
        minutes = defaultdict(int)
        for day, start, end in busy:
            minutes[_week(day)] += end - start
        for week, total in minutes.items():
            has_new = any(_week(s["day"]) == week for s in taken)
            if has_new and total > v["max_minutes"]:
                found.append(f"volunteer {v_id} over hours")
    return found


def value(volunteers, shifts, requests, pairs) -> tuple[int, int]:
    """(urgency-weighted places, -cost): the lexicographic aim."""
    by_id_v = {v["id"]: v for v in volunteers}
    by_id_s = {s["id"]: s for s in shifts}
    weighted = cost = 0
    for v_id, s_id in pairs:
        v, s = by_id_v[v_id], by_id_s[s_id]
        factor = 2 if s["surge"] and s["urgency"] == "critical" else 1
        weighted += {"normal": 1, "high": 2, "critical": 4}[s["urgency"]] * factor
        a, b = v["district"], s["district"]
        level = 0 if a == b else 1 if a[:4] == b[:4] else 2 if a[:2] == b[:2] else 3
        cost += (0, 2, 5, 10)[level] + (0 if (v_id, s_id) in requests else 3)
    return weighted, -cost


def brute_force(volunteers, shifts, requests) -> tuple[int, int]:
    allowed = [
        (v["id"], s["id"]) for v in volunteers for s in shifts if pair_allowed(v, s, set(requests))
    ]
    best = (0, 0)
    for size in range(1, len(allowed) + 1):
        for pairs in itertools.combinations(allowed, size):
            if not violations(volunteers, shifts, requests, pairs):
                best = max(best, value(volunteers, shifts, requests, pairs))
    return best


def solved_pairs(problem):
    candidates, solution = matching.solve(problem, time_limit=10)
    pairs = [
        (problem.volunteers[candidates.volunteer[i]].id, problem.shifts[candidates.shift[i]].id)
        for i in solution.chosen
    ]
    return candidates, solution, pairs


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_volunteers=6, max_shifts=6))
def test_every_proposal_obeys_every_rule(instance):
    volunteers, shifts, requests = instance
    _candidates, solution, pairs = solved_pairs(to_problem(volunteers, shifts, requests))
    assert solution.status == "optimal"
    assert violations(volunteers, shifts, requests, pairs) == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_volunteers=3, max_shifts=3))
def test_proposal_is_as_good_as_the_best_enumerated_assignment(instance):
    volunteers, shifts, requests = instance
    _candidates, solution, pairs = solved_pairs(to_problem(volunteers, shifts, requests))
    assert value(volunteers, shifts, requests, pairs) == brute_force(volunteers, shifts, requests)
    assert solution.gap == 0


@settings(max_examples=60, deadline=None)
@given(instances(max_volunteers=5, max_shifts=5))
def test_first_come_first_served_obeys_the_rules_and_never_beats_the_optimum(instance):
    volunteers, shifts, requests = instance
    problem = to_problem(volunteers, shifts, requests)
    candidates, _solution, pairs = solved_pairs(problem)
    first = matching.first_come_first_served(problem, candidates)
    fcfs_pairs = [
        (problem.volunteers[candidates.volunteer[i]].id, problem.shifts[candidates.shift[i]].id)
        for i in first
    ]
    assert violations(volunteers, shifts, requests, fcfs_pairs) == []
    assert set(fcfs_pairs) <= set(requests)
    assert (
        value(volunteers, shifts, requests, fcfs_pairs)[0]
        <= (value(volunteers, shifts, requests, pairs)[0])
    )


def test_interval_cliques_are_the_maximal_overlapping_sets():
    # 0:[0,10) 1:[5,15) 2:[12,20) 3:[20,30): {0,1}, {1,2}; 3 touches 2 only at an end.
    cliques = matching.interval_cliques([0, 5, 12, 20], [10, 15, 20, 30])
    assert sorted(sorted(c) for c in cliques) == [[0, 1], [1, 2]]


def test_shift_time_splits_a_night_shift_at_local_midnight():
    import zoneinfo

    zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    starts = datetime.datetime(2030, 1, 7, 22, 0, tzinfo=zone)  # a Monday
    time = matching.shift_time(starts, starts + datetime.timedelta(hours=4), zone)
    assert time.segments == ((0, 22 * 60, 24 * 60), (1, 0, 2 * 60))
    assert time.last_day == datetime.date(2030, 1, 8).toordinal()
    assert time.week == datetime.date(2030, 1, 7).toordinal()


def test_touching_availability_periods_cover_a_shift_across_them():
    periods = [
        {"weekday": 5, "start": "12:00", "end": "17:00"},
        {"weekday": 5, "start": "09:00", "end": "12:00"},
    ]
    assert matching.merge_periods(periods) == [(5, 9 * 60, 17 * 60)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_volunteers=3, max_shifts=3))
def test_large_models_go_to_cp_sat_with_the_same_answers(instance):
    from unittest import mock

    volunteers, shifts, requests = instance
    with mock.patch.object(matching, "HIGHS_MAX_PAIRS", -1):
        _candidates, solution, pairs = solved_pairs(to_problem(volunteers, shifts, requests))
    assert solution.status == "optimal"
    assert violations(volunteers, shifts, requests, pairs) == []
    assert value(volunteers, shifts, requests, pairs) == brute_force(volunteers, shifts, requests)
