"""Serving an app: the embedded granian server, the reloader, the debugger (layer 5).

:func:`run_simple` is what ``kolben run`` and :meth:`Kolben.run` call. It
serves through granian (WSGI or ASGI, one or several worker processes);
in debug mode it restarts on file changes (:mod:`watchfiles`) and shows
the interactive debugger (:mod:`kolben.debug`) on an unhandled error.

Only when granian cannot be imported does it fall back to the standard
library's ``wsgiref`` (WSGI only, one process): a documented last resort.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import sys
import typing as t
from collections.abc import Iterable

from ..debug import LOOPBACK_NAMES, TOKEN_ENV, generate_token
from ._certs import make_adhoc_certificate
from ._reloader import RELOADER_ENV, Supervisor, is_running_from_reloader, watch_parent
from ._target import Target, error_app, wants_asgi

try:
    from . import _granian
except ImportError:  # pragma: no cover - exercised by test_serving's fallback test
    _granian = None  # type: ignore[assignment]
from . import _fallback

__all__ = [
    "RELOADER_ENV",
    "ServerError",
    "error_app",
    "generate_token",
    "is_loopback",
    "is_running_from_reloader",
    "run_simple",
    "select_interface",
    "wants_asgi",
]

INTERFACES = ("auto", "wsgi", "asgi")
#: The port the supervisor picked for ``port=0``, handed to its server processes.
_PORT_ENV = "KOLBEN_RELOADER_PORT"
#: The ad-hoc certificate's files, likewise (``cert<os.pathsep>key``).
_CERT_ENV = "KOLBEN_RELOADER_CERT"
#: Addresses meaning "every interface".
_WILDCARDS = {"", "0.0.0.0", "::", "*"}


class ServerError(RuntimeError):
    """The server refuses to start with these options; the message says why."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) only listens on this machine."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def select_interface(application: t.Any, interface: str = "auto") -> str:
    """``"wsgi"`` or ``"asgi"``: ``interface``, or for ``"auto"`` ASGI when the
    app has async views or websocket routes, WSGI otherwise."""
    if interface not in INTERFACES:
        raise ServerError(f"Unknown interface {interface!r}; use one of {', '.join(INTERFACES)}.")
    if interface == "auto":
        return "asgi" if wants_asgi(application) else "wsgi"
    return interface


def _bind_address(host: str) -> str:
    """An IP address granian can bind (it takes no host names)."""
    if host in _WILDCARDS:
        return "0.0.0.0"
    if host.lower() == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        info = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        return str(info[0][4][0])


def _check_port(address: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServerError(
                    f"Port {port} is in use by another program. Stop that program, or start"
                    " the server on another port with '--port'."
                ) from None
            raise ServerError(f"Cannot listen on {address}:{port}: {exc.strerror}.") from None


def _free_port(address: str) -> int:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def _interactive() -> bool:
    """Whether this is a REPL or a notebook kernel (nothing to restart)."""
    return hasattr(sys, "ps1") or bool(sys.flags.interactive) or "ipykernel" in sys.modules


def _ssl_files(ssl_context: t.Any) -> tuple[str, str] | None:
    if ssl_context is None:
        return None
    if isinstance(ssl_context, tuple) and len(ssl_context) == 2:
        return str(ssl_context[0]), str(ssl_context[1])
    if ssl_context == "adhoc":
        try:
            return make_adhoc_certificate()
        except ImportError as exc:
            raise ServerError(str(exc)) from None
    raise ServerError(
        "granian reads the certificate from files: pass ssl_context=(cert_file, key_file)"
        " (or '--cert FILE --key FILE'), or 'adhoc' for a throw-away certificate."
    )


def _template_dirs(application: t.Any) -> list[str]:
    dirs: list[str] = []
    scaffolds = [application, *getattr(application, "blueprints", {}).values()]
    for scaffold in scaffolds:
        folder = getattr(scaffold, "template_folder", None)
        root = getattr(scaffold, "root_path", None)
        if folder and root:
            dirs.append(os.path.join(root, os.fspath(folder)))
    return dirs


def _templates_reload_themselves(application: t.Any) -> bool:
    """Whether the app's Jinja environment rereads a template saved since its
    last use (``auto_reload``: ``TEMPLATES_AUTO_RELOAD``, or debug mode)."""
    env = vars(application).get("jinja_env") if hasattr(application, "__dict__") else None
    if env is not None:
        return bool(getattr(env, "auto_reload", False))
    options = getattr(application, "jinja_options", None) or {}
    if "auto_reload" in options:
        return bool(options["auto_reload"])
    config = getattr(application, "config", None)
    setting = config.get("TEMPLATES_AUTO_RELOAD") if isinstance(config, dict) else None
    if setting is not None:
        return bool(setting)
    return bool(getattr(application, "debug", False))


def _recipe(application: t.Any) -> tuple[str, t.Any]:
    name = getattr(application, "import_name", None)
    if name is None:
        return ("object", None)
    if name == "__main__":
        return ("main", application.name)
    return ("import", name)


def _banner(
    application: t.Any,
    url: str,
    interface: str,
    workers: int,
    server: str,
    *,
    reloader: bool,
    token: str | None,
) -> None:
    lines = []
    name = getattr(application, "name", None)
    if name:
        lines.append(f" * Serving Kolben app '{name}'")
    debug = bool(getattr(application, "debug", False))
    lines.append(f" * Debug mode: {'on' if debug else 'off'}")
    plural = "worker" if workers == 1 else "workers"
    lines.append(f" * Running on {url} ({interface.upper()}, {server}, {workers} {plural})")
    if reloader:
        lines.append(" * Restarting on file changes (watchfiles)")
    if token is not None:
        lines.append(f" * Debugger is active. Debugger token: {token}")
        lines.append("   Enter it on an error page to use the consoles.")
    lines.append(" * Press CTRL+C to quit")
    print("\n".join(lines), flush=True)


def run_simple(
    hostname: str,
    port: int,
    application: t.Any,
    use_reloader: bool = False,
    use_debugger: bool = False,
    use_evalex: bool = True,
    extra_files: Iterable[str] | None = None,
    exclude_patterns: Iterable[str] | None = None,
    reloader_interval: float = 1,
    reloader_type: str = "auto",
    threaded: bool = False,
    processes: int = 1,
    request_handler: t.Any = None,
    static_files: t.Any = None,
    passthrough_errors: bool = False,
    ssl_context: t.Any = None,
    *,
    workers: int | None = None,
    interface: str = "auto",
    allow_remote_debugger: bool = False,
    access_log: bool = True,
    recipe: tuple[str, t.Any] | None = None,
) -> None:
    """Serve ``application`` on ``hostname:port`` until interrupted.

    ``application`` is a Kolben app (served over WSGI or ASGI, see
    ``interface``) or any WSGI callable. ``workers`` (or Werkzeug's name,
    ``processes``) worker processes serve it; ``threaded`` lets each WSGI
    worker run requests on several threads.

    ``use_reloader`` restarts the server when a Python file of the app or
    one of ``extra_files`` changes (``exclude_patterns`` are fnmatch
    patterns to ignore); templates restart it only when Jinja does not
    reload them by itself (``TEMPLATES_AUTO_RELOAD``, on in debug mode).
    ``use_debugger`` shows the interactive debugger on unhandled errors
    (``use_evalex=False``: tracebacks only, no consoles); it refuses several
    workers, and a non-loopback ``hostname`` unless ``allow_remote_debugger``
    is true.

    ``ssl_context`` is ``(cert_file, key_file)`` or ``"adhoc"``.
    ``reloader_interval``, ``reloader_type`` and ``passthrough_errors`` are
    accepted for Werkzeug compatibility and have no effect (watchfiles is
    event-driven; granian logs errors itself). ``recipe`` tells spawned
    worker processes how to load the app again (the CLI passes the
    ``--app`` path).

    Raises :class:`ServerError` when the options cannot work together.
    """
    if request_handler is not None or static_files is not None:
        raise ServerError(
            "'request_handler' and 'static_files' belong to Werkzeug's server; Kolben serves"
            " through granian. Serve static files from the app's static folder instead."
        )
    count = workers if workers is not None else processes
    if count < 1:
        raise ServerError("The number of workers must be at least 1.")
    if use_debugger and count > 1:
        raise ServerError(
            "The debugger keeps tracebacks in one process's memory, so it runs with a single"
            " worker. Use '--workers 1', or '--no-debugger'."
        )
    if use_debugger and not is_loopback(hostname) and not allow_remote_debugger:
        raise ServerError(
            f"The debugger runs any Python code it is sent, so it only listens on this machine"
            f" (127.0.0.1, ::1, localhost), not on {hostname!r}. Bind to 127.0.0.1, turn the"
            " debugger off ('--no-debugger', use_debugger=False), or, if everyone who can reach"
            " that address is trusted, force it with '--allow-remote-debugger'"
            " (allow_remote_debugger=True in app.run())."
        )
    chosen = select_interface(application, interface)
    if _granian is None and (chosen == "asgi" or count > 1):
        raise ServerError(
            "granian could not be imported, and the standard-library fallback server only"
            " serves WSGI with one worker. Install granian: pip install granian."
        )
    address = _bind_address(hostname)
    child = is_running_from_reloader()
    if port == 0:
        # Chosen here, so the banner can show it (and kept across restarts).
        inherited = os.environ.get(_PORT_ENV) if child else None
        port = int(inherited) if inherited else _free_port(address)
    inherited_cert = os.environ.get(_CERT_ENV) if child and ssl_context == "adhoc" else None
    if inherited_cert:
        # The supervisor's throw-away certificate: the browser accepts it once.
        cert_file, _, key_file = inherited_cert.partition(os.pathsep)
        ssl_files: tuple[str, str] | None = (cert_file, key_file)
    else:
        ssl_files = _ssl_files(ssl_context)
    scheme = "https" if ssl_files else "http"
    if address == "0.0.0.0":
        url = f"{scheme}://127.0.0.1:{port} and every other address of this machine"
    else:
        shown_host = f"[{address}]" if ":" in address else address
        url = f"{scheme}://{shown_host}:{port}"
    server = f"granian {_granian.granian_version}" if _granian is not None else "wsgiref fallback"

    if use_reloader and not child and _interactive():
        print(
            " * The reloader is off: it restarts the command line, which here is an"
            " interactive interpreter.",
            file=sys.stderr,
        )
        use_reloader = False
    token: str | None = None
    if use_debugger and use_evalex:
        # The supervisor hands its token down, so a browser stays unlocked
        # across restarts; the app and its subprocesses need not see it.
        token = os.environ.pop(TOKEN_ENV, None) if child else None
        token = token or generate_token()

    if use_reloader and not child:
        _check_port(address, port)
        _banner(application, url, chosen, count, server, reloader=True, token=token)
        env = dict(os.environ, **{_PORT_ENV: str(port)})
        if ssl_files is not None and ssl_context == "adhoc":
            env[_CERT_ENV] = os.pathsep.join(ssl_files)
        if token is not None:
            env[TOKEN_ENV] = token
        supervisor = Supervisor(
            # Templates that Jinja rereads by itself need no restart.
            template_dirs=(
                [] if _templates_reload_themselves(application) else _template_dirs(application)
            ),
            extra_files=list(extra_files or ()),
            exclude_patterns=list(exclude_patterns or ()),
            env=env,
        )
        supervisor.run()
        return

    if child:
        watch_parent()
    else:
        _check_port(address, port)
        _banner(application, url, chosen, count, server, reloader=False, token=token)

    debugger: dict[str, t.Any] | None = None
    if use_debugger:
        hosts = (
            list(application.config.get("TRUSTED_HOSTS") or ())
            if hasattr(application, "config")
            else []
        )
        if allow_remote_debugger and hostname not in _WILDCARDS:
            hosts.append(hostname)
        debugger = {"token": token, "evalex": use_evalex, "trusted_hosts": hosts}
    debug = getattr(application, "debug", None)
    target = Target(
        application,
        recipe or _recipe(application),
        chosen,
        debugger=debugger,
        debug=bool(debug) if debug is not None else None,
    )
    if _granian is None:
        print(" * granian is not installed: serving with the wsgiref fallback", file=sys.stderr)
        _fallback.serve(target(), address, port, threaded=threaded)
        return
    _granian.serve(
        target,
        address,
        port,
        workers=count,
        threaded=threaded,
        ssl_files=ssl_files,
        access_log=access_log,
    )
