"""How good and how fast is the optimal assignment against first come, first served?

    .venv/bin/python bench/matching.py [--volunteers 10000] [--shifts 2000] [--seed 7]

Generates a synthetic region (one province's cities and districts; volunteers with skills,
certificates, weekly availability, hours limits, 40% open to being placed; one organization's
relief tasks with shifts of 3–8 places over two weeks at overlapping times; each volunteer asks for
1–4 shifts, popular ones far more often, critical ones less), loads it with bulk_create into
PostgreSQL (DATABASE_URL, a database it creates and drops) or, when DATABASE_URL is not a
postgres:// URL, a fresh SQLite file, and then times the real path: load from the database,
build the model, solve (a mixed-integer programme, HiGHS), store the proposal. Prints the figures of the optimal proposal
and of first come, first served on the same volunteers' requests.
"""

import argparse
import datetime
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shanxin_bench_matching"


def recreate(url: str, *, drop_only=False) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--shifts", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=8.0)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    folder = None
    if postgres:
        recreate(url)
    else:
        folder = tempfile.mkdtemp(prefix="shanxin-bench-")
        url = f"sqlite:///{folder}/matching.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEBUG", "false")
    sys.path.insert(0, str(ROOT))
    try:
        run(args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            if postgres:
                recreate(url, drop_only=True)
            else:
                shutil.rmtree(folder, ignore_errors=True)


def bench_counties() -> list[str]:
    """The districts of Sichuan's first eight cities."""
    from charity.regions import DIVISION_DATA

    counties = sorted(
        code for code in DIVISION_DATA if code.startswith("51") and not code.endswith("00")
    )
    cities = sorted({code[:4] for code in counties})[:8]
    counties = [code for code in counties if code[:4] in cities]
    return counties


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from django.contrib.auth.hashers import make_password

    from charity.models import Organization, User
    from volunteers import services_matching
    from volunteers.models import (
        AssignmentProposal,
        CertificateKind,
        ReliefTask,
        Shift,
        ShiftSignup,
        SignupStatus,
        Skill,
        VolunteerCertificate,
        VolunteerProfile,
    )
    from volunteers.services import PLATFORM_ZONE

    rng = random.Random(args.seed)
    counties = bench_counties()
    started = time.perf_counter()
    now = timezone.now()
    actor = User.objects.create_superuser(email="bench@example.org", password=None)
    organization = Organization.objects.create(
        name="Bench Relief",
        slug="bench",
        credit_code="53110000MJ0000001X",
        contact_email="bench@example.org",
        verified_at=now,
        verified_by=actor,
    )
    skills = Skill.objects.bulk_create(
        [Skill(code=f"s{i}", name_zh=f"技能{i}", name_en=f"Skill {i}") for i in range(8)]
    )
    kinds = [CertificateKind.FIRST_AID, CertificateKind.DRIVER, CertificateKind.MEDICAL]
    # Tasks: 10 shifts each; urgency 60/25/15; a third need a skill, some a certificate.
    n_tasks = max(1, args.shifts // 10)
    tasks = ReliefTask.objects.bulk_create(
        [
            ReliefTask(
                organization=organization,
                title=f"Relief task {i}",
                place=f"Site {i}",
                district=rng.choice(counties),
                urgency=rng.choices(["normal", "high", "critical"], [60, 25, 15])[0],
                required_certificates=[rng.choice(kinds)] if rng.random() < 0.12 else [],
            )
            for i in range(n_tasks)
        ]
    )
    task_skills = []
    for task in tasks:
        if rng.random() < 0.35:
            for skill in rng.sample(skills, rng.choice([1, 1, 2])):
                task_skills.append(
                    ReliefTask.required_skills.through(relieftask_id=task.pk, skill_id=skill.pk)
                )
    ReliefTask.required_skills.through.objects.bulk_create(task_skills)
    # Two weeks from next Monday, local time; shifts start at overlapping hours.
    today = now.astimezone(PLATFORM_ZONE).date()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    window_start = datetime.datetime.combine(monday, datetime.time(), tzinfo=PLATFORM_ZONE)
    window_end = window_start + datetime.timedelta(days=14)
    shifts = []
    for i in range(args.shifts):
        day = window_start + datetime.timedelta(days=rng.randrange(14))
        starts_at = day + datetime.timedelta(hours=rng.choice([7, 8, 9, 10, 13, 14, 17, 18]))
        shifts.append(
            Shift(
                task=tasks[i % n_tasks],
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(hours=rng.choice([3, 4, 4, 5])),
                capacity=rng.randint(3, 8),
            )
        )
    shifts = Shift.objects.bulk_create(shifts, batch_size=2000)
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(email=f"v{i}@bench.example.org", display_name=f"V{i}", password=unusable)
            for i in range(args.volunteers)
        ],
        batch_size=2000,
    )
    profiles = []
    for i, user in enumerate(users):
        periods = []
        for weekday in rng.sample(range(7), rng.randint(2, 5)):
            start = rng.choice([7, 8, 9, 13, 17])
            periods.append(
                {
                    "weekday": weekday,
                    "start": f"{start:02d}:00",
                    "end": f"{min(24, start + rng.choice([5, 6, 8, 10])):02d}:00",
                }
            )
        profiles.append(
            VolunteerProfile(
                user=user,
                volunteer_number=f"B{i:09d}",
                calendar_token=f"bench-{i}",
                phone="13800138000",
                district=rng.choice(counties),
                availability=periods,
                max_hours_per_week=rng.choice([8, 12, 16, 20]),
                emergency_contact_name="-",
                emergency_contact_phone="13900139000",
                consent_at=now,
                open_to_placement=rng.random() < 0.4,
            )
        )
    profiles = VolunteerProfile.objects.bulk_create(profiles, batch_size=2000)
    profile_skills, certificates = [], []
    for profile in profiles:
        for skill in rng.sample(skills, rng.choice([0, 1, 1, 2, 3])):
            profile_skills.append(
                VolunteerProfile.skills.through(volunteerprofile_id=profile.pk, skill_id=skill.pk)
            )
        if rng.random() < 0.3:
            expires = monday + datetime.timedelta(days=rng.choice([-30, 5, 400, 800]))
            certificates.append(
                VolunteerCertificate(profile=profile, kind=rng.choice(kinds), expires_on=expires)
            )
    VolunteerProfile.skills.through.objects.bulk_create(profile_skills, batch_size=5000)
    VolunteerCertificate.objects.bulk_create(certificates, batch_size=5000)
    # Requests: popularity falls off as 1/rank; critical and certificate-bound work is less
    # popular. Each request is a waitlisted sign-up, in a random arrival order.
    urgency_of = {task.pk: task.urgency for task in tasks}
    popularity = [
        (1.0 / (rank + 1))
        * (0.3 if urgency_of[shift.task_id] == "critical" else 1.0)
        * (0.5 if shift.task.required_certificates else 1.0)
        for rank, shift in enumerate(rng.sample(shifts, len(shifts)))
    ]
    order = rng.sample(shifts, len(shifts))
    requests = []
    for profile in profiles:
        chosen = {
            shift.pk: shift for shift in rng.choices(order, weights=popularity, k=rng.randint(1, 4))
        }
        requests += [(profile, shift) for shift in chosen.values()]
    rng.shuffle(requests)
    ShiftSignup.objects.bulk_create(
        [
            ShiftSignup(
                shift=shift,
                volunteer=profile,
                status=SignupStatus.WAITLISTED,
                created_at=now,
                status_changed_at=now,
            )
            for profile, shift in requests
        ],
        batch_size=5000,
    )
    load_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    proposal = AssignmentProposal.objects.create(
        organization=organization,
        window_start=window_start,
        window_end=window_end,
        created_by=actor,
    )
    started = time.perf_counter()
    with transaction.atomic():
        proposal = services_matching.assignment_proposal_solve(
            proposal_id=proposal.pk, time_limit=args.time_limit
        )
    end_to_end = time.perf_counter() - started
    summary = proposal.summary
    stored = proposal.placements.count()
    gain = (
        (summary["critical_filled"] - summary["fcfs_critical_filled"])
        / max(1, summary["fcfs_critical_filled"])
        * 100
    )
    print(f"database: {connection.vendor}; generated and loaded in {load_seconds:.1f} s")
    print(
        f"region: {args.volunteers:,} volunteers ({summary['pool']:,} in the pool), "
        f"{summary['shifts']:,} shifts, {summary['open_places']:,} places "
        f"({summary['critical_open']:,} critical), {len(requests):,} requests, "
        f"{summary['pairs']:,} eligible pairs"
    )
    print(f"end to end (database → solve → stored proposal): {end_to_end:6.2f} s")
    print(f"  model building:                                 {summary['model_seconds']:6.2f} s")
    print(f"  solver (HiGHS MIP through OR-Tools):           {proposal.solve_seconds:6.2f} s")
    print(
        f"solver status: {proposal.solver_status}; optimality gap {proposal.gap * 100:.3f}%; "
        f"placements stored: {stored:,}"
    )
    print(
        f"filled places:   optimal {summary['filled']:6,}   first come first served "
        f"{summary['fcfs_filled']:6,}"
    )
    print(
        f"critical places: optimal {summary['critical_filled']:6,}   first come first served "
        f"{summary['fcfs_critical_filled']:6,}   (+{gain:.0f}%)"
    )
    print(
        f"urgency-weighted places: optimal {summary['weighted']:,}   first come first served "
        f"{summary['fcfs_weighted']:,}"
    )


if __name__ == "__main__":
    main()
