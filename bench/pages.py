"""How fast are the home, project index and a project page served, next to a bare Django view?

    .venv/bin/python bench/pages.py [--quick] [--duration 5] [--rounds 3] [--renders 200]
                                    [--show-queries] [--keep] [--database-url postgres://...]
                                    [--redis-url redis://...]

Creates (and afterwards drops) a PostgreSQL database (default
postgres://postgres@127.0.0.1:5432/shanxin_bench), migrates it, seeds the demo data and collects
the static files, all with the production settings. Then it starts two gunicorns on those settings
and a Redis cache (its own Redis database, flushed first): one with the page cache on, one with
PAGE_CACHE_SECONDS=0. Each page is loaded with wrk and its requests/second given as a ratio to
/healthz/ (a view that only returns "ok") served by the same gunicorn in the same run, so the
figures compare across machines. Rounds interleave the servers and URLs; the median counts.

It also renders each page in-process with the page cache off, counts its queries and times
whole requests (every middleware, through Django's WSGI handler): the minimum and median of
--renders of them, next to the bare view's. Less noisy than wrk on a busy machine.

Targets (the issue): cached anonymous pages >= 0.5 of the bare view, uncached renders >= 0.06
of it with at most 12 queries. Missing one is reported, not an error: the exit status is non-zero
only when the benchmark itself could not run. Needs `wrk` (apt-get install wrk).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from urllib.parse import urlparse

from _harness import (
    HEALTH,
    ROOT,
    Server,
    SetupError,
    get,
    manage,
    recreate_database,
    redis_flush,
    release,
    settings_env,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shanxin_bench"
# A Redis database of its own: the benchmark flushes it.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"
BARE = HEALTH
HOME = "/zh-hans/"
INDEX = "/zh-hans/projects/"
CACHED_TARGET = 0.5
UNCACHED_TARGET = 0.06
QUERY_TARGET = 12
# Sync workers, as the Procfile deploys them; two, not the README's 2 x cores + 1: the pages are
# CPU-bound, and on two CPUs five workers gave the same ratios (0.062/0.056/0.061 uncached
# against 0.067/0.054/0.062, within a run's noise).
WORKERS = 2
WORKER_CLASS = "sync"
WRK_THREADS = 1
WRK_CONNECTIONS = 8


def page_cache_header(server: Server, path: str) -> str | None:
    status, headers = get(server.base + path)
    if status != 200:
        raise SetupError(f"{server.name}: {path} answered {status}\n{server.log_tail()}")
    return {name.lower(): value for name, value in headers.items()}.get("x-page-cache")


def warm_up(server: Server, paths: list[str], *, cached: bool) -> None:
    """Fill caches and connections, then check that each page comes (or not) from the page cache."""
    for path in paths:
        for _ in range(10):
            page_cache_header(server, path)
        if path == BARE:
            continue
        header = page_cache_header(server, path)
        if cached and header != "hit":
            raise SetupError(
                f"{server.name}: {path} is not served from the page cache after warm-up "
                f"(X-Page-Cache: {header}); its ratio would not measure the cached path."
            )
        if not cached and header is not None:
            raise SetupError(
                f"{server.name}: {path} has X-Page-Cache: {header} with PAGE_CACHE_SECONDS=0."
            )


def wrk(url: str, duration: int) -> float:
    """Requests/second of wrk against one URL."""
    result = subprocess.run(
        ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{duration}s", url],
        capture_output=True,
        text=True,
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    if result.returncode != 0 or rate is None:
        raise SetupError(f"wrk failed on {url}:\n{result.stdout}{result.stderr}")
    # wrk counts error pages as requests; a fast 500 must not pass for a fast page.
    failures = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", result.stdout)
    if failures:
        raise SetupError(f"{url}: {failures.group(1)} error responses under load:\n{result.stdout}")
    return float(rate.group(1))


def count_queries(paths: list[str], show: bool) -> dict[str, int]:
    """Queries of one uncached render of each page, after a first render warmed the caches."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    for path in paths:
        if client.get(path).status_code != 200:
            raise SetupError(f"in-process: {path} did not answer 200")
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        counts[path] = len(captured.captured_queries)
        if show:
            print(f"\n  queries of {path}:")
            for query in captured.captured_queries:
                print(f"    {query['sql'][:300]}")
    return counts


def render_times(paths: list[str], renders: int) -> dict[str, tuple[float, float]]:
    """Milliseconds of whole in-process requests to each path (the page cache off): the minimum
    and median of `renders`, after ten to warm up."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler, factory = WSGIHandler(), RequestFactory()

    def request(path):
        statuses = []
        body = handler(factory.get(path).environ, lambda status, *_: statuses.append(status))
        b"".join(body)
        if not statuses[0].startswith("200"):
            raise SetupError(f"in-process: {path} answered {statuses[0]}")

    times = {}
    for path in paths:
        for _ in range(10):
            request(path)
        samples = []
        for _ in range(renders):
            start = time.perf_counter()
            request(path)
            samples.append((time.perf_counter() - start) * 1000)
        times[path] = (min(samples), statistics.median(samples))
    return times


def project_page_path() -> str:
    from cms.models import CharityProjectPage

    page = CharityProjectPage.objects.live().filter(locale__language_code="zh-hans").first()
    if page is None:
        raise SetupError("seed_demo made no live zh-hans project page")
    return urlparse(page.get_url()).path


def verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def set_up(args, env: dict[str, str]) -> None:
    """Fill the (new, empty) database; start from an empty cache."""
    redis_flush(args.redis_url)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--allow-production")  # a throwaway database
    manage(env, "collectstatic", "--noinput", "--clear")
    # Seeding filled navigation and page-cache versions; every server starts from an empty cache.
    redis_flush(args.redis_url)


def measure(args, servers: dict[str, Server], paths: list[str]) -> tuple[dict, dict[str, bool]]:
    """Requests/second of each (server, path), one wrk run per round, rounds interleaved."""
    for name, server in servers.items():
        server.wait_ready()
        warm_up(server, paths, cached=name == "cached")
    print(
        f"\nwrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{args.duration}s x {args.rounds} rounds; "
        f"gunicorn --workers {WORKERS} --worker-class {WORKER_CLASS}; "
        f"{os.cpu_count()} CPUs shared by wrk, gunicorn, PostgreSQL and Redis"
    )
    # Anything else running on the machine skews req/s; the load average shows it.
    print(f"  load average before: {os.getloadavg()[0]:.2f}")
    rates = {(name, path): [] for name in servers for path in paths}
    for round_number in range(1, args.rounds + 1):
        print(f"  round {round_number}/{args.rounds}", flush=True)
        for name, server in servers.items():
            for path in paths:
                rates[name, path].append(wrk(server.base + path, args.duration))
    print(f"  load average after: {os.getloadavg()[0]:.2f}")
    # The page cache must still have served the pages at the end, not re-rendered them.
    still_hit = {
        path: page_cache_header(servers["cached"], path) == "hit" for path in paths if path != BARE
    }
    return rates, still_hit


def report(pages: dict[str, str], rates: dict, still_hit: dict[str, bool], queries: dict) -> None:
    median = {key: statistics.median(values) for key, values in rates.items()}
    # The page cache looks up every anonymous GET, /healthz/ included, so the cached server's
    # bare view pays two Redis round trips; the uncached server's does not.
    plain_bare = median["uncached", BARE]
    print()
    for label, path in pages.items():
        print(f"  {label:<8} {path}")
    print(
        f"\n{'server':<9} {'page':<8} {'req/s':>7} {'ratio':>6} {'vs bare w/o cache':>18}  "
        "notes [each round's req/s]"
    )
    for name in ("cached", "uncached"):
        bare = median[name, BARE]
        for label, path in {"bare": BARE, **pages}.items():
            rate = median[name, path]
            if path == BARE:
                notes = ""  # outside the language prefixes: no page-cache lookup
            elif name == "cached":
                notes = "served from cache" if still_hit[path] else "NOT from cache at the end"
            else:
                notes = f"{queries[path]} queries"
            rounds = "/".join(f"{value:.0f}" for value in rates[name, path])
            print(
                f"{name:<9} {label:<8} {rate:>7.0f} {rate / bare:>6.3f} "
                f"{rate / plain_bare:>18.3f}  {notes} [{rounds}]"
            )

    print("\nTargets (ratios to the bare view of the same server):")
    for label, path in pages.items():
        cached = median["cached", path] / median["cached", BARE]
        uncached = median["uncached", path] / median["uncached", BARE]
        print(
            f"  {label:<8} cached {cached:.3f} >= {CACHED_TARGET}: "
            f"{verdict(cached >= CACHED_TARGET and still_hit[path])};  "
            f"uncached {uncached:.3f} >= {UNCACHED_TARGET}: {verdict(uncached >= UNCACHED_TARGET)};  "
            f"queries {queries[path]} <= {QUERY_TARGET}: {verdict(queries[path] <= QUERY_TARGET)}"
        )


def run(args, env: dict[str, str]) -> None:
    set_up(args, env)
    uncached_env = {**env, "PAGE_CACHE_SECONDS": "0"}
    os.environ.update(uncached_env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    pages = {"home": HOME, "index": INDEX, "project": project_page_path()}
    queries = count_queries(list(pages.values()), args.show_queries)
    times = render_times([BARE, *pages.values()], args.renders)
    print(f"\nIn-process, {args.renders} requests each (ms; ratio of the bare view's minimum):")
    for label, path in {"bare": BARE, **pages}.items():
        fastest, median = times[path]
        print(
            f"  {label:<8} min {fastest:7.2f}  median {median:7.2f}  "
            f"ratio {times[BARE][0] / fastest:.3f}"
        )

    servers = {
        name: Server(name, server_env, workers=WORKERS)
        for name, server_env in (("cached", env), ("uncached", uncached_env))
    }
    try:
        rates, still_hit = measure(args, servers, [BARE, *pages.values()])
    finally:
        for server in servers.values():
            server.stop()
    report(pages, rates, still_hit, queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="flushed at the start")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (5; --quick: 2)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (3; --quick: 2)")
    parser.add_argument("--quick", action="store_true", help="shorter and fewer runs")
    parser.add_argument(
        "--renders", type=int, help="in-process requests per page (200; --quick: 100)"
    )
    parser.add_argument("--show-queries", action="store_true", help="print each page's SQL")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    args.duration = args.duration or (2 if args.quick else 5)
    args.rounds = args.rounds or (2 if args.quick else 3)
    args.renders = args.renders or (100 if args.quick else 200)

    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run `sudo apt-get install wrk` (Debian/Ubuntu).")
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("This benchmark runs on PostgreSQL; --database-url must be a postgres:// URL.")

    env = settings_env(args.database_url, args.redis_url)
    print(f"Setting up {args.database_url} (production settings):")
    try:
        recreate_database(args.database_url)
    except SetupError as error:
        sys.exit(f"Benchmark not run: {error}")
    try:
        run(args, env)
    except SetupError as error:
        sys.exit(f"\nBenchmark not run: {error}")
    finally:
        release(args.database_url, keep=args.keep, what="benchmark")


if __name__ == "__main__":
    main()
