"""Running a console command inside a traceback frame (layer 5).

A command is compiled as an expression first (its value is shown, as the
interactive interpreter does), and as statements when that fails. What it
prints goes to the console, not to the terminal: ``sys.stdout`` and
``sys.stderr`` are replaced, once, by proxies that write to the capture
of the console command running on the current thread (or context), and to
the real stream otherwise. Other threads printing meanwhile are not caught.
"""

from __future__ import annotations

import contextvars
import io
import sys
import threading
import traceback
import typing as t

from .tbtools import FrameInfo, safe_repr

__all__ = ["ConsoleResult", "run_in_frame"]

#: Longest output a command may return, in characters.
MAX_OUTPUT = 100_000

_capture: contextvars.ContextVar[io.StringIO | None] = contextvars.ContextVar(
    "kolben_debug_capture", default=None
)
_install_lock = threading.Lock()


class _StreamProxy:
    """Stands in for ``sys.stdout``/``sys.stderr``: writes go to the active
    console capture, or to the stream it replaced."""

    def __init__(self, original: t.Any) -> None:
        self._kolben_original = original

    def write(self, text: str) -> int:
        buffer = _capture.get()
        if buffer is not None:
            return buffer.write(text)
        return int(self._kolben_original.write(text))

    def flush(self) -> None:
        if _capture.get() is None:
            self._kolben_original.flush()

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._kolben_original, name)


def _install_proxies() -> None:
    with _install_lock:
        for name in ("stdout", "stderr"):
            current = getattr(sys, name)
            if not isinstance(current, _StreamProxy):
                setattr(sys, name, _StreamProxy(current))


class ConsoleResult(t.NamedTuple):
    """What a command printed (its value included) and whether it raised."""

    output: str
    error: bool


def _clip(text: str) -> str:
    if len(text) > MAX_OUTPUT:
        return text[:MAX_OUTPUT] + f"\n... ({len(text) - MAX_OUTPUT} more characters)"
    return text


def run_in_frame(frame: FrameInfo, source: str) -> ConsoleResult:
    """Run ``source`` with the frame's globals and its console namespace."""
    _install_proxies()
    namespace = frame.console_namespace()
    f_globals = frame.frame.f_globals
    buffer = io.StringIO()
    token = _capture.set(buffer)
    error = False
    try:
        try:
            code = compile(source, "<debugger>", "eval")
        except SyntaxError:
            code = None
        if code is not None:
            value = eval(code, f_globals, namespace)
            if value is not None:
                namespace["_"] = value
                buffer.write(safe_repr(value, limit=MAX_OUTPUT) + "\n")
        else:
            exec(compile(source, "<debugger>", "exec"), f_globals, namespace)
    except BaseException as exc:  # SystemExit too: the console must survive it
        error = True
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        # Drop this function's own frame from the report.
        buffer.write(_strip_own_frame(lines))
    finally:
        _capture.reset(token)
    return ConsoleResult(_clip(buffer.getvalue()), error)


def _strip_own_frame(lines: list[str]) -> str:
    """The report without this module's frame (each frame is one item)."""
    own = f'File "{__file__}"'
    return "".join(line for line in lines if own not in line)
