"""Helpers for tests that start a real server process (``kolben run``).

Servers bind 127.0.0.1 on a free port, run under ``subprocess.Popen``, are
stopped by their own pid (terminate, then kill after a timeout), and every
wait is bounded.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A ``kolben ... run`` process (or any command) serving on :attr:`port`."""

    def __init__(
        self,
        args: list[str],
        *,
        cwd: Path | str = ROOT,
        env: dict[str, str] | None = None,
        port: int | None = None,
        command: list[str] | None = None,
    ) -> None:
        self.port = port or free_port()
        full_env = dict(os.environ)
        for name in ("KOLBEN_APP", "FLASK_APP", "KOLBEN_DEBUG", "FLASK_DEBUG", "KOLBEN_RUN_MAIN"):
            full_env.pop(name, None)
        full_env["PYTHONUNBUFFERED"] = "1"
        full_env.update(env or {})
        if command is None:
            command = [sys.executable, "-m", "kolben", *args, "--port", str(self.port)]
        self.proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.append(line)

    @property
    def output(self) -> str:
        """Everything the process printed so far."""
        return "".join(self._lines)

    def wait_for_output(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        """Wait until ``pattern`` appears in the output; return the match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output)
            if found:
                return found
            if self.proc.poll() is not None:
                time.sleep(0.2)
                found = re.search(pattern, self.output)
                if found:
                    return found
                raise AssertionError(f"the server exited:\n{self.output}")
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} did not appear within {timeout}s:\n{self.output}")

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a fresh connection: (status, headers, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def get(self, path: str, **kwargs: t.Any) -> tuple[int, dict[str, str], bytes]:
        """A GET request."""
        return self.request("GET", path, **kwargs)

    def wait_until_serving(self, path: str = "/", timeout: float = 30) -> None:
        """Wait until the server answers ``path``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.get(path, timeout=2)
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise AssertionError(f"the server exited:\n{self.output}") from None
                if time.monotonic() > deadline:
                    raise AssertionError(f"not serving after {timeout}s:\n{self.output}") from None
                time.sleep(0.05)

    def wait_for_body(self, path: str, expected: bytes, timeout: float = 15) -> float:
        """Poll ``path`` until its body contains ``expected``; return the seconds it took."""
        start = time.monotonic()
        last: object = None
        while time.monotonic() - start < timeout:
            try:
                last = self.get(path, timeout=2)[2]
                if expected in t.cast(bytes, last):
                    return time.monotonic() - start
            except OSError as exc:
                last = exc
            time.sleep(0.02)
        raise AssertionError(
            f"{expected!r} not served within {timeout}s (last: {last!r}):\n{self.output}"
        )

    def stop(self) -> None:
        """Terminate the process (kill it after 10 s) and close its pipe."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
