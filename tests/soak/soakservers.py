"""The servers of the soak (tests/soak/soak.py): how to start each one, its memory.

Each serves tests/soak/soakapp.py on 127.0.0.1 on a free port, runs in its
own session, writes its output to a log file and is stopped by its pid
(terminate, then kill after 10 s); every wait is bounded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ServerSpec:
    """How to start one server on a port."""

    name: str
    interface: str  # "wsgi" or "asgi"
    argv: Callable[[int], list[str]]


def _kolben(interface: str) -> Callable[[int], list[str]]:
    def argv(port: int) -> list[str]:
        return [
            *(sys.executable, "-m", "kolben", "--app", "soakapp", "run"),
            *("--host", HOST, "--port", str(port), "--interface", interface),
        ]

    return argv


def _gunicorn(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--workers", "1"),
        *("--worker-class", "gthread", "--threads", "8", "soakapp:app"),
    ]


def _uvicorn(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "uvicorn", "--host", HOST, "--port", str(port)),
        *("--workers", "1", "--no-access-log", "soakapp:app.asgi"),
    ]


def _hypercorn(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "hypercorn", "--bind", f"{HOST}:{port}", "--workers", "1"),
        "soakapp:app.asgi",
    ]


SERVERS = [
    ServerSpec("kolben-run-wsgi", "wsgi", _kolben("wsgi")),
    ServerSpec("kolben-run-asgi", "asgi", _kolben("asgi")),
    ServerSpec("gunicorn", "wsgi", _gunicorn),
    ServerSpec("uvicorn", "asgi", _uvicorn),
    ServerSpec("hypercorn", "asgi", _hypercorn),
]


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of ``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The name (field 2) may hold spaces and parentheses: split after its ")".
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total = 0
    todo = [pid]
    seen: set[int] = set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
        todo.extend(children.get(current, []))
    return total


class Running:
    """A started server process; its output is collected by a thread."""

    def __init__(self, spec: ServerSpec, logdir: Path) -> None:
        self.spec = spec
        self.port = free_port()
        env = dict(os.environ)
        for name in ("KOLBEN_APP", "FLASK_APP", "KOLBEN_DEBUG", "FLASK_DEBUG", "KOLBEN_RUN_MAIN"):
            env.pop(name, None)
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
        env["PYTHONUNBUFFERED"] = "1"
        self.log_path = logdir / f"{spec.name}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            spec.argv(self.port),
            cwd=HERE,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self, timeout: float = 30.0) -> bool:
        """True once ``GET /`` answers; False when the process exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if httpx.get(self.url + "/", timeout=2.0).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.spec.name} not serving after {timeout}s:\n{self.output()}")

    def stop(self) -> None:
        """Terminate the process (kill it after 10 s); never anything but this pid."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


def start(spec: ServerSpec, logdir: Path) -> Running:
    """Start ``spec``; a port taken in between is retried (3 attempts)."""
    for _ in range(3):
        running = Running(spec, logdir)
        try:
            if running.wait_until_serving():
                return running
        except BaseException:
            running.stop()
            raise
        running.stop()
        if "address already in use" not in running.output().lower():
            raise RuntimeError(f"{spec.name} exited:\n{running.output()}")
    raise RuntimeError(f"{spec.name}: no free port after 3 attempts")
