#!/usr/bin/env python3
"""One entry point for a fresh machine with only Python 3.

    python3 dev.py demo   install what is needed, serve the demo blog on http://127.0.0.1:5000
    python3 dev.py test   install what is needed, run ruff, mypy and the whole test suite
    python3 dev.py bench  run the benchmarks against Flask, Bottle and Falcon (WSGI),
                          then Falcon and Starlette (ASGI); --quick for shorter runs,
                          --http for requests/second over granian instead
    python3 dev.py docs   build the documentation site into ./site (mkdocs build --strict);
                          open site/index.html, or `python3 dev.py docs serve` for a live preview
    python3 dev.py fuzz   fuzz the body, query, cookie and header parsers with atheris
                          for 60 s (installs atheris; libFuzzer options pass through)

Everything goes into ./.venv (created with the standard library's venv);
uv installs the packages when it is available, pip otherwise.
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
EXTRAS = {"demo": "", "test": "[dev,docs]", "bench": "[dev,bench]", "docs": "[docs]"}


def run(*cmd: str | os.PathLike[str], **kw: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)  # type: ignore[call-overload]


def ensure_env(extra: str) -> None:
    """Create .venv and install Kolben (editable) with ``extra``, once per change."""
    if not PY.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()
    done = STAMP.read_text().split() if STAMP.exists() else []
    if wanted in done:
        return
    env = dict(
        os.environ,
        UV_PYTHON_DOWNLOADS="never",
        UV_SYSTEM_CERTS="1",  # trust the machine's certificate store, as pip does
        VIRTUAL_ENV=str(VENV),
    )
    pip = [str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    try:
        uv = shutil.which("uv")
        if uv is None:
            run(*pip, "uv", env=env)
            uv = str(BIN / "uv")
        run(uv, "pip", "install", "-q", "--python", PY, "-e", f".{extra}", env=env)
    except (subprocess.CalledProcessError, OSError):
        print("uv could not install the packages; falling back to pip.", flush=True)
        run(*pip, "-e", f".{extra}", env=env)
    STAMP.write_text(" ".join([*done, wanted]))


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
    run(PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", *sys.argv[2:])


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
    if "--http" in args:
        run(PY, "bench/run_http.py", *[a for a in args if a != "--http"])
        return
    run(PY, "bench/run.py", *args)
    run(PY, "bench/run_asgi.py", *args)


def fuzz() -> None:
    ensure_env(EXTRAS["test"])
    # atheris is only needed here, so it is not in any extra.
    if subprocess.run([str(PY), "-c", "import atheris"], capture_output=True).returncode:
        uv = shutil.which("uv") or (str(BIN / "uv") if (BIN / "uv").exists() else None)
        if uv is not None:
            env = dict(os.environ, UV_PYTHON_DOWNLOADS="never", UV_SYSTEM_CERTS="1")
            run(uv, "pip", "install", "-q", "--python", PY, "atheris", env=env)
        else:
            run(PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", "atheris")
    run(PY, "tests/fuzz/fuzz_forms.py", *sys.argv[2:])


COMMANDS = {"demo": demo, "test": test, "bench": bench, "docs": docs, "fuzz": fuzz}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    try:
        COMMANDS[sys.argv[1]]()
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode or 1)
