"""Restart the server when the application's files change (layer 5).

The process the user started becomes a small supervisor: it runs the
server in a child process (the same command line, with ``KOLBEN_RUN_MAIN``
set) and watches the files with watchfiles. On a change it stops the
child and starts a new one. The watcher lives in the supervisor, never in
the server, so a child that cannot start (a syntax error in the file just
saved, a failing import) only prints its error: the supervisor keeps
watching and tries again on the next change.

What is watched: every ``.py`` file in the folders of the app's own
modules (the modules loaded so far that are not part of Python or of an
installed package), the ``extra_files``, and the files of the template
folders the caller passes (``run_simple`` passes none when Jinja reloads
templates by itself, as it does in debug mode: a template save then shows
on the next request without a restart). ``exclude_patterns``
(:mod:`fnmatch` patterns matched against the full path) take files out, and
so do the files editors write while saving (:func:`is_editor_file`).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import sysconfig
import threading
import typing as t
from collections.abc import Iterable, Sequence
from fnmatch import fnmatch

import watchfiles

__all__ = [
    "RELOADER_ENV",
    "Supervisor",
    "child_command",
    "is_editor_file",
    "is_running_from_reloader",
    "library_roots",
    "source_roots",
]

#: Set to ``"true"`` in the server process the supervisor starts.
RELOADER_ENV = "KOLBEN_RUN_MAIN"
#: The name Werkzeug used, set too so code ported from Flask keeps working.
WERKZEUG_RELOADER_ENV = "WERKZEUG_RUN_MAIN"

#: How long a stopping server gets before it is killed, in seconds.
STOP_TIMEOUT = 3.0


def is_running_from_reloader() -> bool:
    """Whether this process is the server a reloading supervisor started."""
    return os.environ.get(RELOADER_ENV) == "true"


#: The names editors give the files they write while saving a file (their
#: probes, swap, lock, backup and temporary files), never the file itself.
_EDITOR_FILE = re.compile(
    r"""
    ^\.                        # hidden: vim's .page.html.swp/.swx, emacs's .#page.html lock,
                               # the temporary copies of atomic saves (VS Code, gedit, ...)
    | ^[0-9]+$                 # vim's probe that the folder is writable: 4913, 4914, ...
    | ~$                       # backups: page.html~
    | ^\#.*\#$                 # emacs auto-save: #page.html#
    | \.sw[a-px]x?$            # vim swap files kept in another folder
    | ___jb_(?:tmp|old)___$    # JetBrains safe write: page.html___jb_tmp___
    | \.(?:tmp|kate-swp)$      # generic temporary copies, Kate's swap file
    """,
    re.VERBOSE,
)


def is_editor_file(path: str) -> bool:
    """Whether ``path`` names a file an editor writes while saving another.

    Such files come and go on every save (vim writes and deletes ``4913``,
    renames the file to ``file~``; JetBrains IDEs write ``file___jb_tmp___``);
    they must not restart the server, only the saved file itself may.
    """
    return _EDITOR_FILE.search(os.path.basename(path)) is not None


def library_roots() -> tuple[str, ...]:
    """Folders whose files are Python's or installed packages' (not the app's)."""
    paths = sysconfig.get_paths()
    roots = {
        os.path.realpath(paths[key])
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        if key in paths
    }
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        roots.add(os.path.realpath(os.path.join(prefix, "lib")))
    return tuple(sorted(roots))


def _inside(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _minimal(paths: Iterable[str]) -> list[str]:
    """``paths`` without the ones inside another (watching is recursive)."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not _inside(path, kept):
            kept.append(path)
    return sorted(kept)


def source_roots(template_dirs: Iterable[str] = ()) -> list[str]:
    """The folders holding the app's own modules, plus ``template_dirs``."""
    libraries = library_roots()
    found: set[str] = set()
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if not filename or not isinstance(filename, str):
            continue
        path = os.path.realpath(filename)
        if _inside(path, libraries) or not os.path.exists(path):
            continue
        found.add(os.path.dirname(path))
    found.update(os.path.realpath(d) for d in template_dirs if os.path.isdir(d))
    return _minimal(found)


def child_command() -> list[str]:
    """The command line that started this process, to start the server again.

    ``sys.orig_argv`` keeps ``-m module``, ``-X`` and ``-W`` options exactly
    as they were given.
    """
    args = list(sys.orig_argv[1:])
    if os.name == "nt" and args and args[0].lower().endswith(".exe") and os.path.isfile(args[0]):
        return args  # a console-script launcher runs by itself
    return [sys.executable, *args]


class _ChangeFilter(watchfiles.DefaultFilter):
    """Python files, template files and the extra files, minus the excluded."""

    def __init__(
        self, template_dirs: Sequence[str], extra_files: Sequence[str], excludes: Sequence[str]
    ) -> None:
        super().__init__()
        self.template_dirs = tuple(os.path.realpath(d) for d in template_dirs)
        self.extra_files = frozenset(os.path.realpath(f) for f in extra_files)
        self.excludes = tuple(excludes)

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        real = os.path.realpath(path)
        if real in self.extra_files or path in self.extra_files:
            return True
        if not super().__call__(change, path) or is_editor_file(path):
            return False
        if any(fnmatch(path, pattern) or fnmatch(real, pattern) for pattern in self.excludes):
            return False
        return path.endswith(".py") or _inside(real, self.template_dirs)


class Supervisor:
    """Runs the server in a child process and restarts it on file changes."""

    def __init__(
        self,
        *,
        template_dirs: Sequence[str] = (),
        extra_files: Sequence[str] = (),
        exclude_patterns: Sequence[str] = (),
        env: dict[str, str] | None = None,
        command: Sequence[str] | None = None,
        roots: Sequence[str] | None = None,
    ) -> None:
        self.extra_files = [os.path.abspath(f) for f in extra_files]
        self.filter = _ChangeFilter(template_dirs, self.extra_files, exclude_patterns)
        watched = list(roots) if roots is not None else source_roots(template_dirs)
        for path in self.extra_files:
            # A missing extra file is watched through its folder until it appears.
            watched.append(path if os.path.exists(path) else os.path.dirname(path))
        self.roots = _minimal(p for p in watched if os.path.exists(p))
        self.command = list(command) if command is not None else child_command()
        self.env = dict(os.environ if env is None else env)
        self.env[RELOADER_ENV] = "true"
        self.env[WERKZEUG_RELOADER_ENV] = "true"
        self.child: subprocess.Popen[bytes] | None = None
        self._stopping = False
        self._stop_event = threading.Event()

    # -- the child ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the server process and a thread that reports when it dies."""
        self._stopping = False
        kwargs: dict[str, t.Any] = {}
        if os.name == "posix":
            # Its own session: on a stop that hangs, the whole group (the
            # server and its workers) is killed, never leaving one behind.
            kwargs["start_new_session"] = True
        child = subprocess.Popen(self.command, env=self.env, **kwargs)
        self.child = child
        threading.Thread(target=self._report_exit, args=(child,), daemon=True).start()

    def _report_exit(self, child: subprocess.Popen[bytes]) -> None:
        code = child.wait()
        if child is self.child and not self._stopping:
            print(
                f" * The server stopped (exit status {code}). Fix the error and save:"
                " it restarts on the next change.",
                file=sys.stderr,
                flush=True,
            )

    def stop(self) -> None:
        """Stop the server: politely first, then by force."""
        child = self.child
        if child is None or child.poll() is not None:
            return
        self._stopping = True
        self._signal(child, signal.SIGTERM)
        try:
            child.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._signal(child, signal.SIGKILL if os.name == "posix" else signal.SIGTERM)
            child.wait(STOP_TIMEOUT)

    @staticmethod
    def _signal(child: subprocess.Popen[bytes], sig: int) -> None:
        try:
            if os.name == "posix":
                os.killpg(child.pid, sig)
            else:  # pragma: no cover - Windows
                child.terminate()
        except ProcessLookupError:
            pass

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> int:
        """Serve until interrupted, restarting on changes. Returns the exit status."""
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.getsignal(signal.SIGTERM)
        if main_thread:
            # SIGTERM to the supervisor must stop the server too: raise as Ctrl+C does.
            signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            self.start()
            for changes in watchfiles.watch(
                *self.roots,
                watch_filter=self.filter,
                debounce=800,
                step=50,
                stop_event=self._stop_event,
            ):
                changed = sorted({path for _change, path in changes})
                shown = ", ".join(_display(p) for p in changed[:3])
                more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
                print(f" * Detected a change in {shown}{more}, restarting", flush=True)
                self.stop()
                self.start()
        except KeyboardInterrupt:
            pass
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, previous)
            self.stop()
        return 0

    def shutdown(self) -> None:
        """Make :meth:`run` return (from another thread)."""
        self._stop_event.set()


def _display(path: str) -> str:
    """``path`` relative to the working directory when it is inside it."""
    cwd = os.getcwd()
    return os.path.relpath(path, cwd) if _inside(path, [cwd]) else path


def _raise_interrupt(signum: int, frame: t.Any) -> None:
    raise KeyboardInterrupt


def watch_parent() -> None:
    """In the server process: stop when the supervisor is gone (killed hard)."""
    parent = os.getppid()

    def check() -> None:
        while True:
            threading.Event().wait(0.5)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=check, name="kolben-parent-watch", daemon=True).start()
