"""Tagged JSON: a lossless JSON encoding for a few extra Python types (layer 4).

The session cookie stores its data with :class:`TaggedJSONSerializer`. Plain
JSON would turn a tuple into a list and could not hold bytes, markup, UUIDs
or datetimes at all, so such values are written as a one-key object whose
key names the type, for example ``{" t": [1, 2]}`` for ``(1, 2)``. The tags
start with a space, which keeps them apart from ordinary keys; a real
one-key dict whose key happens to be a tag is escaped by :class:`TagDict`.

The format, tag keys and bytes are those of Flask's ``flask.json.tag``, so
cookies written by either framework read back in the other.

Add a type by subclassing :class:`JSONTag` and registering it::

    class TagFraction(JSONTag):
        key = " fr"

        def check(self, value):
            return isinstance(value, Fraction)

        def to_json(self, value):
            return [value.numerator, value.denominator]

        def to_python(self, value):
            return Fraction(*value)

    app.session_interface.serializer.register(TagFraction, index=0)
"""

from __future__ import annotations

import json as _json
import typing as t
from base64 import b64decode, b64encode
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from uuid import UUID

from markupsafe import Markup

from ..globals import _cv_app
from . import dumps, loads
from .provider import DefaultJSONProvider, _default, _http_date, _stdlib_encoder_for

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]


class JSONTag:
    """One rule of the tagged JSON format.

    :attr:`key` is the tag written to JSON (empty for rules that only recurse
    into containers and never appear in the output). :meth:`check` decides
    whether the rule applies to a value, :meth:`to_json` turns the value
    into something JSON can hold and :meth:`to_python` reverses that.
    """

    __slots__ = ("serializer",)

    #: The tag key; must start with a space to stay apart from real keys.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Whether this rule handles ``value``."""
        raise NotImplementedError(f"{type(self).__name__} must implement check()")

    def to_json(self, value: t.Any) -> t.Any:
        """Convert ``value`` to a JSON-compatible value (untagged)."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_json()")

    def to_python(self, value: t.Any) -> t.Any:
        """Rebuild the Python value from what :meth:`to_json` produced."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_python()")

    def tag(self, value: t.Any) -> t.Any:
        """Convert ``value`` and wrap it in a one-key object named by :attr:`key`."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """Escape a one-key dict whose key is itself a registered tag.

    Without this, ``{" t": [1]}`` would read back as the tuple ``(1,)``. The
    key gets a ``__`` suffix inside a ``" di"`` wrapper, which is removed
    again when reading.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        ((key, item),) = value.items()
        return {f"{key}__": self.serializer.tag(item)}

    def to_python(self, value: t.Any) -> t.Any:
        ((key, item),) = value.items()
        return {key[:-2]: item}


class PassDict(JSONTag):
    """Tag the values of an ordinary dict; the dict itself needs no tag."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        # JSON object keys are strings; they are written as they are.
        tag = self.serializer.tag
        return {key: tag(item) for key, item in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    """Keep tuples apart from lists (``" t"``)."""

    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        return tuple(value)


class PassList(JSONTag):
    """Tag the items of a list; the list itself needs no tag."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    """Store bytes as standard base64 text (``" b"``)."""

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Store anything with an ``__html__`` method as its markup (``" m"``).

    It reads back as :class:`markupsafe.Markup`, so it stays safe to insert
    into a template.
    """

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        return Markup(value)


class TagUUID(JSONTag):
    """Store a UUID as its 32 hex digits (``" u"``)."""

    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """Store a datetime as an HTTP date (``" d"``).

    The format has whole seconds and no zone other than GMT: a naive value
    counts as UTC, and the value reads back as an aware UTC datetime with
    the microseconds dropped.
    """

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        return _http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            raise ValueError(f"Invalid HTTP date in tagged JSON: {value!r}") from None
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
_BUILTIN_RULES = frozenset(
    {TagDict, PassDict, TagTuple, PassList, TagBytes, TagMarkup, TagUUID, TagDateTime}
)


class TaggedJSONSerializer:
    """Serialise data to tagged JSON and back.

    Tags are tried in :attr:`order`, the first whose ``check`` accepts a value
    wins. :attr:`tags` maps each tag key to its rule for reading.
    """

    __slots__ = ("_decoder", "_encoders", "_plain_scalars", "order", "tags")

    #: The rules every new serializer starts with, in checking order.
    default_tags: t.ClassVar[list[type[JSONTag]]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        self._plain_scalars = False
        # PERF: json.loads(s, object_hook=...) builds a decoder per call.
        self._decoder = _json.JSONDecoder(object_hook=self.untag)
        self._encoders: dict[tuple[t.Any, bool], t.Any] = {}
        for tag_class in self.default_tags:
            self.register(tag_class)

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a rule, instantiated with this serializer.

        It is appended to the checking order, or inserted at ``index``. A key
        that is already registered raises :class:`KeyError` unless ``force``
        is true; then the new rule replaces the old one, for writing as well
        as for reading, at the old rule's place in the order unless ``index``
        says otherwise.
        """
        tag = tag_class(self)
        key = tag.key
        if key:
            previous = self.tags.get(key)
            if previous is not None:
                if not force:
                    raise KeyError(
                        f"A tag with key {key!r} is already registered"
                        f" ({type(previous).__name__}); pass force=True to replace it."
                    )
                position = self.order.index(previous)
                del self.order[position]
                if index is None:
                    index = position
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)
        # No built-in rule applies to str, int, float, bool or None; a custom
        # rule might, so the shortcut in tag() holds only for built-in rules.
        self._plain_scalars = all(type(rule) in _BUILTIN_RULES for rule in self.order)

    def tag(self, value: t.Any) -> t.Any:
        """Return ``value`` converted to tagged, JSON-compatible data."""
        if self._plain_scalars and type(value) in _PLAIN_TYPES:
            # PERF: most session values are plain strings and numbers; asking
            # all eight rules about each one costs more than encoding it
            # (bench case G).
            return value
        for rule in self.order:
            if rule.check(value):
                return rule.tag(value)
        return value

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Decode one JSON object if it is a tag wrapper, else return it unchanged."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        rule = self.tags.get(key)
        if rule is None:
            return value
        return rule.to_python(value[key])

    def _untag_scan(self, value: t.Any) -> t.Any:
        # Inner values first, so a wrapper always receives decoded contents.
        if type(value) in _PLAIN_TYPES:
            return value  # PERF: the common leaf, checked first (bench case G)
        if isinstance(value, dict):
            return self.untag({key: self._untag_scan(item) for key, item in value.items()})
        if isinstance(value, list):
            return [self._untag_scan(item) for item in value]
        return value

    def dumps(self, value: t.Any) -> str:
        """Tag ``value`` and serialise it as compact JSON with sorted keys.

        Inside an app context the app's JSON provider does the writing, as
        for :func:`kolben.json.dumps`.
        """
        tagged = self.tag(value)
        ctx = _cv_app.get(None)
        if ctx is None:
            options: tuple[t.Any, bool] = (_default, True)
        else:
            provider = ctx.app.json
            if type(provider).dumps is not DefaultJSONProvider.dumps:
                return dumps(tagged, separators=(",", ":"), sort_keys=True)
            stock = t.cast(DefaultJSONProvider, provider)
            options = (stock.default, stock.ensure_ascii)
        # PERF: the encoder the stock provider would pick for these options,
        # found once instead of per call (bench case G); same bytes.
        encoder = self._encoders.get(options)
        if encoder is None:
            encoder = _stdlib_encoder_for(
                {
                    "default": options[0],
                    "ensure_ascii": options[1],
                    "sort_keys": True,
                    "separators": (",", ":"),
                }
            )
            if encoder is None:  # pragma: no cover - an unhashable default hook
                return dumps(tagged, separators=(",", ":"), sort_keys=True)
            if len(self._encoders) >= 8:
                self._encoders.clear()
            self._encoders[options] = encoder
        return t.cast(str, encoder.encode(tagged))

    def loads(self, value: str | bytes) -> t.Any:
        """Parse tagged JSON and rebuild the original Python data.

        Inside an app context the app's JSON provider does the parsing, as
        for :func:`kolben.json.loads`.
        """
        ctx = _cv_app.get(None)
        if ctx is None or type(ctx.app.json).loads is DefaultJSONProvider.loads:
            # PERF: the stdlib parser calls untag() for each object as it
            # finishes it, inner objects first, exactly the order of
            # _untag_scan, without a second walk in Python (bench case G).
            if not isinstance(value, str):
                value = value.decode(_json.detect_encoding(value), "surrogatepass")
            return self._decoder.decode(value)
        return self._untag_scan(loads(value))
