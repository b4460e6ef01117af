"""Run published Flask extensions' own test suites, unmodified, on Kolben.

    python ecosystem/run.py             both interfaces, compared with expected.json
    python ecosystem/run.py --record    run the suites on the real Flask, rewrite expected.json
    python ecosystem/run.py --suite flask-cors --interface asgi   one suite, one interface

Each suite is the released source distribution (pinned, sha256-checked,
cached in ``.venv/ecosystem/sdists``), run by pytest in a subprocess from its
extracted directory, inside a virtualenv of its own (``.venv/ecosystem/venv``,
installed from ``requirements.lock``) that holds the real Flask and Werkzeug
as well: ``-p kolben.compat`` must win over them. A test that passes on Flask
and not on Kolben fails the run. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = ROOT / ".venv" / "ecosystem"
SDISTS = CACHE / "sdists"
VENV = CACHE / "venv"
WORK = CACHE / "work"
LOCK = HERE / "requirements.lock"
EXPECTED = HERE / "expected.json"
TABLE = ROOT / "docs" / "snippets" / "ecosystem-table.md"
VENV_PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")

FLASK_VERSION = "3.1.3"
WERKZEUG_VERSION = "3.1.9"
TIMEOUT = 420  # seconds for one suite on one interface; Flask-Migrate, the slowest, takes 60-140 s
MODES = ("flask", "wsgi", "asgi")


@dataclass(frozen=True)
class Suite:
    """One extension's released source distribution and how to run its tests."""

    name: str  # as the extension spells itself
    project: str  # the name pip downloads
    version: str
    sha256: str
    package_dir: str  # the folder of the sdist that holds the importable package
    config: str  # the sdist's own pytest configuration file (-c): never Kolben's
    pytest_args: tuple[str, ...] = ()


SUITES = (
    Suite(
        "Flask-Login", "Flask-Login", "0.6.3",
        "5e23d14a607ef12806c699590b89d0f0e0d67baeec599d75947bf9c147330333", "src", "setup.cfg",
    ),
    Suite(
        "Flask-WTF", "Flask-WTF", "1.3.0",
        "61d5dabc50c3df885c297dcbd80810443a5d632106c8a69cab8ce740f0cdd7cc", "src", "pyproject.toml",
    ),
    Suite(
        "Flask-SQLAlchemy", "Flask-SQLAlchemy", "3.1.1",
        "e4b68bb881802dda1a7d878b2fc84c06d1ee57fb40b874d3dc97dabfa36b8312", "src", "pyproject.toml",
    ),
    Suite(
        "Flask-Migrate", "Flask-Migrate", "4.1.0",
        "1a336b06eb2c3ace005f5f2ded8641d534c18798d64061f6ff11f79e1434126d", "src", "tox.ini",
        # its tox.ini runs `pytest -p no:logging`: the tests read the CLI's output
        # (it has no pytest section of its own: tox.ini keeps pytest from
        # climbing to Kolben's pyproject.toml)
        ("-p", "no:logging"),
    ),
    Suite(
        "Flask-Cors", "Flask-Cors", "6.0.5",
        "30c5031552cd59f620ac0c8211dac45b345d3b2df310e7721879e4f46ef9c601", ".", "pyproject.toml",
    ),
    Suite(
        "Flask-Limiter", "Flask-Limiter", "4.1.1",
        "ca11608fc7eec43dcea606964ca07c3bd4ec1ae89043a0f67f717899a4f48106", ".", "pytest.ini",
        # pytest.ini's addopts ask for pytest-cov and --capture=no; coverage is
        # not what this run measures, so keep only the strict marker option
        ("-o", "addopts=", "--strict-markers"),
    ),
    Suite(
        "flask-smorest", "flask-smorest", "0.47.0",
        "a415ce7db3d7e63dd854eb16d59047686dbf5d31c4913e245fa5657f88e7788d", "src", "pyproject.toml",
    ),
)
BY_KEY = {suite.project.lower(): suite for suite in SUITES}
# Flask-Migrate's tests start ~25 `flask db` commands, each a new interpreter.
SLOWEST_FIRST = ("Flask-Migrate", "flask-smorest", "Flask-Limiter", "Flask-SQLAlchemy",
                 "Flask-Cors", "Flask-WTF", "Flask-Login")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sdist(suite: Suite) -> Path:
    """The suite's sdist, downloaded once; its hash is checked on every run."""
    SDISTS.mkdir(parents=True, exist_ok=True)
    cached = [p for p in SDISTS.glob("*.tar.gz") if _sha256(p) == suite.sha256]
    if cached:
        return cached[0]
    spec = SDISTS / f"{suite.project}.req"
    spec.write_text(f"{suite.project}=={suite.version} --hash=sha256:{suite.sha256}\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-binary", ":all:", "--require-hashes", "-r", str(spec),
         "-d", str(SDISTS)],
        check=True, stdin=subprocess.DEVNULL, timeout=300,
    )
    spec.unlink()
    cached = [p for p in SDISTS.glob("*.tar.gz") if _sha256(p) == suite.sha256]
    if not cached:
        raise SystemExit(
            f"{suite.project} {suite.version}: no download matches sha256 {suite.sha256}"
        )
    return cached[0]


def _uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.exists() else shutil.which("uv")


def ensure_venv() -> None:
    """Create .venv/ecosystem/venv from requirements.lock, again when the lock changes."""
    stamp = VENV / ".kolben-ecosystem"
    sdists = [_sdist(suite) for suite in SUITES]
    wanted = hashlib.sha256(
        LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes() + repr(SUITES).encode()
    ).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and VENV_PY.exists():
        return
    print(f"Installing the suites' requirements into {VENV} ...", flush=True)
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never", UV_SYSTEM_CERTS="1")
    env.pop("VIRTUAL_ENV", None)
    uv = _uv()
    if VENV.exists():
        shutil.rmtree(VENV)
    if uv:
        subprocess.run(
            [uv, "venv", "--quiet", "--python", sys.executable, str(VENV)], check=True, env=env
        )
        # compiled once here: every `flask` command Flask-Migrate's tests start imports a lot
        install = [uv, "pip", "install", "--quiet", "--compile-bytecode",
                   "--python", str(VENV_PY)]
    else:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        install = [str(VENV_PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                   "--compile"]
    subprocess.run([*install, "--require-hashes", "-r", str(LOCK)],
                   check=True, env=env, timeout=600)
    # The extensions themselves, for their metadata and entry points; the tests
    # import the extracted copy (the same files), which comes first on PYTHONPATH.
    subprocess.run([*install, "--no-deps", "--no-build-isolation", *map(str, sdists)],
                   check=True, env=env, timeout=600)
    # Kolben from this checkout, editable: a fix in src/ needs no reinstall.
    subprocess.run([*install, "--no-deps", "-e", str(ROOT)], check=True, env=env, timeout=600)
    stamp.write_text(wanted)


def _extract(suite: Suite, mode: str) -> Path:
    """A fresh copy of the sdist per run: the suites write files where they run."""
    target = WORK / mode
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(_sdist(suite)) as tar:
        top = tar.getnames()[0].split("/")[0]
        if (target / top).exists():
            shutil.rmtree(target / top)
        if hasattr(tarfile, "data_filter"):
            tar.extractall(target, filter="data")
        else:  # Python < 3.11.4: the archive is pinned by its hash
            tar.extractall(target)
    return target / top


@dataclass
class Run:
    """The outcome of one suite on one interface."""

    suite: Suite
    mode: str
    tests: dict[str, dict[str, str]]
    seconds: float
    problem: str = ""  # why the run itself went wrong (timeout, compat not active, ...)
    log: Path | None = None

    def passed(self) -> set[str]:
        return {t for t, r in self.tests.items() if r["outcome"] == "passed"}


def run_suite(suite: Suite, mode: str, deselect: Sequence[str]) -> Run:
    """Run one suite in a subprocess; ``mode`` is flask, wsgi or asgi."""
    start = time.monotonic()
    src = _extract(suite, mode)
    result = src.parent / f"{src.name}.result.json"
    unwanted = src.parent / f"{src.name}.deselect.json"
    log = src.parent / f"{src.name}.log"
    unwanted.write_text(json.dumps(sorted(deselect)))
    result.unlink(missing_ok=True)
    cmd = [str(VENV_PY), "-m", "pytest", "-p", "no:cacheprovider", "-p", "_ecoplugin",
           "-c", suite.config, "--rootdir", ".",
           "-q", "--tb=short", "-o", "console_output_style=classic"]
    if mode != "flask":
        cmd += ["-p", "kolben.compat"]
    if mode == "asgi":
        cmd += ["--kolben-interface=asgi"]
    cmd += [*suite.pytest_args, "tests"]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FLASK_", "PYTEST_", "KOLBEN_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(HERE), str((src / suite.package_dir).resolve())]),
        KOLBEN_ECO_RESULT=str(result),
        KOLBEN_ECO_DESELECT=str(unwanted),
        # Flask-Migrate's tests run the `flask` command of the venv
        PATH=os.pathsep.join([str(VENV_PY.parent), os.environ.get("PATH", "")]),
    )
    if mode != "flask":  # the commands the suites start run in compatibility mode too
        env["KOLBEN_ECO_CHILD_COMPAT"] = "1"
    problem = ""
    with open(log, "w", encoding="utf-8") as out:
        try:
            proc = subprocess.run(cmd, cwd=src, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT, timeout=TIMEOUT)
            if proc.returncode not in (0, 1):
                problem = f"pytest exited {proc.returncode}"
        except subprocess.TimeoutExpired:
            problem = f"timed out after {TIMEOUT} s"
    tests: dict[str, dict[str, str]] = {}
    if result.exists():
        data = json.loads(result.read_text())
        tests = data["tests"]
        flask_module = str(data["flask_module"] or "")
        real = os.sep + "site-packages" + os.sep + "flask" + os.sep
        if mode == "flask" and real not in flask_module:
            problem = f"the real Flask was not used: flask is {flask_module}"
        if mode != "flask" and real in flask_module:
            problem = f"compatibility mode did not take over: flask is {flask_module}"
        elif mode != "flask" and data.get("interface") != mode:
            problem = f"the test clients went through {data.get('interface')}, not {mode}"
    elif not problem:
        problem = "pytest wrote no result"
    if problem:
        problem += f" (log: {log.relative_to(ROOT)})"
    return Run(suite, mode, tests, time.monotonic() - start, problem, log)


def load_expected() -> dict[str, dict[str, object]]:
    if EXPECTED.exists():
        return json.loads(EXPECTED.read_text())  # type: ignore[no-any-return]
    return {}


def _section(expected: dict[str, dict[str, object]], suite: Suite) -> dict[str, object]:
    return expected.setdefault(suite.project, {})


def _reasons(section: dict[str, object], key: str) -> dict[str, str]:
    value = section.get(key, {})
    return dict(value) if isinstance(value, dict) else {}


def _deselect(section: dict[str, object], mode: str) -> list[str]:
    unwanted = list(_reasons(section, "deselected"))
    if mode == "asgi":
        unwanted += list(_reasons(section, "asgi_by_nature"))
    return unwanted


def _run_all(jobs: list[tuple[Suite, str]], expected: dict[str, dict[str, object]],
             workers: int) -> list[Run]:
    def one(job: tuple[Suite, str]) -> Run:
        suite, mode = job
        run = run_suite(suite, mode, _deselect(_section(expected, suite), mode))
        status = run.problem or f"{len(run.passed())}/{len(run.tests)} passed"
        took = f"{run.seconds:.1f} s"
        print(f"  {suite.name} {suite.version} [{mode}] {status} in {took}", flush=True)
        return run

    # Longest suites first, so the workers finish close together.
    ordered = sorted(jobs, key=lambda job: SLOWEST_FIRST.index(job[0].project))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, ordered))


def record(suites: Sequence[Suite], workers: int) -> int:
    """Run the suites on the real Flask and keep what passes in expected.json."""
    expected = load_expected()
    runs = _run_all([(s, "flask") for s in suites], expected, workers)
    failed = False
    for run in runs:
        section = _section(expected, run.suite)
        if run.problem:
            print(f"{run.suite.name}: {run.problem}", file=sys.stderr)
            failed = True
            continue
        section["version"] = run.suite.version
        section["flask_total"] = len(run.tests)
        section["flask_passed"] = sorted(run.passed())
        section["flask_not_passed"] = {
            t: f"{r['outcome']}: {r['line']}".strip()
            for t, r in sorted(run.tests.items()) if r["outcome"] != "passed"
        }
        section.setdefault("deselected", {})
        section.setdefault("asgi_by_nature", {})
    ordered = {s.project: expected[s.project] for s in SUITES if s.project in expected}
    meta = {"flask": FLASK_VERSION, "werkzeug": WERKZEUG_VERSION,
            "python": platform.python_version()}
    EXPECTED.write_text(json.dumps({"_recorded_with": meta, **ordered}, indent=1) + "\n")
    print(f"wrote {EXPECTED.relative_to(ROOT)}")
    return 1 if failed else 0


def _cell(passed: int, total: int) -> str:
    return f"{passed}/{total}"


def table_rows(expected: dict[str, dict[str, object]],
               runs: dict[tuple[str, str], Run]) -> list[list[str]]:
    """One row per suite: name, version, Flask, Kolben WSGI, Kolben ASGI."""
    rows = []
    for suite in SUITES:
        section = expected.get(suite.project, {})
        flask_passed = section.get("flask_passed", [])
        total = int(section.get("flask_total", 0))  # type: ignore[call-overload]
        by_nature = len(_reasons(section, "asgi_by_nature"))
        row = [suite.name, suite.version, _cell(len(flask_passed), total)]  # type: ignore[arg-type]
        for mode in ("wsgi", "asgi"):
            run = runs.get((suite.project, mode))
            if run is None or run.problem:
                row.append("not run" if run is None else "error")
            else:
                row.append(_cell(len(run.passed()), total - (by_nature if mode == "asgi" else 0)))
        rows.append(row)
    return rows


HEADER = ["Extension", "Version", f"Flask {FLASK_VERSION}", "Kolben WSGI", "Kolben ASGI"]


def write_table(rows: list[list[str]], expected: dict[str, dict[str, object]]) -> None:
    deselected = sum(len(_reasons(expected.get(s.project, {}), "deselected")) for s in SUITES)
    by_nature = sum(len(_reasons(expected.get(s.project, {}), "asgi_by_nature")) for s in SUITES)
    today = datetime.date.today().isoformat()
    lines = [
        "<!-- Written by ecosystem/run.py; do not edit by hand. -->",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        f"Tests passed out of tests run, each suite unmodified; last run {today}, "
        f"Python {platform.python_version()}, against Flask {FLASK_VERSION} and "
        f"Werkzeug {WERKZEUG_VERSION}; a test that does not pass on Flask (it fails, skips "
        f"or passes unexpectedly there) is not held against Kolben. "
        f"{deselected} tests that need Redis, Memcached or MongoDB "
        "are not run; "
        + (f"{by_nature} tests that only make sense over WSGI are not run over ASGI "
           if by_nature else "every other test runs over ASGI too ")
        + "(reasons: `ecosystem/expected.json`).",
        "",
    ]
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    TABLE.write_text("\n".join(lines), encoding="utf-8")


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    for row in [HEADER, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def compare(runs: list[Run], expected: dict[str, dict[str, object]]) -> list[str]:
    """Every test that passed on Flask and did not pass on Kolben, with its failure line."""
    failures = []
    for run in runs:
        if run.problem:
            failures.append(f"{run.suite.name} [{run.mode}]: {run.problem}")
            continue
        section = expected.get(run.suite.project, {})
        skip = set(_deselect(section, run.mode))
        for test in sorted(set(section.get("flask_passed", [])) - skip):  # type: ignore[call-overload]
            got = run.tests.get(test)
            if got is None:
                # not collected: say why when a whole module failed to import
                broken = [r["line"] for t, r in run.tests.items()
                          if r["outcome"] == "error" and test.startswith(t)]
                line = "not collected" + (f": {broken[0]}" if broken else "")
            elif got["outcome"] == "passed":
                continue
            else:
                line = f"{got['outcome']}: {got['line']}"
            failures.append(f"{run.suite.name} [{run.mode}] {test}\n      {line}")
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    """The ``python3 dev.py ecosystem`` command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="ecosystem/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true",
                        help="run on the real Flask and rewrite expected.json")
    parser.add_argument("--suite", action="append", choices=sorted(BY_KEY), metavar="NAME",
                        help="only this suite (repeatable): " + ", ".join(sorted(BY_KEY)))
    parser.add_argument("--interface", choices=("wsgi", "asgi"), action="append",
                        help="only this interface (repeatable; default both)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="suites run at once (default 2)")
    args = parser.parse_args(argv)
    suites = [BY_KEY[k] for k in args.suite] if args.suite else list(SUITES)
    start = time.monotonic()
    ensure_venv()  # downloads the sdists first, before any thread needs them
    if args.record:
        status = record(suites, args.jobs)
        print(f"wall time {time.monotonic() - start:.0f} s")
        return status
    expected = load_expected()
    missing = [s.name for s in suites if "flask_passed" not in expected.get(s.project, {})]
    if missing:
        print(f"no recorded Flask results for {', '.join(missing)}: run with --record first",
              file=sys.stderr)
        return 2
    modes = args.interface or ["wsgi", "asgi"]
    runs = _run_all([(s, m) for s in suites for m in modes], expected, args.jobs)
    failures = compare(runs, expected)
    rows = table_rows(expected, {(r.suite.project, r.mode): r for r in runs})
    print()
    print_table(rows)
    if len(suites) == len(SUITES) and len(modes) == 2:
        write_table(rows, expected)
        print(f"wrote {TABLE.relative_to(ROOT)}")
    print(f"wall time {time.monotonic() - start:.0f} s")
    if failures:
        print(f"\n{len(failures)} tests pass on Flask and not on Kolben:", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
