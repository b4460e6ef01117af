#!/usr/bin/env python3
"""One entry point for a fresh machine with only Python 3.

    python3 dev.py demo   install what is needed, serve the demo blog on http://127.0.0.1:5000
                          (`--port N` for another port; other `kolben run` options too)
    python3 dev.py test   install what is needed, run ruff, mypy, the docs build, the
                          packaging smoke test, the ecosystem run and the whole test suite
                          with its branch coverage floor (what CI runs); `test ARGS` passes
                          ARGS to pytest and measures no coverage
    python3 dev.py ecosystem  run seven Flask extensions' released test suites on Kolben's
                          Flask compatibility mode, WSGI and ASGI (ecosystem/README.md)
    python3 dev.py smoke  build the sdist and wheel, install the wheel into a clean
                          virtualenv and serve a small app from it
    python3 dev.py bench  run the benchmarks against Flask, Bottle and Falcon (WSGI),
                          then Falcon and Starlette (ASGI); --quick for shorter runs,
                          --http for requests/second over granian instead,
                          --instructions for CPU instructions per request (callgrind)
    python3 dev.py docs   build the documentation site into ./site (mkdocs build --strict);
                          open site/index.html, or `python3 dev.py docs serve` for a live preview
    python3 dev.py fuzz [forms|asgi|router|all]
                          fuzz the body/query/cookie/header parsers, the ASGI entry and
                          the router with atheris, 60 s each (installs atheris;
                          libFuzzer options pass through)
    python3 dev.py soak [--minutes N]
                          soak kolben run (WSGI, ASGI), gunicorn, uvicorn and hypercorn
                          on 127.0.0.1; fails on a 5xx or 10% memory growth after warm-up
    python3 dev.py lock   update uv.lock after changing dependencies in pyproject.toml;
                          `lock --upgrade` moves every pin to the newest release

Everything goes into ./.venv (created with the standard library's venv): pip
installs the pinned uv there, and uv installs the exact versions in uv.lock
(development and test tools included), so every machine tests the same thing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".kolben-installed"
EXTRAS = {"demo": (), "test": ("dev", "docs"), "bench": ("dev", "bench"), "docs": ("docs",)}
#: The uv that installs from uv.lock (pinned: a lock file is read by the uv
#: that wrote it or a newer one). `python3 dev.py lock` uses it too.
UV_VERSION = "0.13.10"


def run(*cmd: str | os.PathLike[str], cwd: os.PathLike[str] | str = ROOT, **kw: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=cwd, **kw)  # type: ignore[call-overload]


def uv_env() -> dict[str, str]:
    return dict(
        os.environ,
        UV_PYTHON_DOWNLOADS="never",  # use this machine's Python, never download one
        UV_SYSTEM_CERTS="1",  # trust the machine's certificate store, as pip does
        UV_PROJECT_ENVIRONMENT=str(VENV),
        VIRTUAL_ENV=str(VENV),
    )


def ensure_uv() -> str:
    """Create .venv with the standard library's venv and put the pinned uv in it."""
    if not PY.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    uv = BIN / ("uv.exe" if os.name == "nt" else "uv")
    have = ""
    if uv.exists():
        have = subprocess.run([str(uv), "--version"], capture_output=True, text=True).stdout
    if have.split()[1:2] != [UV_VERSION]:
        run(PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", f"uv=={UV_VERSION}")
    return str(uv)


def ensure_env(extras: tuple[str, ...]) -> None:
    """Install Kolben (editable) and the locked versions of ``extras`` into .venv.

    Every machine gets the versions in uv.lock; the ranges in pyproject.toml
    are for users. When pyproject.toml changed and the lock did not, this
    stops and says to run `python3 dev.py lock`.
    """
    uv = ensure_uv()
    lock = ROOT / "uv.lock"
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + lock.read_bytes() + " ".join(extras).encode()
    ).hexdigest()
    done = STAMP.read_text().split() if STAMP.exists() else []
    if wanted in done:
        return
    # --inexact keeps what other commands installed (the bench extra, atheris).
    cmd = [uv, "sync", "--locked", "--inexact", *(f"--extra={extra}" for extra in extras)]
    try:
        run(*cmd, env=uv_env())
    except subprocess.CalledProcessError:
        print(
            "Installing from uv.lock failed. If pyproject.toml's dependencies changed, run"
            " `python3 dev.py lock` and commit uv.lock.",
            flush=True,
        )
        raise
    STAMP.write_text(" ".join([*done, wanted]))


def lock() -> None:
    """Update uv.lock after a change of pyproject.toml's dependencies.

    `python3 dev.py lock` keeps every pinned version that still fits;
    `python3 dev.py lock --upgrade` (or `--upgrade-package NAME`) moves pins
    to the newest releases. Run the test command afterwards and commit uv.lock.
    """
    uv = ensure_uv()
    run(uv, "lock", *sys.argv[2:], env=uv_env())


DEMO_APP = "examples.kolbenlog"  # the flagship example: a multi-user blog


def demo() -> None:
    ensure_env(EXTRAS["demo"])
    os.chdir(ROOT)
    kolben = str(BIN / ("kolben.exe" if os.name == "nt" else "kolben"))
    # Creates the example's tables when they are missing; existing posts stay.
    run(kolben, "--app", DEMO_APP, "init-db")
    os.execv(kolben, [kolben, "--app", DEMO_APP, "run", *sys.argv[2:]])


def ensure_chromium() -> None:
    """The browser tests drive Debian's chromium (never `playwright install`):
    install it with apt-get when it is missing, as on a fresh CI machine."""
    ensure_apt("chromium", "/usr/bin/chromium", "the browser tests")


def ensure_nginx() -> None:
    """tests/test_nginx.py runs the deployment guide's nginx snippet."""
    ensure_apt("nginx", "/usr/sbin/nginx", "tests/test_nginx.py")


def ensure_apt(package: str, path: str, needed_by: str) -> None:
    if os.path.exists(path):
        return
    if shutil.which("apt-get") is None:
        print(f"{package} is missing and apt-get is not here: {needed_by} will skip.")
        return
    sudo = [] if not hasattr(os, "geteuid") or os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(*sudo, "apt-get", "update", "-q", env=env)
    run(*sudo, "apt-get", "install", "-y", "-q", package, env=env)


def test() -> None:
    ensure_env(EXTRAS["test"])
    ensure_chromium()
    ensure_nginx()
    run(BIN / "ruff", "check", "src", "tests", "bench", "examples", "dev.py", "docs/_ext")
    run(BIN / "mypy", "--strict", "src/kolben")
    build_docs()
    smoke()
    run_ecosystem()
    pytest = ("-m", "pytest", "-q", "-p", "no:cacheprovider")
    if sys.argv[2:]:
        # A part of the suite cannot reach the whole suite's coverage floor.
        run(PY, *pytest, *sys.argv[2:])
        return
    # Branch coverage of src/kolben over the pytest process ([tool.coverage.*]
    # in pyproject.toml says why subprocesses are not measured). The plugin
    # prints the total and fails under the floor inside pytest's closing
    # sections, so pytest's summary line stays the last line of the output.
    run(PY, "-m", "coverage", "run", *pytest, "-p", "tests.tools.coverage_summary")


def ecosystem() -> None:
    ensure_env(EXTRAS["test"])
    run_ecosystem(*sys.argv[2:])


def run_ecosystem(*args: str) -> None:
    """Published Flask extensions' own test suites, unmodified, on Kolben's
    compatibility mode over WSGI and ASGI (ecosystem/README.md)."""
    run(PY, ROOT / "ecosystem" / "run.py", *args)


SMOKE = VENV / "smoke"


def smoke() -> None:
    """What a user installs is what is tested: build the sdist, then the wheel
    from it, install the wheel (dependencies at the locked versions) into a
    clean virtualenv and run tests/packaging/smoke.py with it."""
    uv = ensure_uv()
    shutil.rmtree(SMOKE, ignore_errors=True)
    env = uv_env()
    del env["UV_PROJECT_ENVIRONMENT"], env["VIRTUAL_ENV"]
    run(uv, "build", "-q", "--out-dir", SMOKE / "dist", env=env)
    [wheel] = (SMOKE / "dist").glob("kolben-*.whl")
    constraints = SMOKE / "constraints.txt"
    run(uv, "export", "-q", "--frozen", "--all-extras", "--no-hashes", "--no-emit-project",
        "--output-file", constraints, env=env)
    python = SMOKE / "venv" / PY.relative_to(VENV)
    run(uv, "venv", "-q", "--python", sys.executable, SMOKE / "venv", env=env)
    run(uv, "pip", "install", "-q", "--python", python, "--constraint", constraints, wheel, env=env)
    run(python, ROOT / "tests" / "packaging" / "smoke.py", cwd=SMOKE)


def build_docs(*args: str) -> None:
    """Strict: a warning or a broken internal link fails the build (mkdocs.yml)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")  # a theme banner, not about this site
    run(BIN / "mkdocs", *(args or ("build", "--strict")), env=env)


def docs() -> None:
    ensure_env(EXTRAS["docs"])
    build_docs(*sys.argv[2:])
    if sys.argv[2:3] in ([], ["build"]):
        print(f"The site is in {ROOT / 'site'}; open site/index.html.")


def bench() -> None:
    ensure_env(EXTRAS["bench"])
    args = sys.argv[2:]
    if "--instructions" in args:
        ensure_apt("valgrind", "/usr/bin/valgrind", "python3 dev.py bench --instructions")
        run(PY, "bench/instructions.py", *[a for a in args if a != "--instructions"])
        return
    if "--http" in args:
        run(PY, "bench/run_http.py", *[a for a in args if a != "--http"])
        return
    run(PY, "bench/run.py", *args)
    run(PY, "bench/run_asgi.py", *args)


FUZZ_TARGETS = {"forms": "fuzz_forms.py", "asgi": "fuzz_asgi.py", "router": "fuzz_router.py"}


def fuzz() -> None:
    ensure_env(EXTRAS["test"])
    # atheris is only needed here, so it is not in any extra (nor in uv.lock).
    if subprocess.run([str(PY), "-c", "import atheris"], capture_output=True).returncode:
        run(ensure_uv(), "pip", "install", "-q", "--python", PY, "atheris", env=uv_env())
    args = sys.argv[2:]
    which = args.pop(0) if args and args[0] in (*FUZZ_TARGETS, "all") else "all"
    for name in FUZZ_TARGETS if which == "all" else [which]:
        run(PY, ROOT / "tests" / "fuzz" / FUZZ_TARGETS[name], *args)


def soak() -> None:
    ensure_env(EXTRAS["test"])
    run(PY, ROOT / "tests" / "soak" / "soak.py", *sys.argv[2:])


COMMANDS = {
    "demo": demo,
    "test": test,
    "bench": bench,
    "docs": docs,
    "fuzz": fuzz,
    "lock": lock,
    "ecosystem": ecosystem,
    "smoke": smoke,
    "soak": soak,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    try:
        COMMANDS[sys.argv[1]]()
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode or 1)
