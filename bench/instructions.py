#!/usr/bin/env python3
"""CPU instructions per request, counted by valgrind's callgrind, for Kolben and its peers.

    python3 dev.py bench --instructions            # cases A-H, every framework
    python3 dev.py bench --instructions --quick    # cases A, C, F only
    python bench/instructions.py --only falcon --cases A,G   # a subset
    python bench/instructions.py --json FILE       # also save the figures

Wall-clock timings on a shared machine swing by several times; instruction
counts do not. The figure is the one of issue 15:

    instructions per request = (count over 1,200 requests - count over 200) / 1,000

so what a run costs once (start-up, imports, building the app, the loop's
own set-up) cancels out. Each framework runs in one process under
``valgrind --tool=callgrind --dump-before=os_getppid``: the worker calls
``os.getppid()`` (a C function nothing else here calls) as a marker around
the 200- and the 1,200-request runs of every case, after a checked request
and a warm-up, and callgrind writes the count of each stretch between
markers to its own file (the ``totals:`` line). This is the subtraction of
two runs of the brief, done inside one process: Python code cannot reach
``CALLGRIND_START_INSTRUMENTATION``, but a marker it calls can be a
callgrind trigger.

Cases (``apps_wsgi.py``, ``apps_asgi.py``):

    A  GET /response              a view building Response(text, mimetype="text/plain")
    B  GET /json                  a small JSON object
    C  GET /users/123/posts/...   the 102nd route
    D  GET /query?a=1&b=2         two query arguments and one header
    E  GET /page?name=<script>    a Jinja2 page (layout, 10-row loop, escaping)
    F  POST /form                 a urlencoded form of five fields (ASGI: awaited)
    G  GET /count + cookie        session read + write (a newly signed cookie)
    H  GET /                      a view returning a str
    S  GET /stream                1 MiB from an async generator in 16 chunks (ASGI only;
                                  not in the default run)

Every response is checked first (status and body; G: the counter went from
1 to 2), so a broken app cannot look fast. For each case Kolben loses, the
top functions of its 1,200-request stretch (callgrind_annotate) follow.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import typing as t
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from apps_asgi import STREAM_CHUNK, STREAM_CHUNKS  # noqa: E402
from apps_wsgi import FORM_BODY, FORM_ECHO, HELLO, USER  # noqa: E402

#: (count over N_LONG - count over N_SHORT) / (N_LONG - N_SHORT)
N_SHORT, N_LONG = 200, 1200
WARM_UP = 50
QUICK_CASES = "ACF"


class Case(t.NamedTuple):
    label: str
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    check: t.Callable[[bytes], bool]


def _page_ok(body: bytes) -> bool:
    return b"Hello, &lt;script&gt;" in body and body.count(b"<tr class=") == 10


_FORM = (("content-type", "application/x-www-form-urlencoded"),)
CASES: dict[str, Case] = {
    "A": Case("A Response(text)", "GET", "/response", "", (), b"", HELLO.encode().__eq__),
    "B": Case(
        "B json", "GET", "/json", "", (), b"",
        lambda b: b.replace(b" ", b"").strip() == b'{"message":"Hello,World!"}',
    ),
    "C": Case(
        "C 102nd route", "GET", "/users/123/posts/hello-world", "", (), b"",
        b"123:hello-world".__eq__,
    ),
    "D": Case(
        "D query+header", "GET", "/query", "a=1&b=2", (("x-token", "t0k"),), b"",
        b"1,2,t0k".__eq__,
    ),
    "E": Case("E template", "GET", "/page", "name=" + USER.replace("'", "%27"), (), b"", _page_ok),
    "F": Case("F form POST", "POST", "/form", "", _FORM, FORM_BODY, FORM_ECHO.__eq__),
    "G": Case("G session r+w", "GET", "/count", "", (), b"", b"2".__eq__),
    "H": Case("H str", "GET", "/", "", (), b"", HELLO.encode().__eq__),
    # Not in the default run: the case of a fix (issue 15), Kolben's routes only.
    "I": Case(
        "I json with text+None", "GET", "/json-text", "", (), b"",
        lambda b: b.strip() == b'{"email":"e-mail: ada@example.com","message":"Hello, World!",'
        b'"note":null}',
    ),
    # Not in the default run either (issue 15: a Task per chunk): ASGI peers
    # with the route only (Starlette's StreamingResponse).
    "S": Case(
        "S stream 1 MiB/16", "GET", "/stream", "", (), b"",
        (STREAM_CHUNK * STREAM_CHUNKS).__eq__,
    ),
}
#: The cases of a full run (--cases may add I and S).
DEFAULT_CASES = "ABCDEFGH"
#: What ``--imports`` compares: the module a program of each framework imports.
IMPORTS = {
    "kolben": "kolben", "falcon": "falcon", "falcon-asgi": "falcon.asgi", "bottle": "bottle",
    "flask": "flask", "starlette": "starlette.applications", "blacksheep": "blacksheep",
    "litestar": "litestar",
}  # fmt: skip
WSGI_NAMES = ("kolben", "falcon", "bottle", "flask")
ASGI_NAMES = ("kolben", "falcon", "blacksheep", "starlette", "litestar")


class NotServed(Exception):
    """The framework has no route for this case (no sessions, no form parser)."""


def marker() -> None:
    """A callgrind dump point (``--dump-before=os_getppid``)."""
    os.getppid()


# -- WSGI ------------------------------------------------------------------------------


def _environ(case: Case, cookie: str | None) -> dict[str, t.Any]:
    env: dict[str, t.Any] = {
        "REQUEST_METHOD": case.method, "SCRIPT_NAME": "", "PATH_INFO": case.path,
        "QUERY_STRING": case.query, "SERVER_NAME": "localhost", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost", "HTTP_USER_AGENT": "bench",
        "HTTP_ACCEPT": "*/*", "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
    }  # fmt: skip
    for name, value in case.headers:
        key = name.upper().replace("-", "_")
        env[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    if case.body:
        env["CONTENT_LENGTH"] = str(len(case.body))
    if cookie is not None:
        env["HTTP_COOKIE"] = cookie
    return env


def _wsgi_once(app: t.Any, env: dict[str, t.Any], body: bytes) -> tuple[int, list[t.Any], bytes]:
    seen: list[t.Any] = []

    def start_response(status: str, headers: list[t.Any], exc_info: t.Any = None) -> None:
        seen[:] = [int(status.split()[0]), headers]

    environ = env.copy()
    environ["wsgi.input"] = io.BytesIO(body)
    result = app(environ, start_response)
    try:
        data = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return seen[0], [(k.lower(), v) for k, v in seen[1]], data


def wsgi_loop(app: t.Any, case: Case) -> t.Callable[[int], None]:
    """Check ``app`` on ``case`` and return the request loop to count."""
    cookie = None
    if case.path == "/count":
        status, headers, _ = _wsgi_once(app, _environ(case, None), b"")
        cookie = _cookie(status, headers)
    env = _environ(case, cookie)
    status, headers, data = _wsgi_once(app, env, case.body)
    if status == 404:
        raise NotServed(case.label)
    if status != 200 or not case.check(data):
        raise SystemExit(f"answered {status} {data[:100]!r} for {case.label}")
    payload, stream = case.body, io.BytesIO

    def start_response(status: str, headers: list[t.Any], exc_info: t.Any = None) -> None:
        pass

    def loop(n: int) -> None:
        for _ in range(n):
            environ = env.copy()
            environ["wsgi.input"] = stream(payload)
            result = app(environ, start_response)
            for _chunk in result:
                pass
            close = getattr(result, "close", None)
            if close is not None:
                close()

    return loop


def _cookie(status: int, headers: list[tuple[t.Any, t.Any]]) -> str:
    """``name=value`` of the first response's Set-Cookie (case G)."""
    if status == 404:
        raise NotServed("G")
    for name, value in headers:
        name = name.decode("latin-1") if isinstance(name, bytes) else name
        value = value.decode("latin-1") if isinstance(value, bytes) else value
        if name.lower() == "set-cookie":
            return value.split(";", 1)[0]
    raise SystemExit(f"case G: the first response ({status}) set no cookie: {headers!r}")


# -- ASGI ------------------------------------------------------------------------------


def _scope(case: Case, cookie: str | None) -> dict[str, t.Any]:
    headers = [(b"host", b"localhost"), (b"user-agent", b"bench"), (b"accept", b"*/*")]
    headers += [(k.encode(), v.encode("latin-1")) for k, v in case.headers]
    if case.body:
        headers.append((b"content-length", str(len(case.body)).encode()))
    if cookie is not None:
        headers.append((b"cookie", cookie.encode("latin-1")))
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1", "method": case.method, "scheme": "http", "path": case.path,
        "raw_path": case.path.encode(), "query_string": case.query.encode(), "root_path": "",
        "headers": headers, "client": ("127.0.0.1", 50000), "server": ("localhost", 80),
    }  # fmt: skip


class _Receive:
    """The request body in one message, then wait like a server whose client stays."""

    __slots__ = ("body", "done")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.done = False

    async def __call__(self) -> dict[str, t.Any]:
        if not self.done:
            self.done = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await asyncio.get_running_loop().create_future()  # never resolved
        raise RuntimeError("unreachable")


async def _asgi_once(
    app: t.Any, scope: dict[str, t.Any], body: bytes
) -> tuple[int, list[t.Any], bytes]:
    messages: list[t.MutableMapping[str, t.Any]] = []

    async def send(message: t.MutableMapping[str, t.Any]) -> None:
        messages.append(message)

    try:
        await asyncio.wait_for(app(dict(scope), _Receive(body), send), 30)
    except asyncio.TimeoutError:
        raise SystemExit("no answer within 30 s (waiting on receive()?)") from None
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if others:  # their work would escape the count
        raise SystemExit(f"left {len(others)} task(s) running: {others}")
    start = [m for m in messages if m["type"] == "http.response.start"]
    parts = [m for m in messages if m["type"] == "http.response.body"]
    if len(start) != 1 or not parts or parts[-1].get("more_body", False):
        raise SystemExit(f"incomplete response: {messages!r}")
    data = b"".join(m.get("body", b"") for m in parts)
    return start[0]["status"], list(start[0].get("headers", ())), data


def asgi_loop(
    loop: asyncio.AbstractEventLoop, app: t.Any, case: Case
) -> t.Callable[[int], None]:
    """Check ``app`` on ``case`` and return the request loop to count."""
    cookie = None
    if case.path == "/count":
        status, headers, _ = loop.run_until_complete(_asgi_once(app, _scope(case, None), b""))
        cookie = _cookie(status, headers)
    scope = _scope(case, cookie)
    status, headers, data = loop.run_until_complete(_asgi_once(app, scope, case.body))
    if status in (404, 405):
        raise NotServed(case.label)
    if status != 200 or not case.check(data):
        raise SystemExit(f"answered {status} {data[:100]!r} for {case.label}")
    payload, receive = case.body, _Receive

    async def send(message: t.MutableMapping[str, t.Any]) -> None:
        pass

    async def batch(n: int) -> None:
        for _ in range(n):
            await app(scope.copy(), receive(payload), send)

    def run(n: int) -> None:
        loop.run_until_complete(batch(n))

    return run


# -- the worker (runs under callgrind) -------------------------------------------------


def worker(interface: str, name: str, cases: str) -> None:
    """Count every case for one framework; print which cases were measured."""
    measured, missing = [], []
    if interface == "wsgi":
        from apps_wsgi import FRAMEWORKS

        app = FRAMEWORKS[name]()
        loops = {}
        for key in cases:
            try:
                loops[key] = wsgi_loop(app, CASES[key])
            except NotServed:
                missing.append(key)
    else:
        from apps_asgi import INSTRUCTION_FRAMEWORKS, SESSION_APPS

        ev = asyncio.new_event_loop()
        asyncio.set_event_loop(ev)
        app = INSTRUCTION_FRAMEWORKS[name]()
        if name == "blacksheep":
            ev.run_until_complete(app.start())  # its lifespan start-up
        loops = {}
        for key in cases:
            case_app = SESSION_APPS[name]() if key == "G" and name in SESSION_APPS else app
            try:
                loops[key] = asgi_loop(ev, case_app, CASES[key])
            except NotServed:
                missing.append(key)
    # Markers only from here on: three per case, in order.
    for key, run in loops.items():
        run(WARM_UP)
        marker()
        run(N_SHORT)
        marker()
        run(N_LONG)
        marker()
        measured.append(key)
    print("MEASURED " + json.dumps({"measured": measured, "missing": missing}))


# -- the driver --------------------------------------------------------------------------


def _totals(path: Path) -> int:
    text = path.read_text(errors="replace")
    found = re.search(r"^(?:totals|summary):\s*(\d+)", text, re.M)
    if found is None:
        raise SystemExit(f"no totals line in {path}")
    return int(found.group(1))


def count(interface: str, name: str, cases: str, out: Path) -> dict[str, t.Any]:
    """Run one framework's worker under callgrind; instructions per request by case."""
    prefix = out / f"{interface}-{name}.cg"
    cmd = [
        "valgrind", "--tool=callgrind", "--dump-before=os_getppid", "--compress-strings=no",
        f"--callgrind-out-file={prefix}", sys.executable, __file__,
        "--worker", interface, name, "--cases", cases,
    ]  # fmt: skip
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=HERE)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("MEASURED ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stdout + proc.stderr)[-2000:]
        raise SystemExit(f"{interface} {name}: the worker failed ({proc.returncode}):\n{tail}")
    report = json.loads(lines[-1].removeprefix("MEASURED "))
    dumps = sorted(out.glob(f"{prefix.name}.*"), key=lambda p: int(p.suffix[1:]))
    if len(dumps) != 3 * len(report["measured"]):
        raise SystemExit(f"{name}: {len(dumps)} dumps for {len(report['measured'])} cases")
    per_request: dict[str, float] = {}
    files: dict[str, str] = {}
    for i, key in enumerate(report["measured"]):
        short, long = dumps[3 * i + 1], dumps[3 * i + 2]
        per_request[key] = (_totals(long) - _totals(short)) / (N_LONG - N_SHORT)
        files[key] = str(long)
    return {"per_request": per_request, "missing": report["missing"], "files": files}


def annotate(path: str, inclusive: bool, top: int = 15) -> list[str]:
    """The top functions of one callgrind dump by inclusive or by self cost."""
    if not inclusive:
        return self_costs(path, top)
    cmd = ["callgrind_annotate", "--inclusive=yes", path]
    text = subprocess.run(cmd, capture_output=True, text=True).stdout
    rows = []
    for line in text.splitlines():
        found = re.match(r"^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S+)", line)
        # Skip the program total, the frames around the whole run (100%) and
        # the interpreter's recursion cycles (over 100%).
        if found and float(found.group(2)) < 100.0:
            name = found.group(3).rpartition(":")[2]
            rows.append(f"{found.group(1):>15} ({found.group(2):>5}%)  {name}")
    return rows[:top]


def self_costs(path: str, top: int = 15) -> list[str]:
    """The top functions by self cost, read from the dump itself.

    callgrind_annotate 3.19 mis-attributes self cost in the parts of a run
    cut by ``--dump-before`` (it credits everything to the outermost frame),
    so this reads the format directly: a cost line belongs to the current
    ``fn=`` unless it follows a ``calls=`` line (then it is the callee's
    inclusive cost). Names are uncompressed (``--compress-strings=no``).
    """
    costs: dict[str, int] = {}
    current, after_call = "?", False
    with open(path, errors="replace") as lines:
        for line in lines:
            if line.startswith("fn="):
                current = line[3:].strip()
            elif line.startswith("calls="):
                after_call = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                if after_call:
                    after_call = False
                    continue
                costs[current] = costs.get(current, 0) + int(line.split()[-1])
    total = sum(costs.values()) or 1
    ranked = sorted(costs.items(), key=lambda item: -item[1])[:top]
    return [f"{n:>12,} ({100 * n / total:4.1f}%)  {name}" for name, n in ranked]


def _run_counted(code: str, out: Path) -> int:
    """Instructions of ``python -c code``, start-up included."""
    path = out / f"import-{abs(hash(code))}.cg"
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={path}", sys.executable]
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    subprocess.run([*cmd, "-c", code], check=True, capture_output=True, env=env, cwd=HERE)
    return _totals(path)


def imports(wanted: set[str] | None) -> None:
    """Print the instructions of importing each framework (issue 15: import time).

    The count of ``python -c "import X"`` minus that of ``python -c "pass"``:
    start-up cancels out, and unlike wall time on a shared machine the
    figure repeats to a fraction of a percent. Byte-code caches are warm
    (one import first, outside valgrind, writes them), as in any installed
    program.
    """
    rows = []
    # The warm-up import writes the byte-code caches (uv installs without
    # them, and a shell may set PYTHONDONTWRITEBYTECODE): compiling is a
    # one-off cost, not what a program pays at each start.
    warm_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="kolben-callgrind-") as tmp:
        empty = _run_counted("pass", Path(tmp))
        for name, module in IMPORTS.items():
            if wanted is not None and name != "kolben" and name not in wanted:
                continue
            warm = [sys.executable, "-c", f"import {module}"]
            subprocess.run(warm, check=True, cwd=HERE, env=warm_env)
            rows.append((name, module, _run_counted(f"import {module}", Path(tmp)) - empty))
    print("\n| framework | module | instructions to import |\n|---|---|---|")
    for name, module, n in rows:
        print(f"| {name} | `{module}` | {_k(n)} |")


def _k(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value / 1000:.1f}k" if value < 1e6 else f"{value / 1e6:.2f}M"


def table(interface: str, names: list[str], results: dict[str, t.Any], cases: str) -> list[str]:
    """Markdown rows: case, Kolben, each peer, the best peer, Kolben / best."""
    peers = [n for n in names if n != "kolben"]
    label = {"falcon": "Falcon-ASGI"} if interface == "asgi" else {}
    head = ["case", "Kolben", *[label.get(p, p.capitalize()) for p in peers], "best peer", "ratio"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key in cases:
        k = results["kolben"]["per_request"].get(key)
        cells = {p: results[p]["per_request"].get(key) for p in peers}
        served = {p: v for p, v in cells.items() if v is not None}
        best = min(served, key=served.__getitem__) if served else None
        ratio = f"{k / served[best]:.2f}" if best and k else "n/a"
        best_cell = f"{label.get(best, best.capitalize())} {_k(served[best])}" if best else "n/a"
        row = [CASES[key].label, _k(k), *[_k(cells[p]) for p in peers], best_cell, ratio]
        rows.append("| " + " | ".join(row) + " |")
    return rows


def versions() -> str:
    found = []
    for dist in ("kolben", "falcon", "bottle", "flask", "blacksheep", "starlette", "litestar"):
        try:
            found.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    return f"Python {platform.python_version()}, " + ", ".join(found)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"cases {QUICK_CASES} only")
    parser.add_argument("--cases", help="case letters, e.g. ACF (default: all)")
    parser.add_argument("--only", help="comma-separated peers (Kolben always runs)")
    parser.add_argument("--interface", choices=("wsgi", "asgi", "both"), default="both")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiles of losses")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--imports", action="store_true", help="count each framework's import")
    parser.add_argument("--worker", nargs=2, metavar=("INTERFACE", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cases = (args.cases or (QUICK_CASES if args.quick else DEFAULT_CASES)).upper()
    if unknown := set(cases) - set(CASES):
        raise SystemExit(f"unknown case(s) {sorted(unknown)}; cases are {''.join(CASES)}")
    if args.worker:
        worker(*args.worker, cases)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: apt-get install valgrind (dev.py does it)")

    wanted = set(args.only.split(",")) if args.only else None
    if args.imports:
        imports(wanted)
        return
    interfaces = ["wsgi", "asgi"] if args.interface == "both" else [args.interface]
    started = time.monotonic()
    saved: dict[str, t.Any] = {"date": time.strftime("%Y-%m-%d"), "versions": versions()}
    with tempfile.TemporaryDirectory(prefix="kolben-callgrind-") as tmp:
        for interface in interfaces:
            pool = WSGI_NAMES if interface == "wsgi" else ASGI_NAMES
            names = [n for n in pool if n == "kolben" or wanted is None or n in wanted]
            results = {}
            for name in names:
                t0 = time.monotonic()
                results[name] = count(interface, name, cases, Path(tmp))
                print(f"  {interface} {name}: {time.monotonic() - t0:.0f} s", file=sys.stderr)
            title = "WSGI" if interface == "wsgi" else "ASGI (async def views)"
            print(f"\n{title}: instructions per request (callgrind)\n")
            print("\n".join(table(interface, names, results, cases)))
            saved[interface] = {n: r["per_request"] for n, r in results.items()}
            if args.no_profile:
                continue
            for key in cases:
                k = results["kolben"]["per_request"].get(key)
                peers = [r["per_request"].get(key) for n, r in results.items() if n != "kolben"]
                best = min((v for v in peers if v is not None), default=None)
                if k is None or best is None or k <= best:
                    continue
                path = results["kolben"]["files"][key]
                for inclusive in (True, False):
                    kind = "inclusive" if inclusive else "self"
                    print(f"\n{interface} {CASES[key].label}: Kolben's top functions ({kind},"
                          f" {N_LONG} requests)\n")  # fmt: skip
                    print("\n".join(annotate(path, inclusive)))
    wall = time.monotonic() - started
    print(f"\n{saved['date']}; {saved['versions']}; wall time {wall:.0f} s")
    if args.json:
        saved["wall_seconds"] = round(wall)
        Path(args.json).write_text(json.dumps(saved, indent=1) + "\n")


if __name__ == "__main__":
    main()
