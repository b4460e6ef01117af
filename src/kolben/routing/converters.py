"""URL converters: what a ``<conv:name>`` variable matches and how it is built.

A converter gives a regular expression for the text it accepts, turns the
matched text into a Python value (:meth:`BaseConverter.to_python`) and a value
back into URL text (:meth:`BaseConverter.to_url`). ``weight`` orders
converters competing for the same segment: lower weights are tried first.
"""

from __future__ import annotations

import re
import typing as t
import uuid
from urllib.parse import quote

from .exceptions import ValidationError

if t.TYPE_CHECKING:
    from .map import Map

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "FloatConverter",
    "IntegerConverter",
    "NumberConverter",
    "PathConverter",
    "UUIDConverter",
    "UnicodeConverter",
]

#: Characters ``to_url`` leaves unquoted besides letters, digits and ``-._~``:
#: the RFC 3986 section 3.3 ``pchar`` sub-delims plus ``/``.
URL_SAFE = "!$&'()*+,/:;=@"

# PERF: ``urllib.parse.quote`` costs ~0.5 us even when nothing needs quoting;
# one C-level search decides that much faster, and most values are plain.
_NEEDS_QUOTE = re.compile(r"[^A-Za-z0-9_.~!$&'()*+,/:;=@-]").search


def quote_url_part(value: str) -> str:
    """Percent-encode ``value`` for a URL path, keeping ``/`` and the sub-delims."""
    if _NEEDS_QUOTE(value) is None:
        return value
    return quote(value, safe=URL_SAFE)


class BaseConverter:
    """Base class of converters; subclass it to add one to ``Map.converters``.

    ``map`` is the :class:`Map` the rule belongs to; the positional and
    keyword arguments are those written in the rule, ``<conv(1, x=2):name>``.
    A subclass whose own ``regex`` contains ``/`` automatically gets
    ``part_isolating = False``, so it may span several path segments.
    """

    #: What the variable matches (without anchors); ``[^/]+`` is one segment.
    regex = "[^/]+"
    #: Lower weights are tried first when several converters could match.
    weight = 100
    #: ``False`` when matches may contain ``/`` (the converter then takes the
    #: rest of the path as a whole instead of a single segment).
    part_isolating = True

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if "regex" in cls.__dict__ and "part_isolating" not in cls.__dict__:
            cls.part_isolating = "/" not in cls.regex

    def __init__(self, map: Map, *args: t.Any, **kwargs: t.Any) -> None:
        self.map = map

    def to_python(self, value: str) -> t.Any:
        """Turn the matched text into the view argument; may raise ValidationError."""
        return value

    def to_url(self, value: t.Any) -> str:
        """Turn a value into URL text: ``str()`` then percent-encoding."""
        return quote_url_part(str(value))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.regex!r}>"


class UnicodeConverter(BaseConverter):
    """``string`` / ``default``: one segment, ``minlength=1, maxlength=None, length=None``."""

    def __init__(
        self,
        map: Map,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            self.regex = f"[^/]{{{int(length)}}}"
        else:
            upper = "" if maxlength is None else str(int(maxlength))
            self.regex = f"[^/]{{{int(minlength)},{upper}}}"


class AnyConverter(BaseConverter):
    """``any(a, b, ...)``: exactly one of the given words."""

    def __init__(self, map: Map, *items: str) -> None:
        super().__init__(map)
        if not items:
            raise ValueError("the 'any' converter needs at least one item: any(a, b)")
        for item in items:
            if not isinstance(item, str) or "/" in item:
                raise ValueError(f"'any' converter items must be strings without '/': {item!r}")
        self.items = frozenset(items)
        # In the rule's order, as Werkzeug writes it: flask-smorest reads the items
        # back from the regex. Rules are matched with fullmatch, which backtracks
        # into the alternation, so a prefix still never shadows a longer item.
        self.regex = "(?:" + "|".join(re.escape(x) for x in items) + ")"

    def to_url(self, value: t.Any) -> str:
        """Return ``value`` quoted; raise ValueError when it is not one of the items."""
        if value in self.items:
            return quote_url_part(value)
        allowed = ", ".join(repr(x) for x in sorted(self.items))
        raise ValueError(f"{value!r} is not one of {allowed}")


class PathConverter(BaseConverter):
    """``path``: like ``string`` but also accepts ``/``; tried after segment converters."""

    regex = "[^/].*?"
    weight = 200
    part_isolating = False


class NumberConverter(BaseConverter):
    """Shared logic of ``int`` and ``float``: range checks and zero padding."""

    weight = 50
    num_convert: t.Callable[[t.Any], t.Any] = int

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map)
        self.fixed_digits = fixed_digits
        self.min = min
        self.max = max
        self.signed = signed
        if signed:
            self.regex = "-?" + type(self).regex

    def to_python(self, value: str) -> t.Any:
        """Convert, rejecting wrong widths and values outside ``[min, max]``."""
        if self.fixed_digits and len(value) != self.fixed_digits:
            raise ValidationError()
        try:
            number = self.num_convert(value)
        except ValueError:
            # int() refuses more than sys.get_int_max_str_digits() digits.
            raise ValidationError() from None
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValidationError()
        return number

    def to_url(self, value: t.Any) -> str:
        """Format the number, zero-padded to ``fixed_digits``."""
        text = str(self.num_convert(value))
        if self.fixed_digits:
            text = text.zfill(self.fixed_digits)
        return text


class IntegerConverter(NumberConverter):
    """``int(fixed_digits=0, min=None, max=None, signed=False)``: ASCII digits."""

    regex = "[0-9]+"


class FloatConverter(NumberConverter):
    """``float(min=None, max=None, signed=False)``: digits with a dot (``1`` fails)."""

    regex = r"[0-9]+\.[0-9]+"
    num_convert = float

    def __init__(
        self,
        map: Map,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min=min, max=max, signed=signed)


class UUIDConverter(BaseConverter):
    """``uuid``: 8-4-4-4-12 hex digits; the value is a :class:`uuid.UUID`."""

    regex = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        """Return the :class:`uuid.UUID`."""
        return uuid.UUID(value)

    def to_url(self, value: t.Any) -> str:
        """Return the canonical text of the UUID."""
        return str(value)


#: The converters every :class:`Map` starts with.
DEFAULT_CONVERTERS: t.Mapping[str, type[BaseConverter]] = {
    "default": UnicodeConverter,
    "string": UnicodeConverter,
    "any": AnyConverter,
    "path": PathConverter,
    "int": IntegerConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
}
