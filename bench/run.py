#!/usr/bin/env python3
"""Run Kolben and its peers side by side, in one process, and print ratios.

    python3 dev.py bench            # every case, every framework
    python3 dev.py bench --quick    # shorter runs
    python bench/run.py --json bench/results-wsgi.json   # also save the table (chart.py)

Each case calls the framework's WSGI callable with a fresh copy of a
prepared environ (and a fresh body stream for case F) and consumes the
response body, as a server would. The figure is
the best of several repeats (microseconds per request): the least-disturbed
run on a noisy machine. Every response is checked before it is timed.
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
import typing as t
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from apps_wsgi import FORM_BODY, FORM_ECHO, FRAMEWORKS, HELLO, bare_app
from results import save

BASE_ENVIRON: dict[str, t.Any] = {
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/",
    "QUERY_STRING": "",
    "SERVER_NAME": "localhost",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "localhost",
    "HTTP_USER_AGENT": "bench",
    "HTTP_ACCEPT": "*/*",
    "REMOTE_ADDR": "127.0.0.1",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": False,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}

# name -> (path, query, extra environ, expected body check)
CASES: dict[str, tuple[str, str, dict[str, str], t.Callable[[bytes], bool]]] = {
    "A plaintext": ("/", "", {}, lambda b: b == HELLO.encode()),
    "B json": ("/json", "", {}, lambda b: b.replace(b" ", b"").startswith(b'{"message":"Hello')),
    "C 102nd route": ("/users/123/posts/hello-world", "", {}, lambda b: b == b"123:hello-world"),
    "D query+header": ("/query", "a=1&b=2", {"HTTP_X_TOKEN": "t0k"}, lambda b: b == b"1,2,t0k"),
}

# Cases that send a body (kept apart: run_asgi.py times CASES as GETs).
# name -> (path, extra environ with method and content type, body, check)
BODY_CASES: dict[str, tuple[str, dict[str, str], bytes, t.Callable[[bytes], bool]]] = {
    "F form POST": (
        "/form",
        {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded"},
        FORM_BODY,
        lambda b: b == FORM_ECHO,
    ),
}
#: The environ key that carries a case's request body to the timing loop.
BODY_KEY = "bench.body"


def _environ(path: str, query: str, extra: dict[str, str]) -> dict[str, t.Any]:
    env = dict(BASE_ENVIRON)
    env["PATH_INFO"] = path
    env["QUERY_STRING"] = query
    env.update(extra)
    return env


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> None:
    _start_response.status = status  # type: ignore[attr-defined]


def _body_environ(path: str, extra: dict[str, str], data: bytes) -> dict[str, t.Any]:
    env = _environ(path, "", extra)
    env["CONTENT_LENGTH"] = str(len(data))
    env[BODY_KEY] = data
    return env


def _call(app: t.Any, env: dict[str, t.Any]) -> bytes:
    environ = env.copy()
    environ["wsgi.input"] = io.BytesIO(env.get(BODY_KEY, b""))
    body = app(environ, _start_response)
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def _timer(app: t.Any, env: dict[str, t.Any]) -> t.Callable[[int], float]:
    environ_input = io.BytesIO
    start_response = _start_response
    data = env.get(BODY_KEY, b"")

    def loop(n: int) -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            environ = env.copy()
            environ["wsgi.input"] = environ_input(data)
            body = app(environ, start_response)
            for _chunk in body:
                pass
            close = getattr(body, "close", None)
            if close is not None:
                close()
        return time.perf_counter() - t0

    return loop


def measure_many(
    apps: dict[str, t.Any], env: dict[str, t.Any], seconds: float, repeats: int
) -> dict[str, float]:
    """Best microseconds per request for each app.

    The apps take turns within every repeat, so a burst of noise on this
    shared machine hits all of them alike instead of one framework's run.
    """
    return measure_loops({name: _timer(app, env) for name, app in apps.items()}, seconds, repeats)


def measure_loops(
    loops: dict[str, t.Callable[[int], float]], seconds: float, repeats: int
) -> dict[str, float]:
    """Best microseconds per request of each timed loop, the loops taking turns.

    Each loop is sized to run about ``seconds``, then all loops run in turn
    ``repeats`` times; the best batch of each counts.
    """
    sizes = {}
    for name, loop in loops.items():
        n = 100
        while loop(n) < seconds / 10:
            n *= 2
        sizes[name] = max(int(n * seconds / max(loop(n), 1e-9)), 100)
    best = dict.fromkeys(loops, float("inf"))
    gc.collect()
    for _ in range(repeats):
        for name, loop in loops.items():
            n = sizes[name]
            best[name] = min(best[name], loop(n) / n)
    return {name: value * 1e6 for name, value in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--only", help="comma-separated frameworks")
    parser.add_argument("--json", metavar="FILE", help="also write the table as JSON (chart.py)")
    args = parser.parse_args()
    # Short batches, many interleaved repeats: on a busy machine the best of
    # many 10 ms batches is far steadier than the best of a few long ones.
    seconds, repeats = (0.005, 40) if args.quick else (0.01, 100)

    frameworks = {}
    for name, build in FRAMEWORKS.items():
        if args.only and name not in args.only.split(",") and name != "kolben":
            continue
        try:
            frameworks[name] = build()
        except ImportError as exc:
            print(f"(skipping {name}: {exc})")

    results: dict[str, dict[str, float]] = {}
    cases = [(case, _environ(p, q, extra), check) for case, (p, q, extra, check) in CASES.items()]
    cases += [
        (case, _body_environ(p, extra, data), check)
        for case, (p, extra, data, check) in BODY_CASES.items()
    ]
    for case, env, check in cases:
        for name, app in frameworks.items():
            body = _call(app, env)
            status = getattr(_start_response, "status", "")
            if not status.startswith("200") or not check(body):
                raise SystemExit(f"{name} answered {status!r} {body[:80]!r} for {case}")
        results[case] = measure_many(frameworks, env, seconds, repeats)
    bare = measure_many({"bare": bare_app()}, _environ("/", "", {}), seconds, repeats)["bare"]

    peers = [n for n in frameworks if n != "kolben"]
    print(
        f"\nWSGI in-process, microseconds per request (best of {repeats});"
        f" bare callable A: {bare:.2f}\n"
    )
    header = (
        "| case | kolben | "
        + " | ".join(peers)
        + " | "
        + " | ".join(f"kolben/{p}" for p in peers)
        + " |"
    )
    print(header)
    print("|" + "---|" * (2 + 2 * len(peers)))
    for case, row in results.items():
        k = row["kolben"]
        cells = [f"{row[p]:.2f}" for p in peers]
        ratios = [f"{k / row[p]:.2f}x" for p in peers]
        print(f"| {case} | {k:.2f} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    if args.json:
        save(args.json, "wsgi", results, repeats=repeats, floor=bare)


if __name__ == "__main__":
    main()
