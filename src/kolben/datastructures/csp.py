"""The ``Content-Security-Policy`` header as a dict of directives (layer 1).

CSP Level 3 section 2.2: a serialized policy is a ``;``-separated list of
directives, each a name and an optional value (``script-src 'self'``).
:class:`ContentSecurityPolicy` maps directive names to their values and
offers each well-known directive as an attribute (``csp.script_src``).
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from .structures import CallbackDict

__all__ = ["ContentSecurityPolicy"]


def _directive(name: str) -> t.Any:
    """An attribute for the directive ``name``: ``None`` when absent; setting
    ``None`` or deleting the attribute removes the directive."""

    def fget(self: ContentSecurityPolicy) -> str | None:
        return self.get(name)

    def fset(self: ContentSecurityPolicy, value: str | None) -> None:
        if value is None:
            self.pop(name, None)
        else:
            self[name] = value

    def fdel(self: ContentSecurityPolicy) -> None:
        self.pop(name, None)

    return property(fget, fset, fdel, f"The ``{name}`` directive.")


class ContentSecurityPolicy(CallbackDict[str, str]):
    """A ``Content-Security-Policy`` value: directive names mapped to their values.

    ``ContentSecurityPolicy({"default-src": "'self'"})`` or pairs build one;
    ``on_update(self)`` is called after each change. Each well-known
    directive is also an attribute with ``-`` spelled ``_``
    (``csp.img_src = "'self' data:"``). :meth:`to_header` (and ``str()``)
    give the header value.
    """

    __slots__ = ()

    base_uri: str | None = _directive("base-uri")
    child_src: str | None = _directive("child-src")
    connect_src: str | None = _directive("connect-src")
    default_src: str | None = _directive("default-src")
    font_src: str | None = _directive("font-src")
    form_action: str | None = _directive("form-action")
    frame_ancestors: str | None = _directive("frame-ancestors")
    frame_src: str | None = _directive("frame-src")
    img_src: str | None = _directive("img-src")
    manifest_src: str | None = _directive("manifest-src")
    media_src: str | None = _directive("media-src")
    navigate_to: str | None = _directive("navigate-to")
    object_src: str | None = _directive("object-src")
    prefetch_src: str | None = _directive("prefetch-src")
    plugin_types: str | None = _directive("plugin-types")
    report_to: str | None = _directive("report-to")
    report_uri: str | None = _directive("report-uri")
    sandbox: str | None = _directive("sandbox")
    script_src: str | None = _directive("script-src")
    script_src_attr: str | None = _directive("script-src-attr")
    script_src_elem: str | None = _directive("script-src-elem")
    style_src: str | None = _directive("style-src")
    style_src_attr: str | None = _directive("style-src-attr")
    style_src_elem: str | None = _directive("style-src-elem")
    upgrade_insecure_requests: str | None = _directive("upgrade-insecure-requests")
    worker_src: str | None = _directive("worker-src")

    def __init__(
        self,
        values: t.Any = (),
        on_update: Callable[[ContentSecurityPolicy], None] | None = None,
    ) -> None:
        callback = t.cast("Callable[[CallbackDict[str, str]], None] | None", on_update)
        super().__init__(values, callback)

    def to_header(self) -> str:
        """The header value: ``"default-src 'self'; img-src *"``.

        A directive without a value (``upgrade-insecure-requests``) is
        written as its bare name.
        """
        return "; ".join(f"{key} {value}" if value else key for key, value in self.items())

    def __str__(self) -> str:
        return self.to_header()
