#!/usr/bin/env python3
"""Run Kolben's ASGI side beside Falcon (``falcon.asgi``) and Starlette, in one
process, and print ratios.

    python3 dev.py bench                  # the WSGI table, then this one
    python bench/run_asgi.py              # this table only
    python bench/run_asgi.py --quick      # shorter runs
    python bench/run_asgi.py --json bench/results-asgi.json   # also save the table (chart.py)
    python bench/run_asgi.py --profile "C 102nd route"   # cProfile Kolben on one case

Each request calls the framework's ASGI callable with a copy of a prepared
scope, a ``receive`` that returns one empty ``http.request`` and then waits
forever, and a ``send`` that collects the messages. The same four cases as
``run.py`` (imported from it). Every response is checked (status, body, no
task left running) before it is timed; the frameworks take turns within
each repeat and the best repeat counts, as in ``run.py``.

Extra figures: the bare ASGI callable (the floor, case A), and Kolben with
plain ``def`` views over ASGI, which pays one worker-thread hop per request,
beside Starlette with plain ``def`` endpoints (its own thread hop).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
import typing as t
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from apps_asgi import FRAMEWORKS, bare_asgi, kolben_sync_asgi, starlette_sync_asgi
from results import save
from run import CASES, measure_loops

BASE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"host", b"localhost"),
    (b"user-agent", b"bench"),
    (b"accept", b"*/*"),
]

#: ``B json`` must also say it is JSON (every case checks status and body).
JSON_CASE = "B json"
#: A checked request that takes longer than this is stuck (the timed loop
#: would never end): the app awaits ``receive()`` a second time.
CHECK_TIMEOUT = 10.0


def make_scope(path: str, query: str, extra: dict[str, str]) -> dict[str, t.Any]:
    """The ASGI scope of one case (``extra`` holds ``run.py``'s environ keys)."""
    headers = list(BASE_HEADERS)
    for key, value in extra.items():
        name = key.removeprefix("HTTP_").lower().replace("_", "-")
        headers.append((name.encode("latin-1"), value.encode("latin-1")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }


class _Receive:
    """One empty request body, then wait like a server whose client stays."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False

    async def __call__(self) -> dict[str, t.Any]:
        if not self.done:
            self.done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.get_running_loop().create_future()  # never resolved
        raise AssertionError("unreachable")


async def _checked_call(
    app: t.Any, scope: dict[str, t.Any]
) -> tuple[int, dict[bytes, bytes], bytes]:
    messages: list[t.MutableMapping[str, t.Any]] = []

    async def send(message: t.MutableMapping[str, t.Any]) -> None:
        messages.append(message)

    try:
        await asyncio.wait_for(app(dict(scope), _Receive(), send), CHECK_TIMEOUT)
    except asyncio.TimeoutError:
        raise SystemExit(
            f"{app!r} did not finish within {CHECK_TIMEOUT:.0f} s (waiting on receive()?)"
        ) from None
    # A task still running here (a disconnect watcher, a background send)
    # would do its work outside the timed loop: refuse to time such an app.
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if others:
        raise SystemExit(f"{app!r} left {len(others)} task(s) running: {others}")
    start = [m for m in messages if m["type"] == "http.response.start"]
    parts = [m for m in messages if m["type"] == "http.response.body"]
    if len(start) != 1 or not parts or parts[-1].get("more_body", False):
        raise SystemExit(f"{app!r} sent an incomplete response: {messages!r}")
    headers = {bytes(k).lower(): bytes(v) for k, v in start[0].get("headers", ())}
    return start[0]["status"], headers, b"".join(m.get("body", b"") for m in parts)


def check(
    loop: asyncio.AbstractEventLoop, name: str, app: t.Any, case: str, scope: dict[str, t.Any]
) -> None:
    """Exit with a message unless ``app`` answers ``case`` correctly."""
    status, headers, body = loop.run_until_complete(_checked_call(app, scope))
    ok = status == 200 and CASES[case][3](body)
    if case == JSON_CASE:
        ok = ok and headers.get(b"content-type", b"").startswith(b"application/json")
    if not ok:
        raise SystemExit(f"{name} answered {status} {headers!r} {body[:80]!r} for {case}")


def _timer(
    loop: asyncio.AbstractEventLoop, app: t.Any, scope: dict[str, t.Any]
) -> t.Callable[[int], float]:
    perf_counter = time.perf_counter
    receive = _Receive

    async def batch(n: int) -> float:
        collected: list[t.MutableMapping[str, t.Any]] = []
        append = collected.append

        async def send(message: t.MutableMapping[str, t.Any]) -> None:
            append(message)

        clear = collected.clear
        t0 = perf_counter()
        for _ in range(n):
            await app(scope.copy(), receive(), send)
            clear()
        return perf_counter() - t0

    def run(n: int) -> float:
        return loop.run_until_complete(batch(n))

    return run


measure_many = measure_loops


def profile(loop: asyncio.AbstractEventLoop, app: t.Any, case: str, seconds: float) -> None:
    """cProfile ``app`` on one case for about ``seconds`` and print the top."""
    path, query, extra, _ = CASES[case]
    scope = make_scope(path, query, extra)
    timed = _timer(loop, app, scope)
    n = max(int(seconds / max(timed(2000) / 2000, 1e-9)), 1000)
    profiler = cProfile.Profile()
    profiler.enable()
    timed(n)
    profiler.disable()
    print(f"\ncProfile of kolben on {case}: {n} requests (times include profiler overhead)")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)


def _table(peers: list[str], results: dict[str, dict[str, float]]) -> None:
    print(
        "| case | kolben | "
        + " | ".join(peers)
        + " | "
        + " | ".join(f"kolben/{p}" for p in peers)
        + " |"
    )
    print("|" + "---|" * (2 + 2 * len(peers)))
    for case, row in results.items():
        k = row["kolben"]
        cells = [f"{row[p]:.2f}" for p in peers]
        ratios = [f"{k / row[p]:.2f}x" for p in peers]
        print(f"| {case} | {k:.2f} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--only", help="comma-separated peers (kolben always runs)")
    parser.add_argument("--profile", metavar="CASE", help="cProfile Kolben on one case, exit")
    parser.add_argument("--json", metavar="FILE", help="also write the table as JSON (chart.py)")
    args = parser.parse_args()
    # PERF: many short repeats, not a few long ones: on this shared 2-core
    # machine a 100 ms run is almost always interrupted, a 10 ms one often
    # is not, so the best of 10 ms runs is stable to a few percent.
    seconds, repeats = (0.01, 30) if args.quick else (0.01, 100)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    if args.profile:
        if args.profile not in CASES:
            raise SystemExit(f"--profile takes one of {list(CASES)}")
        profile(loop, FRAMEWORKS["kolben"](), args.profile, 0.5)
        return

    wanted = args.only.split(",") if args.only else None
    apps: dict[str, t.Any] = {}
    for name, build in FRAMEWORKS.items():
        if wanted is not None and name != "kolben" and name not in wanted:
            continue
        try:
            apps[name] = build()
        except ImportError as exc:
            print(f"(skipping {name}: {exc})")
    apps["kolben-sync"] = kolben_sync_asgi()
    if "starlette" in apps:
        apps["starlette-sync"] = starlette_sync_asgi()
    bare = bare_asgi()

    results: dict[str, dict[str, float]] = {}
    for case, (path, query, extra, _) in CASES.items():
        scope = make_scope(path, query, extra)
        for name, app in apps.items():
            check(loop, name, app, case, scope)
        timed = {name: _timer(loop, app, scope) for name, app in apps.items()}
        if case == next(iter(CASES)):
            check(loop, "bare", bare, case, scope)
            timed["bare"] = _timer(loop, bare, scope)
        results[case] = measure_many(timed, seconds, repeats)
    loop.close()

    floor = next(iter(results.values()))["bare"]
    peers = [n for n in apps if not n.endswith("-sync") and n != "kolben"]
    print(
        f"\nASGI in-process, microseconds per request (best of {repeats});"
        f" bare ASGI callable A: {floor:.2f}\n"
    )
    _table(peers, results)
    print("\nSync (def) views over ASGI: one worker-thread hop per request\n")
    other = "starlette-sync" in apps
    print(
        "| case | kolben async views | kolben sync views | sync/async |"
        + (" starlette sync views | kolben-sync/starlette-sync |" if other else "")
    )
    print("|---|---|---|---|" + ("---|---|" if other else ""))
    for case, row in results.items():
        k, s = row["kolben"], row["kolben-sync"]
        line = f"| {case} | {k:.2f} | {s:.2f} | {s / k:.1f}x |"
        if other:
            o = row["starlette-sync"]
            line += f" {o:.2f} | {s / o:.2f}x |"
        print(line)
    if args.json:
        save(args.json, "asgi", results, repeats=repeats, floor=floor)


if __name__ == "__main__":
    main()
