"""An exception, turned into what the debugger page shows (layer 5).

A :class:`Traceback` holds the whole chain of an exception (its
``__cause__`` and ``__context__``, in the order Python prints them), and
for each frame: the file, line and function, a few lines of source around
the current one, the local variables as (truncated) ``repr`` text, and
whether the frame is library code (Python's, an installed package's or
Kolben's own), which the page collapses. It keeps the frame objects so
that a console can evaluate code in them later.
"""

from __future__ import annotations

import itertools
import linecache
import os
import secrets
import sysconfig
import traceback
import types
import typing as t
from dataclasses import dataclass, field

__all__ = ["ExceptionInfo", "FrameInfo", "Traceback", "safe_repr"]

#: Lines of source shown before and after the current line.
CONTEXT_LINES = 5
#: Longest ``repr`` shown for one local variable.
MAX_REPR = 2000
#: Most local variables listed for one frame.
MAX_LOCALS = 200

_KOLBEN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_DEBUG_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    roots |= {os.path.realpath(root) for root in roots}
    roots.add(_KOLBEN_DIR)
    return tuple(root.rstrip(os.sep) + os.sep for root in roots)


_LIBRARY_ROOTS = _library_roots()


def is_library_file(filename: str) -> bool:
    """Whether ``filename`` belongs to Python, an installed package or Kolben."""
    if filename.startswith("<frozen"):
        return True
    if filename.startswith("<"):
        return False
    path = os.path.abspath(filename)
    return path.startswith(_LIBRARY_ROOTS) or os.path.realpath(path).startswith(_LIBRARY_ROOTS)


def safe_repr(value: object, limit: int = MAX_REPR) -> str:
    """``repr(value)``, cut at ``limit`` characters, never raising."""
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not break the page
        text = f"<repr of {type(value).__name__} failed: {type(exc).__name__}: {exc}>"
    if len(text) > limit:
        text = text[:limit] + f"... ({len(text) - limit} more characters)"
    return text


@dataclass
class FrameInfo:
    """One frame of a traceback, ready to show."""

    id: int
    filename: str
    lineno: int
    function: str
    is_library: bool
    #: ``(line number, text)`` around :attr:`lineno`.
    source: list[tuple[int, str]]
    #: Columns of the failing expression on :attr:`lineno`, when Python knows them.
    columns: tuple[int, int] | None
    #: ``(name, repr)`` of the locals; empty for module-level frames.
    locals: list[tuple[str, str]]
    frame: types.FrameType = field(repr=False)
    #: The console's namespace, made on first use from the frame's locals.
    namespace: dict[str, t.Any] | None = field(default=None, repr=False)

    def console_namespace(self) -> dict[str, t.Any]:
        """Locals for the console: a copy of the frame's, kept across commands."""
        if self.namespace is None:
            self.namespace = dict(self.frame.f_locals)
        return self.namespace


@dataclass
class ExceptionInfo:
    """One exception of the chain."""

    type_name: str
    message: str
    frames: list[FrameInfo]
    #: How it leads to the next one: "cause", "context" or "" (the last).
    leads_with: str = ""


def _in_debugger(frame: types.FrameType) -> bool:
    return os.path.abspath(frame.f_code.co_filename).startswith(_DEBUG_DIR + os.sep)


def _hidden(frame: types.FrameType) -> bool:
    if _in_debugger(frame):
        return True
    f_locals = frame.f_locals
    return bool(f_locals.get("__traceback_hide__") or f_locals.get("__tracebackhide__"))


def _chain(exc: BaseException) -> list[tuple[BaseException, str]]:
    """The exceptions in the order Python prints them (oldest first), each
    with how it leads to the next one: "cause", "context" or "" (the last)."""
    items: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    leads_with = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        items.append((current, leads_with))
        if current.__cause__ is not None:
            current, leads_with = current.__cause__, "cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, leads_with = current.__context__, "context"
        else:
            current = None
    items.reverse()
    return items


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return "<the exception's message could not be computed>"


class Traceback:
    """A formatted exception chain plus its live frames (see the module docstring)."""

    def __init__(self, exc: BaseException) -> None:
        #: A random identifier, used by the page's consoles to name it.
        self.id = secrets.token_hex(8)
        self.exception = exc
        # The debugger's own frames (where the error was caught) are noise.
        tb = exc.__traceback__
        while tb is not None and _in_debugger(tb.tb_frame):
            tb = tb.tb_next
        exc.__traceback__ = tb
        self.plain_text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.frames: dict[int, FrameInfo] = {}
        self.chain: list[ExceptionInfo] = []
        for item, leads_with in _chain(exc):
            frames = [self._frame(frame, lineno) for frame, lineno in _walk(item.__traceback__)]
            self.chain.append(
                ExceptionInfo(
                    type_name=_type_name(type(item)),
                    message=_message(item),
                    frames=frames,
                    leads_with=leads_with,
                )
            )

    @property
    def type_name(self) -> str:
        """The qualified name of the exception's class."""
        return self.chain[-1].type_name

    @property
    def message(self) -> str:
        """The exception's message."""
        return self.chain[-1].message

    def _frame(self, frame: types.FrameType, position: Position) -> FrameInfo:
        lineno, col, end_col = position
        filename = frame.f_code.co_filename
        lines = linecache.getlines(filename, frame.f_globals)
        first = max(1, lineno - CONTEXT_LINES)
        last = min(len(lines), lineno + CONTEXT_LINES)
        source = [(number, lines[number - 1].rstrip("\r\n")) for number in range(first, last + 1)]
        columns = None
        if col is not None and end_col is not None and end_col > col:
            columns = (col, end_col)
        f_locals = frame.f_locals
        listed: list[tuple[str, str]] = []
        if f_locals is not frame.f_globals:
            for name, value in list(f_locals.items())[:MAX_LOCALS]:
                if name not in ("__traceback_hide__", "__tracebackhide__"):
                    listed.append((name, safe_repr(value)))
        info = FrameInfo(
            id=len(self.frames),
            filename=filename,
            lineno=lineno,
            function=getattr(frame.f_code, "co_qualname", frame.f_code.co_name),
            is_library=is_library_file(filename),
            source=source,
            columns=columns,
            locals=listed,
            frame=frame,
        )
        self.frames[info.id] = info
        return info


def _type_name(cls: type) -> str:
    module = cls.__module__
    if module in ("builtins", "__main__", None):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


Position = tuple[int, int | None, int | None]


def _position(tb: types.TracebackType) -> Position:
    """(line, start column, end column) of the failing expression; Python
    3.11+ records the columns, older versions give only the line."""
    lineno = tb.tb_lineno
    code = tb.tb_frame.f_code
    co_positions = getattr(code, "co_positions", None)
    if co_positions is not None and tb.tb_lasti >= 0:
        span = next(itertools.islice(co_positions(), tb.tb_lasti // 2, None), None)
        if span is not None and span[0] == lineno and span[1] == lineno:
            return (lineno, span[2], span[3])
    return (lineno, None, None)


def _walk(tb: types.TracebackType | None) -> list[tuple[types.FrameType, Position]]:
    """The visible frames of ``tb``, outermost first, with their positions."""
    found = []
    while tb is not None:
        if not _hidden(tb.tb_frame):
            found.append((tb.tb_frame, _position(tb)))
        tb = tb.tb_next
    return found
