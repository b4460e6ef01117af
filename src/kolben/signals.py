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
#: PERF: code outside the request pipeline (contexts, templates, flashing)
#: checks this one module global before looking at a signal's receivers.
in_use = False
#: Changes whenever a receiver is connected or disconnected. An app's plan
#: (kolben.pipeline.plan) records it, and decides per app whether the
#: request pipeline sends signals; a changed value makes it decide again.
generation = 0


class _KolbenSignal(NamedSignal):
    """A blinker signal that tells Kolben when its receivers change."""

    def connect(self, receiver: t.Any, sender: t.Any = ANY, weak: bool = True) -> t.Any:
        global in_use, generation
        in_use = True
        generation += 1
        return super().connect(receiver, sender, weak)

    def disconnect(self, receiver: t.Any, sender: t.Any = ANY) -> None:
        global generation
        generation += 1
        super().disconnect(receiver, sender)


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
