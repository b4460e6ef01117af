"""An exception, turned into what the debugger page shows (layer 5).

A :class:`Traceback` holds the whole chain of an exception (its
``__cause__`` and ``__context__``, in the order Python prints them), and
for each frame: the file, line and function, a few lines of source around
the current one, the local variables as (truncated) ``repr`` text, and
whether the frame is library code (Python's, an installed package's or
Kolben's own), which the page collapses. It keeps the frame objects so
that a console can evaluate code in them later.

Each frame object is listed once, with one console:

- An exception re-raised by name (``raise e``) passes through the frames
  between the raise and the handler twice, and Python's traceback lists
  them twice. Here the way back is folded into the first pass (the frame
  notes the line it was re-raised from), so the listing is the call stack
  at the time of the error.
- Chained exceptions often share frames (the frame whose ``except``
  block raised the next exception, and its callers). A shared frame is
  listed in full under the last exception that went through it; an
  earlier exception shows a :class:`FrameRef` line (file, line, source
  line) pointing at it, where Python prints the frame again.

A :class:`SyntaxError` (a module that fails to import) ends with the
offending line as a frame without a console, as Python prints it.
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

__all__ = ["ExceptionInfo", "FrameInfo", "FrameRef", "Traceback", "safe_repr"]

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
    #: The live frame; None for the line a :class:`SyntaxError` points at,
    #: which never ran (no locals, no console).
    frame: types.FrameType | None = field(repr=False)
    #: Lines of this frame the exception was re-raised from (``raise e``)
    #: after it first passed at :attr:`lineno`, outermost first.
    reraised: list[int] = field(default_factory=list)
    #: The console's namespace, made on first use from the frame's locals.
    namespace: dict[str, t.Any] | None = field(default=None, repr=False)

    @property
    def has_console(self) -> bool:
        """Whether code can run in this frame (it is a live frame)."""
        return self.frame is not None

    def console_namespace(self) -> dict[str, t.Any]:
        """Locals for the console: a copy of the frame's, kept across commands."""
        if self.frame is None:
            raise LookupError(
                "This frame is the line a SyntaxError points at; it never ran, so it has"
                " no console. Use a console of another frame."
            )
        if self.namespace is None:
            self.namespace = dict(self.frame.f_locals)
        return self.namespace


@dataclass
class FrameRef:
    """Where an earlier exception of the chain passed through a frame that is
    listed in full (:attr:`target`) under a later exception."""

    target: FrameInfo
    lineno: int
    #: The source line at :attr:`lineno`, stripped ("" when unknown).
    line: str


@dataclass
class ExceptionInfo:
    """One exception of the chain."""

    type_name: str
    message: str
    #: Its traceback, outermost first: frames listed here in full, and
    #: references to frames listed under a later exception of the chain.
    entries: list[FrameInfo | FrameRef]
    #: How it leads to the next one: "cause", "context" or "" (the last).
    leads_with: str = ""

    @property
    def frames(self) -> list[FrameInfo]:
        """The frames listed in full under this exception."""
        return [entry for entry in self.entries if isinstance(entry, FrameInfo)]


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
        # The exception itself is left alone: one raised again later (say,
        # by the app that stands in for one that failed to load) must not
        # carry this request's cuts.
        tb = exc.__traceback__
        while tb is not None and _in_debugger(tb.tb_frame):
            tb = tb.tb_next
        self.plain_text = "".join(traceback.format_exception(type(exc), exc, tb))
        self.frames: dict[int, FrameInfo] = {}
        self.chain: list[ExceptionInfo] = []
        listed: dict[int, FrameInfo] = {}
        # The last exception first: a frame it shares with an earlier one is
        # listed in full under it, and referenced from the earlier one.
        for item, leads_with in reversed(_chain(exc)):
            entries: list[FrameInfo | FrameRef] = []
            for frame, position, reraised in _walk(tb if item is exc else item.__traceback__):
                known = listed.get(id(frame))
                if known is None:
                    known = listed[id(frame)] = self._frame(frame, position, reraised)
                    entries.append(known)
                else:
                    line = _source_line(frame.f_code.co_filename, position[0], frame.f_globals)
                    entries.append(FrameRef(known, position[0], line))
            if isinstance(item, SyntaxError):
                syntax = self._syntax_frame(item)
                if syntax is not None:
                    entries.append(syntax)
            self.chain.append(
                ExceptionInfo(
                    type_name=_type_name(type(item)),
                    message=_message(item),
                    entries=entries,
                    leads_with=leads_with,
                )
            )
        self.chain.reverse()

    @property
    def type_name(self) -> str:
        """The qualified name of the exception's class."""
        return self.chain[-1].type_name

    @property
    def message(self) -> str:
        """The exception's message."""
        return self.chain[-1].message

    def _frame(
        self, frame: types.FrameType, position: Position, reraised: list[int]
    ) -> FrameInfo:
        lineno, col, end_col = position
        filename = frame.f_code.co_filename
        source = _context(linecache.getlines(filename, frame.f_globals), lineno)
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
            reraised=reraised,
        )
        self.frames[info.id] = info
        return info

    def _syntax_frame(self, exc: SyntaxError) -> FrameInfo | None:
        """The line a SyntaxError points at, with its caret as the marked columns."""
        if not exc.filename or not exc.lineno:
            return None
        filename, lineno = exc.filename, exc.lineno
        # The file may have changed since it was cached (the reloader case).
        linecache.checkcache(filename)
        lines = linecache.getlines(filename)
        text = (exc.text or "").rstrip("\r\n")
        if lineno <= len(lines) and (not text or lines[lineno - 1].strip() == text.strip()):
            source = _context(lines, lineno)
            text = lines[lineno - 1].rstrip("\r\n")
        elif text:
            # Not a readable file (compile() of a string): the error has the line.
            source = [(lineno, text)]
        else:
            source = []
        info = FrameInfo(
            id=len(self.frames),
            filename=filename,
            lineno=lineno,
            function="",
            is_library=is_library_file(filename),
            source=source,
            columns=_syntax_columns(exc, text),
            locals=[],
            frame=None,
        )
        self.frames[info.id] = info
        return info


def _context(lines: list[str], lineno: int) -> list[tuple[int, str]]:
    """``(number, text)`` of the lines around ``lineno``."""
    first = max(1, lineno - CONTEXT_LINES)
    last = min(len(lines), lineno + CONTEXT_LINES)
    return [(number, lines[number - 1].rstrip("\r\n")) for number in range(first, last + 1)]


def _source_line(filename: str, lineno: int, f_globals: dict[str, t.Any]) -> str:
    return linecache.getline(filename, lineno, f_globals).strip()


def _syntax_columns(exc: SyntaxError, text: str) -> tuple[int, int] | None:
    """The caret of a SyntaxError as UTF-8 byte columns (what FrameInfo keeps).

    Python gives 1-based character offsets; the caret covers one character
    when there is no end (or the end is on another line).
    """
    if not text or not exc.offset or exc.offset < 1:
        return None
    start = exc.offset - 1
    end = start + 1
    same_line = exc.end_lineno is None or exc.end_lineno == exc.lineno
    if same_line and exc.end_offset and exc.end_offset > exc.offset:
        end = exc.end_offset - 1
    start, end = min(start, len(text)), min(end, len(text))
    # A caret past the end of the line (an unclosed bracket) gives an empty
    # span, which the page shows as a marked space.
    return (len(text[:start].encode("utf-8")), len(text[:end].encode("utf-8")))


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


def _walk(
    tb: types.TracebackType | None,
) -> list[tuple[types.FrameType, Position, list[int]]]:
    """The visible frames of ``tb``, outermost first, with their positions
    and the lines they re-raised the exception from.

    A frame met again is one the exception came back to: ``raise e`` in a
    handler it called adds the handler and the frame once more in front of
    the first pass. The first pass is the call stack at the time of the
    error, so it is kept, and the way back is dropped.
    """
    found: list[tuple[types.FrameType, Position, list[int]]] = []
    index: dict[int, int] = {}
    while tb is not None:
        frame = tb.tb_frame
        if not _hidden(frame):
            reraised: list[int] = []
            earlier = index.get(id(frame))
            if earlier is not None:
                _, position, before = found[earlier]
                reraised = [*before, position[0]]
                for dropped, _, _ in found[earlier:]:
                    index.pop(id(dropped), None)
                del found[earlier:]
            index[id(frame)] = len(found)
            found.append((frame, _position(tb), reraised))
        tb = tb.tb_next
    return found
