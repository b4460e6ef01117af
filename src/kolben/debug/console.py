"""Running console input in a traceback frame, as Python's prompt does (layer 5).

The page sends the *buffer*: the lines typed since the last complete
statement (the page keeps them; see ``debugger.js`` for why). As in Python's
interactive mode (:class:`code.InteractiveConsole`, and the prompt of
Python 3.13 for pasted blocks):

- :func:`needs_more` tells an unfinished buffer (``for x in y:``, an open
  bracket, a backslash, a block not yet closed by an empty line) from a
  complete one, which runs, and from a syntax error, which is reported.
  An unfinished buffer runs nothing: the page shows ``...`` and waits.
- A complete buffer runs as the prompt runs it: compiled in ``"single"``
  mode, so the value of every expression statement is echoed (its ``repr``,
  nothing for None), ``import os; os.getcwd()`` included, and kept as ``_``
  in the console's namespace.

What it prints goes to the console, not to the terminal: ``sys.stdout``,
``sys.stderr`` and ``sys.displayhook`` are replaced, once, by proxies that
write to the capture of the console command running on the current thread
(or context), and do what they did before otherwise. Other threads
printing meanwhile are not caught.
"""

from __future__ import annotations

import ast
import codeop
import contextvars
import io
import itertools
import linecache
import sys
import threading
import traceback
import types
import typing as t
import warnings
from collections import deque

from .tbtools import FrameInfo, safe_repr

__all__ = ["ConsoleResult", "needs_more", "run_in_frame"]

#: Longest output a command may return, in characters.
MAX_OUTPUT = 100_000
#: The file name console input is checked under.
FILENAME = "<debugger>"
#: Console inputs whose source tracebacks can still show (the oldest is forgotten).
MAX_REMEMBERED_INPUTS = 100

_input_numbers = itertools.count(1)
_remembered: deque[str] = deque()


class _Capture(t.NamedTuple):
    buffer: io.StringIO
    namespace: dict[str, t.Any]


_capture: contextvars.ContextVar[_Capture | None] = contextvars.ContextVar(
    "kolben_debug_capture", default=None
)
_install_lock = threading.Lock()


class _StreamProxy:
    """Stands in for ``sys.stdout``/``sys.stderr``: writes go to the active
    console capture, or to the stream it replaced."""

    def __init__(self, original: t.Any) -> None:
        self._kolben_original = original

    def write(self, text: str) -> int:
        capture = _capture.get()
        if capture is not None:
            return capture.buffer.write(text)
        return int(self._kolben_original.write(text))

    def flush(self) -> None:
        if _capture.get() is None:
            self._kolben_original.flush()

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._kolben_original, name)


class _DisplayHook:
    """Stands in for ``sys.displayhook``, which ``"single"`` mode code calls
    with each expression statement's value: the console echoes it (and keeps
    it as ``_`` in its own namespace, not in ``builtins`` where every
    console would share it); outside a console the replaced hook runs."""

    def __init__(self, original: t.Callable[[object], object]) -> None:
        self._kolben_original = original

    def __call__(self, value: object) -> None:
        capture = _capture.get()
        if capture is None:
            self._kolben_original(value)
            return
        if value is None:
            return
        capture.namespace["_"] = value
        capture.buffer.write(safe_repr(value, limit=MAX_OUTPUT) + "\n")


def _install_proxies() -> None:
    # Checked on every command: something may have replaced them since.
    with _install_lock:
        for name in ("stdout", "stderr"):
            current = getattr(sys, name)
            if not isinstance(current, _StreamProxy):
                setattr(sys, name, _StreamProxy(current))
        if not isinstance(sys.displayhook, _DisplayHook):
            sys.displayhook = _DisplayHook(sys.displayhook)


class ConsoleResult(t.NamedTuple):
    """What a command printed (echoed values included), whether it raised,
    and whether the buffer is unfinished (nothing ran: send more lines)."""

    output: str
    error: bool
    more: bool = False


def _clip(text: str) -> str:
    if len(text) > MAX_OUTPUT:
        return text[:MAX_OUTPUT] + f"\n... ({len(text) - MAX_OUTPUT} more characters)"
    return text


def _strip_final_indent(source: str) -> str:
    # A last line of only spaces is an empty line that kept its indentation
    # (the page indents the next line of a block for you).
    head, newline, last = source.rpartition("\n")
    if newline and not last.strip():
        return head + newline
    return source


def needs_more(source: str) -> bool:
    """Whether Python's prompt would answer ``source`` with ``...``.

    One statement is judged by :func:`code.compile_command`: an incomplete
    one (an open block, bracket or backslash; a compound statement not yet
    followed by an empty line) needs more. Several lines that are not one
    statement (a pasted block) need more until the last line is empty, as
    Python 3.13's prompt decides. A syntax error needs no more: running the
    buffer reports it.
    """
    source = _strip_final_indent(source)
    try:
        # codeop compiles to look; its warnings would show twice (again on running).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = codeop.compile_command(source, FILENAME, "single")
    except (SyntaxError, OverflowError, ValueError):
        lines = source.split("\n")
        return len(lines) > 1 and lines[-1].strip() != ""
    return code is None


def run_in_frame(frame: FrameInfo, source: str) -> ConsoleResult:
    """Run the buffer ``source`` with the frame's globals and its console
    namespace, or answer that it needs more lines (see the module docstring)."""
    if needs_more(source):
        return ConsoleResult("", False, more=True)
    _install_proxies()
    namespace = frame.console_namespace()
    f_globals = frame.frame.f_globals if frame.frame is not None else {}
    buffer = io.StringIO()
    token = _capture.set(_Capture(buffer, namespace))
    error = False
    try:
        try:
            code = _compile(_strip_final_indent(source), _remember(source))
        except (SyntaxError, OverflowError, ValueError) as exc:
            error = True
            # As the prompt shows it: the line and the caret, no traceback.
            buffer.write("".join(traceback.format_exception_only(type(exc), exc)))
        else:
            try:
                exec(code, f_globals, namespace)
            except BaseException as exc:  # SystemExit too: the console must survive it
                error = True
                buffer.write(_report(exc))
    finally:
        _capture.reset(token)
    return ConsoleResult(_clip(buffer.getvalue()), error)


def _remember(source: str) -> str:
    """A file name for ``source``, whose lines tracebacks can then show (as
    Python 3.13's prompt does with ``<python-input-N>``)."""
    name = f"<debugger input {next(_input_numbers)}>"
    with _install_lock:
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        _remembered.append(name)
        while len(_remembered) > MAX_REMEMBERED_INPUTS:
            linecache.cache.pop(_remembered.popleft(), None)
    return name


def _compile(source: str, filename: str) -> types.CodeType:
    """All statements of ``source``, compiled in ``"single"`` mode (which
    takes one statement from a compiler string, but any number as a tree)."""
    tree = ast.parse(source, filename, "exec")
    return compile(ast.Interactive(body=tree.body), filename, "single")


def _report(exc: BaseException) -> str:
    """The traceback of ``exc`` from the console code down (this module's
    own frame, where ``exec`` was called, is left out)."""
    tb = exc.__traceback__
    if tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))
