"""Matching volunteers to shifts: the pure part (no database). Facts in, ranked shifts or an
optimal assignment out; volunteers.selectors_matching and volunteers.services load and store.

Which (volunteer, shift) pairs may be proposed at all (a *candidate*):
- the volunteer holds every required skill and every required certificate valid on the shift's last
  local day, has no place on the shift already, no place on an overlapping shift, and the shift fits
  in what is left of their weekly hours;
- and either the volunteer asked for the shift (an applied or waitlisted sign-up: asking says they
  can come), or they opted in to being placed, the shift lies inside their declared weekly
  availability, and it is in their own district.

The bulk assignment maximises urgency-weighted filled places and, among assignments that fill the
same, minimises the summed pair cost (distance level plus a charge for a shift the volunteer did not
ask for). Both aims go into one integer objective: each filled place is worth
`weight × scale − cost`, with `scale` above any possible total cost, so no saving in cost can ever
pay for a weighted place less.

Distance: district codes carry no coordinates (the national table has names only), so distance is
a level by shared code prefix: same district 0, same city 1, same province 2, else 3. A volunteer's
own coordinates cannot help while shifts have none.
"""

import dataclasses
import datetime
import math
import time
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

# Urgency → value of one filled place. A critical task inside a declared emergency counts double.
URGENCY_WEIGHT = {"normal": 1, "high": 2, "critical": 4}
SURGE_FACTOR = 2
# Pair cost by distance level (district, city, province, further) and for a shift not asked for.
DISTANCE_COST = (0, 2, 5, 10)
NOT_ASKED_COST = 3
MAX_PAIR_COST = DISTANCE_COST[-1] + NOT_ASKED_COST
# A volunteer is only proposed for a shift outside their own district if they asked for it.
# (Within the city, the benchmark's model grows fivefold and HiGHS no longer solves it in time.)
MAX_PLACEMENT_LEVEL = 0
NEVER_EXPIRES = 10**7  # a date ordinal after any real date
NO_CERTIFICATE = -1
DEFAULT_TIME_LIMIT = 8.0


def distance_level(a: str, b: str) -> int:
    """0 same district, 1 same city, 2 same province, 3 further (six-digit division codes)."""
    if a == b:
        return 0
    if a[:4] == b[:4]:
        return 1
    if a[:2] == b[:2]:
        return 2
    return 3


def region_prefix(code: str) -> str:
    """The prefix a division's descendants share: 510000 → 51, 510100 → 5101, 510107 → 510107."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def merge_periods(periods) -> list[tuple[int, int, int]]:
    """Weekly availability as sorted (weekday, start minute, end minute), touching periods joined
    so that 09:00–12:00 and 12:00–17:00 cover a shift from 10:00 to 14:00."""
    by_day = defaultdict(list)
    for period in periods:
        start_h, start_m = period["start"].split(":")
        end_h, end_m = period["end"].split(":")
        by_day[period["weekday"]].append(
            (int(start_h) * 60 + int(start_m), int(end_h) * 60 + int(end_m))
        )
    merged = []
    for weekday in sorted(by_day):
        current = None
        for start, end in sorted(by_day[weekday]):
            if current and start <= current[1]:
                current[1] = max(current[1], end)
            else:
                if current:
                    merged.append((weekday, *current))
                current = [start, end]
        merged.append((weekday, *current))
    return merged


@dataclasses.dataclass(frozen=True)
class ShiftTime:
    """A shift's times as the rules need them, in whole minutes."""

    start: int  # minutes since the Unix epoch
    end: int
    week: int  # ordinal of the local Monday of the week the shift starts in
    last_day: int  # ordinal of the local day the shift ends on (certificates must last to it)
    segments: tuple[tuple[int, int, int], ...]  # (weekday, start, end) per local day it touches


def shift_time(starts_at: datetime.datetime, ends_at: datetime.datetime, zone) -> ShiftTime:
    local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    segments = []
    day = local_start.date()
    while True:
        day_start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
        seg_from = max(local_start, day_start)
        seg_to = min(local_end, day_start + datetime.timedelta(days=1))
        if seg_to > seg_from:
            begin = (seg_from - day_start) // datetime.timedelta(minutes=1)
            finish = (seg_to - day_start) // datetime.timedelta(minutes=1)
            segments.append((day.weekday(), begin, finish))
        if seg_to >= local_end:
            break
        day += datetime.timedelta(days=1)
    monday = local_start.date() - datetime.timedelta(days=local_start.weekday())
    return ShiftTime(
        start=int(starts_at.timestamp()) // 60,
        end=int(ends_at.timestamp()) // 60,
        week=monday.toordinal(),
        last_day=local_end.date().toordinal(),
        segments=tuple(segments),
    )


@dataclasses.dataclass(frozen=True)
class VolunteerFacts:
    id: int
    district: str
    skills: frozenset  # skill ids
    certificates: dict  # kind → expiry ordinal (NEVER_EXPIRES when it never expires)
    availability: tuple  # merged (weekday, start, end) periods
    max_minutes: int  # per week
    opted_in: bool
    # Places already held (confirmed or applied), anywhere: (start, end, week) in minutes.
    commitments: tuple = ()


@dataclasses.dataclass(frozen=True)
class ShiftFacts:
    id: int
    time: ShiftTime
    free: int  # places not yet held by a confirmed or applied sign-up
    urgency: str
    district: str
    required_skills: frozenset
    required_certificates: tuple
    surge: bool = False  # a critical task inside a declared emergency

    @property
    def weight(self) -> int:
        return URGENCY_WEIGHT[self.urgency] * (SURGE_FACTOR if self.surge else 1)

    @property
    def minutes(self) -> int:
        return self.time.end - self.time.start


@dataclasses.dataclass(frozen=True)
class Request:
    """A volunteer asked for a shift (a waitlisted or applied sign-up); `order` is its arrival."""

    volunteer: int
    shift: int
    order: int


@dataclasses.dataclass
class Candidates:
    """The eligible pairs, as parallel arrays of indices into the problem's lists."""

    volunteer: np.ndarray
    shift: np.ndarray
    cost: np.ndarray
    asked: np.ndarray
    level: np.ndarray

    def __len__(self):
        return len(self.volunteer)


class Problem:
    """Facts in array form: one row per volunteer and per shift."""

    def __init__(
        self,
        volunteers: Sequence[VolunteerFacts],
        shifts: Sequence[ShiftFacts],
        requests: Sequence[Request] = (),
        held: Sequence[tuple[int, int]] = (),
    ):
        self.volunteers = list(volunteers)
        self.shifts = list(shifts)
        self.requests = list(requests)
        self.v_index = {v.id: i for i, v in enumerate(self.volunteers)}
        self.s_index = {s.id: i for i, s in enumerate(self.shifts)}
        # (volunteer id, shift id) where the volunteer already holds a place or is confirmed.
        self.held = set(held)
        nv = len(self.volunteers)
        skill_ids = sorted(
            {k for v in self.volunteers for k in v.skills}
            | {k for s in self.shifts for k in s.required_skills}
        )
        self.skill_col = {k: i for i, k in enumerate(skill_ids)}
        kinds = sorted(
            {k for v in self.volunteers for k in v.certificates}
            | {k for s in self.shifts for k in s.required_certificates}
        )
        self.kind_col = {k: i for i, k in enumerate(kinds)}
        self.v_skills = np.zeros((nv, len(skill_ids)), dtype=bool)
        self.v_expiry = np.full((nv, len(kinds)), NO_CERTIFICATE, dtype=np.int64)
        width = max((len(v.availability) for v in self.volunteers), default=0)
        self.v_avail = np.full((nv, max(width, 1), 3), -1, dtype=np.int32)
        for i, v in enumerate(self.volunteers):
            for k in v.skills:
                self.v_skills[i, self.skill_col[k]] = True
            for kind, expiry in v.certificates.items():
                self.v_expiry[i, self.kind_col[kind]] = expiry
            for j, period in enumerate(v.availability):
                self.v_avail[i, j] = period
        self.v_opted = np.array([v.opted_in for v in self.volunteers], dtype=bool)
        self.v_city = np.array([v.district[:4] for v in self.volunteers], dtype="U6")
        self.v_province = np.array([v.district[:2] for v in self.volunteers], dtype="U6")
        self.v_district = np.array([v.district for v in self.volunteers], dtype="U6")
        self.s_start = np.array([s.time.start for s in self.shifts], dtype=np.int64)
        self.s_end = np.array([s.time.end for s in self.shifts], dtype=np.int64)
        self.s_week = np.array([s.time.week for s in self.shifts], dtype=np.int64)
        self.s_free = np.array([s.free for s in self.shifts], dtype=np.int64)
        self.s_weight = np.array([s.weight for s in self.shifts], dtype=np.int64)
        self.s_critical = np.array([s.urgency == "critical" for s in self.shifts], dtype=bool)

    def candidates(
        self, *, max_level: int = MAX_PLACEMENT_LEVEL, availability_required: bool = True
    ) -> Candidates:
        """Every eligible pair (see the module's rules), built shift by shift over volunteer
        vectors; masks are shared between shifts with the same requirements or times.

        `max_level`: the furthest distance level a shift not asked for may be at.
        `availability_required=False` treats shifts as inside availability (recommendations for a
        volunteer who has not declared any)."""
        nv = len(self.volunteers)
        asked_by_shift = defaultdict(list)
        for request in self.requests:
            v, s = self.v_index.get(request.volunteer), self.s_index.get(request.shift)
            if v is not None and s is not None:
                asked_by_shift[s].append(v)
        skill_masks, avail_masks, place_masks = {}, {}, {}
        all_true = np.ones(nv, dtype=bool)
        out_v, out_s, out_level, out_asked = [], [], [], []
        for s, shift in enumerate(self.shifts):
            if shift.free <= 0:
                continue
            key = shift.required_skills
            if key not in skill_masks:
                cols = [self.skill_col[k] for k in key]
                skill_masks[key] = self.v_skills[:, cols].all(axis=1) if cols else all_true
            mask = skill_masks[key].copy()
            for kind in shift.required_certificates:
                mask &= self.v_expiry[:, self.kind_col[kind]] >= shift.time.last_day
            segments = shift.time.segments
            if not availability_required:
                segments = ()
            if segments not in avail_masks:
                covered = all_true.copy()
                for weekday, begin, finish in segments:
                    covered &= (
                        (self.v_avail[:, :, 0] == weekday)
                        & (self.v_avail[:, :, 1] <= begin)
                        & (self.v_avail[:, :, 2] >= finish)
                    ).any(axis=1)
                avail_masks[segments] = covered & self.v_opted
            if shift.district not in place_masks:
                prefix = shift.district[: (6, 4, 2, 0)[max_level]]
                place_masks[shift.district] = np.char.startswith(self.v_district, prefix)
            placeable = avail_masks[segments] & place_masks[shift.district]
            asked = np.zeros(nv, dtype=bool)
            asked[asked_by_shift.get(s, [])] = True
            chosen = np.flatnonzero(mask & (placeable | asked))
            if not len(chosen):
                continue
            level = np.where(
                self.v_district[chosen] == shift.district,
                0,
                np.where(
                    self.v_city[chosen] == shift.district[:4],
                    1,
                    np.where(self.v_province[chosen] == shift.district[:2], 2, 3),
                ),
            )
            out_v.append(chosen)
            out_s.append(np.full(len(chosen), s))
            out_level.append(level)
            out_asked.append(asked[chosen])
        if out_v:
            pv, ps = np.concatenate(out_v), np.concatenate(out_s)
            level, asked = np.concatenate(out_level), np.concatenate(out_asked)
        else:
            pv = ps = level = np.zeros(0, dtype=np.int64)
            asked = np.zeros(0, dtype=bool)
        keep = self._fits_commitments(pv, ps)
        pv, ps, level, asked = pv[keep], ps[keep], level[keep], asked[keep]
        cost = np.asarray(DISTANCE_COST)[level] + np.where(asked, 0, NOT_ASKED_COST)
        return Candidates(
            volunteer=pv, shift=ps, cost=cost.astype(np.int64), asked=asked, level=level
        )

    def _fits_commitments(self, pv: np.ndarray, ps: np.ndarray) -> np.ndarray:
        """Drop pairs already held, overlapping a held place, or over the week's hours."""
        keep = np.ones(len(pv), dtype=bool)
        duration = self.s_end[ps] - self.s_start[ps]
        max_minutes = np.array([v.max_minutes for v in self.volunteers], dtype=np.int64)
        keep &= duration <= max_minutes[pv]
        busy = {i for i, v in enumerate(self.volunteers) if v.commitments}
        check = np.flatnonzero(np.isin(pv, list(busy))) if busy else ()
        for i in check:
            v, s = self.volunteers[pv[i]], self.shifts[ps[i]]
            start, end, week = s.time.start, s.time.end, s.time.week
            used = 0
            for c_start, c_end, c_week in v.commitments:
                if c_start < end and start < c_end:
                    keep[i] = False
                    break
                if c_week == week:
                    used += c_end - c_start
            if used + (end - start) > v.max_minutes:
                keep[i] = False
        if self.held:
            for i in np.flatnonzero(keep):
                if (self.volunteers[pv[i]].id, self.shifts[ps[i]].id) in self.held:
                    keep[i] = False
        return keep

    def remaining_minutes(self, v: int, week: int) -> int:
        volunteer = self.volunteers[v]
        used = sum(end - start for start, end, w in volunteer.commitments if w == week)
        return volunteer.max_minutes - used


def interval_cliques(starts: Sequence[int], ends: Sequence[int]) -> list[list[int]]:
    """The maximal sets (of two or more) of pairwise overlapping intervals [start, end), by
    position: for intervals, pairwise overlap means a common point, so one sweep finds them."""
    order = sorted(range(len(starts)), key=lambda i: starts[i])
    cliques, active = [], []
    for i in order:
        still = [a for a in active if ends[a] > starts[i]]
        # Everything alive at the last start, before one of them ends: nothing later can join.
        if len(still) < len(active) and len(active) > 1:
            cliques.append(active)
        active = [*still, i]
    if len(active) > 1:
        cliques.append(active)
    return cliques


@dataclasses.dataclass
class Solution:
    status: str  # optimal | feasible | unknown
    chosen: np.ndarray  # indices into the candidates
    objective: int
    bound: int
    seconds: float
    build_seconds: float

    @property
    def gap(self) -> float:
        if self.status == "optimal":
            return 0.0
        return max(0.0, (self.bound - self.objective) / max(1, abs(self.objective)))


def objective_scale(problem: Problem) -> int:
    """Above the largest possible total cost: every place filled at the dearest pair."""
    return int(problem.s_free.clip(min=0).sum()) * MAX_PAIR_COST + 1


def pair_gain(problem: Problem, candidates: Candidates) -> np.ndarray:
    return problem.s_weight[candidates.shift] * objective_scale(problem) - candidates.cost


# Above this many pairs HiGHS may spend minutes in its first LP and ignore the time limit; CP-SAT
# keeps to it and reports the gap it leaves.
HIGHS_MAX_PAIRS = 60_000


def constraints(problem: Problem, candidates: Candidates):
    """The model's rows as (candidate indices, limit, coefficients or None for all ones): places
    per shift, one of each set of overlapping shifts per volunteer, and weekly minutes."""
    pv, ps = candidates.volunteer, candidates.shift
    by_shift = np.argsort(ps, kind="stable")
    for group in np.split(by_shift, np.flatnonzero(np.diff(ps[by_shift])) + 1):
        free = int(problem.s_free[ps[group[0]]])
        if len(group) > free:
            yield group.tolist(), free, None
    by_volunteer = np.argsort(pv, kind="stable")
    starts, ends = problem.s_start[ps], problem.s_end[ps]
    weeks, minutes = problem.s_week[ps], (problem.s_end - problem.s_start)[ps]
    for group in np.split(by_volunteer, np.flatnonzero(np.diff(pv[by_volunteer])) + 1):
        if len(group) < 2:
            continue
        for clique in interval_cliques(starts[group].tolist(), ends[group].tolist()):
            yield [int(group[c]) for c in clique], 1, None
        v = int(pv[group[0]])
        for week in np.unique(weeks[group]):
            in_week = group[weeks[group] == week]
            left = problem.remaining_minutes(v, int(week))
            if minutes[in_week].sum() > left:
                yield in_week.tolist(), left, minutes[in_week].tolist()


def solve(
    problem: Problem,
    candidates: Candidates | None = None,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> tuple[Candidates, Solution]:
    """The optimal assignment under `constraints`, maximising `pair_gain`.

    Solved as a mixed-integer programme by HiGHS through OR-Tools: the model is nearly a flow, so
    the LP bound is tight and branch and bound closes quickly (CP-SAT, tried first, left a 1.6%
    gap after eight seconds on a fifth of the benchmark, which HiGHS solves to optimality in
    0.6 s). Larger models go to CP-SAT, which keeps to the time limit, starting from first come,
    first served."""
    begun = time.perf_counter()
    if candidates is None:
        candidates = problem.candidates()
    if len(candidates) == 0:
        elapsed = time.perf_counter() - begun
        return candidates, Solution("optimal", np.zeros(0, dtype=np.int64), 0, 0, 0.0, elapsed)
    gain = pair_gain(problem, candidates)
    if len(candidates) <= HIGHS_MAX_PAIRS:
        solution = _solve_highs(problem, candidates, gain, time_limit, begun)
    else:
        solution = _solve_cp_sat(problem, candidates, gain, time_limit, begun)
    return candidates, solution


def _solve_highs(problem, candidates, gain, time_limit, begun) -> Solution:
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("HIGHS")
    solver.SuppressOutput()
    infinity = solver.infinity()
    x = [solver.BoolVar(f"x{i}") for i in range(len(candidates))]
    for indices, limit, coefficients in constraints(problem, candidates):
        row = solver.Constraint(-infinity, float(limit))
        for j, i in enumerate(indices):
            row.SetCoefficient(x[i], 1.0 if coefficients is None else float(coefficients[j]))
    objective = solver.Objective()
    for i, value in enumerate(gain.tolist()):
        objective.SetCoefficient(x[i], float(value))
    objective.SetMaximization()
    solver.SetTimeLimit(int(time_limit * 1000))
    parameters = pywraplp.MPSolverParameters()
    parameters.SetDoubleParam(parameters.RELATIVE_MIP_GAP, 0.0)
    build_seconds = time.perf_counter() - begun
    solve_begun = time.perf_counter()
    status = solver.Solve(parameters)
    seconds = time.perf_counter() - solve_begun
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return Solution("unknown", np.zeros(0, dtype=np.int64), 0, 0, seconds, build_seconds)
    chosen = np.flatnonzero([var.solution_value() > 0.5 for var in x])
    value = int(gain[chosen].sum())
    best_bound = objective.BestBound()
    bound = max(value, math.floor(best_bound + 1e-6)) if math.isfinite(best_bound) else value
    optimal = status == pywraplp.Solver.OPTIMAL or bound == value
    return Solution(
        status="optimal" if optimal else "feasible",
        chosen=chosen,
        objective=value,
        bound=bound if not optimal else value,
        seconds=seconds,
        build_seconds=build_seconds,
    )


def _solve_cp_sat(problem, candidates, gain, time_limit, begun) -> Solution:
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in range(len(candidates))]
    for indices, limit, coefficients in constraints(problem, candidates):
        if coefficients is None:
            model.add(sum(x[i] for i in indices) <= limit)
        else:
            model.add(
                cp_model.LinearExpr.weighted_sum([x[i] for i in indices], coefficients) <= limit
            )
    model.maximize(cp_model.LinearExpr.weighted_sum(x, gain.tolist()))
    start = set(first_come_first_served(problem, candidates).tolist())
    for i, var in enumerate(x):
        model.add_hint(var, i in start)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    build_seconds = time.perf_counter() - begun
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Nothing better in time: first come, first served, against the bound of every open
        # place filled at no cost, so the gap says honestly how little is known.
        chosen = np.array(sorted(start), dtype=np.int64)
        value = int(gain[chosen].sum())
        places = np.bincount(candidates.shift, minlength=len(problem.shifts))
        ceiling = np.minimum(problem.s_free.clip(min=0), places) * problem.s_weight
        bound = int(ceiling.sum()) * objective_scale(problem)
        return Solution(
            "feasible", chosen, value, max(value, bound), solver.wall_time, build_seconds
        )
    chosen = np.flatnonzero([solver.boolean_value(var) for var in x])
    value = int(gain[chosen].sum())
    return Solution(
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        chosen=chosen,
        objective=value,
        bound=max(value, math.floor(solver.best_objective_bound + 1e-6)),
        seconds=solver.wall_time,
        build_seconds=build_seconds,
    )


def first_come_first_served(problem: Problem, candidates: Candidates) -> np.ndarray:
    """What sign-up order alone would give: requests served in arrival order, each taking a place
    while one is free and the volunteer has no overlap and hours left. Indices into candidates."""
    pair_at = {
        (int(v), int(s)): i
        for i, (v, s, asked) in enumerate(
            zip(candidates.volunteer, candidates.shift, candidates.asked, strict=True)
        )
        if asked
    }
    free = problem.s_free.copy()
    taken = defaultdict(list)  # volunteer index → [(start, end, week, minutes)]
    chosen = []
    for request in sorted(problem.requests, key=lambda r: r.order):
        v, s = problem.v_index.get(request.volunteer), problem.s_index.get(request.shift)
        i = pair_at.get((v, s))
        if i is None or free[s] <= 0:
            continue
        start, end, week = problem.s_start[s], problem.s_end[s], problem.s_week[s]
        mine = taken[v]
        if any(a < end and start < b for a, b, _w, _m in mine):
            continue
        used = sum(m for _a, _b, w, m in mine if w == week)
        if used + (end - start) > problem.remaining_minutes(v, int(week)):
            continue
        mine.append((start, end, week, end - start))
        free[s] -= 1
        chosen.append(i)
    return np.array(chosen, dtype=np.int64)


@dataclasses.dataclass(frozen=True)
class Figures:
    filled: int
    weighted: int
    critical: int
    cost: int


def figures(problem: Problem, candidates: Candidates, chosen: np.ndarray) -> Figures:
    shifts = candidates.shift[chosen]
    return Figures(
        filled=len(chosen),
        weighted=int(problem.s_weight[shifts].sum()),
        critical=int(problem.s_critical[shifts].sum()),
        cost=int(candidates.cost[chosen].sum()),
    )
