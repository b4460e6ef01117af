"""Flask's ten signals, on blinker (layer 4).

Kolben sends a signal only when a receiver is connected to it, so an app
that uses none pays nothing for them.
"""

from __future__ import annotations

import typing as t

from blinker import ANY, NamedSignal, Namespace

__all__ = [
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
]

#: True once any receiver was ever connected to one of Kolben's signals.
#: PERF: the request pipeline checks this one module global before looking
#: at any signal, so an app without receivers skips every signal lookup.
in_use = False


class _KolbenSignal(NamedSignal):
    """A blinker signal that records that the app must start sending signals."""

    def connect(self, receiver: t.Any, sender: t.Any = ANY, weak: bool = True) -> t.Any:
        global in_use
        in_use = True
        return super().connect(receiver, sender, weak)


class _Namespace(Namespace):
    def signal(self, name: str, doc: str | None = None) -> t.Any:
        if name not in self:
            self[name] = _KolbenSignal(name, doc)
        return self[name]


_signals = _Namespace()

template_rendered = _signals.signal(
    "template-rendered",
    "Sent after a template is rendered (for a stream: when it ends),"
    " with ``template`` and ``context``.",
)
before_render_template = _signals.signal(
    "before-render-template",
    "Sent before a template is rendered, with ``template`` and ``context``.",
)
request_started = _signals.signal(
    "request-started",
    "Sent when a request starts, before the URL value preprocessors and before_request hooks.",
)
request_finished = _signals.signal(
    "request-finished",
    "Sent after the after_request hooks and the session save, with ``response``.",
)
request_tearing_down = _signals.signal(
    "request-tearing-down",
    "Sent after the teardown_request functions, with ``exc`` (the unhandled error or None).",
)
got_request_exception = _signals.signal(
    "got-request-exception",
    "Sent for an unhandled exception, before it propagates or is logged, with ``exception``.",
)
appcontext_tearing_down = _signals.signal(
    "appcontext-tearing-down",
    "Sent after the teardown_appcontext functions, with ``exc``.",
)
appcontext_pushed = _signals.signal(
    "appcontext-pushed", "Sent when an application context is pushed."
)
appcontext_popped = _signals.signal(
    "appcontext-popped", "Sent when an application context is popped."
)
message_flashed = _signals.signal(
    "message-flashed", "Sent by ``flash()``, with ``message`` and ``category``."
)
