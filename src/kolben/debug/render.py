"""The debugger's HTML page (layer 5).

Every piece of text that comes from the failing program (exception
messages, ``repr`` of locals, file names, source lines, the URL) goes
through :func:`markupsafe.escape`; values embedded in attributes are
escaped the same way, and no data is ever placed inside the script. The
CSS and JavaScript are files of this package, inlined with the
per-response nonce that the Content-Security-Policy allows.
"""

from __future__ import annotations

import importlib.metadata
import secrets
from importlib import resources

from markupsafe import Markup, escape

from .tbtools import ExceptionInfo, FrameInfo, FrameRef, Traceback

__all__ = ["content_security_policy", "make_nonce", "render_page"]

_LEADS = {
    "cause": "The above exception was the direct cause of the following exception:",
    "context": "During handling of the above exception, another exception occurred:",
}


def asset(name: str) -> str:
    """The text of ``static/<name>`` (read for each page: a debugger page is
    rare, and an edited file shows at once)."""
    return resources.files(__package__).joinpath("static").joinpath(name).read_text("utf-8")


def _version() -> str:
    try:
        return importlib.metadata.version("kolben")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - source checkout
        return "dev"


def make_nonce() -> str:
    """A fresh CSP nonce (one per response)."""
    return secrets.token_urlsafe(18)


def content_security_policy(nonce: str) -> str:
    """The page's policy: its own nonce'd script and style, fetches to itself, no framing."""
    return (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; "
        f"style-src 'nonce-{nonce}'; "
        "img-src data:; "
        "connect-src 'self'; "
        "form-action 'none'; "
        "base-uri 'none'; "
        "frame-ancestors 'none'"
    )


def _source(frame: FrameInfo) -> Markup:
    rows = []
    for number, text in frame.source:
        current = number == frame.lineno
        if current and frame.columns is not None:
            start, end = _char_columns(text, frame.columns)
            # An empty span (a SyntaxError's caret past the end of the line)
            # still needs something to mark.
            marked = text[start:end] or " "
            code = Markup("{}<mark>{}</mark>{}").format(text[:start], marked, text[end:])
        else:
            code = escape(text)
        css = "kd-line kd-current" if current else "kd-line"
        rows.append(
            Markup('<span class="{}"><span class="kd-lineno">{}</span>{}</span>').format(
                css, number, code
            )
        )
        if current and frame.columns is not None and not frame.has_console:
            rows.append(_caret_row(text, frame.columns))
    if not rows:
        return Markup('<p class="kd-nosource">Source not available.</p>')
    return Markup('<pre class="kd-source"><code>{}</code></pre>').format(Markup("").join(rows))


def _caret_row(text: str, columns: tuple[int, int]) -> Markup:
    """The ``^`` line Python prints under the line a SyntaxError points at."""
    start, end = _char_columns(text, columns)
    # Tabs keep their width, everything else becomes a space.
    lead = "".join(char if char == "\t" else " " for char in text[:start])
    return Markup(
        '<span class="kd-line kd-caret" aria-hidden="true"><span class="kd-lineno"></span>'
        "{}{}</span>"
    ).format(lead, "^" * max(1, end - start))


def _char_columns(text: str, columns: tuple[int, int]) -> tuple[int, int]:
    """Python reports columns as UTF-8 byte offsets; turn them into characters."""
    raw = text.encode("utf-8")
    start = len(raw[: columns[0]].decode("utf-8", "replace"))
    end = len(raw[: columns[1]].decode("utf-8", "replace"))
    return start, max(end, start)


def _locals(frame: FrameInfo) -> Markup:
    if not frame.locals:
        return Markup("")
    rows = Markup("").join(
        Markup('<tr><th scope="row">{}</th><td><pre>{}</pre></td></tr>').format(name, value)
        for name, value in frame.locals
    )
    return Markup(
        '<details class="kd-locals"{}><summary>Local variables ({})</summary>'
        "<table><tbody>{}</tbody></table></details>"
    ).format(Markup("") if frame.is_library else Markup(" open"), len(frame.locals), rows)


def _console(frame: FrameInfo) -> Markup:
    if not frame.has_console:
        return Markup("")
    return Markup(
        '<div class="kd-console" data-kd-frame="{id}">'
        '<pre class="kd-output" aria-live="polite"></pre>'
        '<form class="kd-console-form">'
        '<span class="kd-prompt" aria-hidden="true">&gt;&gt;&gt;</span>'
        '<textarea class="kd-input" name="code" rows="1" autocomplete="off" spellcheck="false"'
        ' aria-label="Python code to run in this frame" disabled'
        ' placeholder="Unlock the consoles to run Python here"></textarea></form></div>'
    ).format(id=frame.id)


def _frame(frame: FrameInfo, evalex: bool) -> Markup:
    css = "kd-frame kd-library" if frame.is_library else "kd-frame kd-user"
    if not frame.has_console:
        css += " kd-syntax"
    badge = Markup('<span class="kd-badge">library</span>') if frame.is_library else Markup("")
    if frame.function:
        func = Markup(', in <span class="kd-func">{}</span>').format(frame.function)
    else:
        func = Markup("")  # a SyntaxError's line: Python names no function either
    if frame.reraised:
        lines = ", ".join(str(number) for number in frame.reraised)
        badge += Markup(' <span class="kd-reraised">re-raised at line {}</span>').format(lines)
    return Markup(
        '<details class="{css}" data-kd-frame="{id}" id="kd-frame-{id}"{open}>'
        '<summary><span class="kd-file">{file}</span>, line <span class="kd-lineno-ref">{line}'
        "</span>{func} {badge}</summary>"
        "{source}{locals}{console}</details>"
    ).format(
        css=css,
        id=frame.id,
        open=Markup("") if frame.is_library else Markup(" open"),
        file=frame.filename,
        line=frame.lineno,
        func=func,
        badge=badge,
        source=_source(frame),
        locals=_locals(frame),
        console=_console(frame) if evalex else Markup(""),
    )


def _reference(ref: FrameRef) -> Markup:
    """A frame listed under a later exception: where this one passed, and a link."""
    target = ref.target
    return Markup(
        '<div class="kd-frame-ref"><span class="kd-ref-file">{file}</span>, line {line},'
        ' in <span class="kd-ref-func">{func}</span>'
        ' <a href="#kd-frame-{id}" data-kd-target="{id}">listed below</a>'
        "{source}</div>"
    ).format(
        file=target.filename,
        line=ref.lineno,
        func=target.function,
        id=target.id,
        source=Markup('<pre class="kd-ref-line"><code>{}</code></pre>').format(ref.line)
        if ref.line
        else Markup(""),
    )


def _exception(info: ExceptionInfo, evalex: bool) -> Markup:
    frames = Markup("").join(
        _frame(entry, evalex) if isinstance(entry, FrameInfo) else _reference(entry)
        for entry in info.entries
    )
    lead = _LEADS.get(info.leads_with)
    return Markup(
        '<section class="kd-exception"><h2>Traceback <small>(most recent call last)</small></h2>'
        '{frames}<p class="kd-exc-line"><strong>{type}</strong>{sep}{message}</p>{lead}</section>'
    ).format(
        frames=frames,
        type=info.type_name,
        sep=": " if info.message else "",
        message=info.message,
        lead=Markup('<p class="kd-chain">{}</p>').format(lead) if lead else Markup(""),
    )


def _unlock(unlocked: bool) -> Markup:
    return Markup(
        '<section class="kd-unlock" id="kd-unlock"{hidden}>'
        '<form id="kd-unlock-form"><label for="kd-token">Debugger token</label>'
        '<input id="kd-token" name="token" type="password" autocomplete="off"'
        ' spellcheck="false" placeholder="xxxx-xxxx-xxxx-xxxx-xxxx">'
        '<button type="submit">Unlock consoles</button>'
        '<p class="kd-hint">The token is printed in the terminal where the server runs.'
        " Once unlocked, each frame has a Python console.</p>"
        '<p id="kd-unlock-status" class="kd-status" role="status"></p></form></section>'
    ).format(hidden=Markup(" hidden") if unlocked else Markup(""))


def render_page(
    tb: Traceback,
    *,
    nonce: str,
    base: str,
    csrf: str,
    evalex: bool,
    unlocked: bool,
    method: str,
    url: str,
) -> str:
    """The full HTML page for ``tb``."""
    body = Markup("").join(_exception(info, evalex) for info in tb.chain)
    page = Markup(
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        "<title>{type}: {short} // Kolben debugger</title>"
        '<style nonce="{nonce}">{css}</style></head>'
        '<body data-kd-base="{base}" data-kd-traceback="{tb_id}" data-kd-csrf="{csrf}"'
        ' data-kd-evalex="{evalex}" data-kd-unlocked="{unlocked}">'
        '<header class="kd-header"><p class="kd-brand">Kolben debugger</p>'
        '<h1 class="kd-type">{type}</h1><p class="kd-message">{message}</p>'
        '<p class="kd-request"><span class="kd-method">{method}</span> {url}</p>'
        '<div class="kd-actions"><button type="button" id="kd-copy">Copy traceback</button>'
        '<button type="button" id="kd-toggle-library">Expand library frames</button>'
        '<span id="kd-copy-status" class="kd-status" role="status"></span></div></header>'
        "{unlock}<main>{body}</main>"
        '<section class="kd-plain"><details><summary>Plain-text traceback</summary>'
        '<textarea id="kd-plain" readonly rows="16">{plain}</textarea></details></section>'
        '<footer class="kd-footer">Kolben {version} development debugger. It runs any code'
        " it is sent: never turn it on where others can reach the server.</footer>"
        '<script nonce="{nonce}">{js}</script></body></html>'
    ).format(
        type=tb.type_name,
        short=tb.message[:80],
        message=tb.message,
        nonce=nonce,
        css=Markup(asset("debugger.css")),
        js=Markup(asset("debugger.js")),
        base=base,
        tb_id=tb.id,
        csrf=csrf,
        evalex="1" if evalex else "0",
        unlocked="1" if unlocked else "0",
        method=method,
        url=url,
        unlock=_unlock(unlocked) if evalex else Markup(""),
        body=body,
        plain=tb.plain_text,
        version=_version(),
    )
    return str(page)


def render_text(tb: Traceback) -> str:
    """The plain-text page for clients that do not want HTML."""
    return tb.plain_text
