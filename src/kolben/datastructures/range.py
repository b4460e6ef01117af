"""Byte ranges: the ``Range`` request header and the ``Content-Range`` response header.

Layer 1 (RFC 9110 sections 14.1.2, 14.2 and 14.4). Ranges are stored the
Python way: ``(start, stop)`` with ``stop`` exclusive, so ``bytes=0-499`` is
``(0, 500)``. A suffix range ``bytes=-500`` is ``(-500, None)`` and an open
range ``bytes=9500-`` is ``(9500, None)``.
"""

from __future__ import annotations

import typing as t

__all__ = ["ContentRange", "Range"]


def _is_valid(start: int | None, stop: int | None, length: int | None) -> bool:
    """Whether ``start``/``stop`` (exclusive) describe a satisfiable part of ``length`` bytes."""
    if (start is None) != (stop is None):
        return False
    if start is None:
        return length is None or length >= 0
    if stop is None or start < 0 or start >= stop:
        return False
    if length is None:
        return True
    return stop <= length


class Range:
    """A parsed ``Range`` header: a unit and a list of ``(start, stop)`` pairs."""

    __slots__ = ("ranges", "units")

    def __init__(self, units: str, ranges: t.Sequence[tuple[int, int | None]]) -> None:
        self.units = units
        self.ranges = list(ranges)

    def range_for_length(self, length: int | None) -> tuple[int, int] | None:
        """Return the one ``(start, stop)`` that applies to a body of ``length`` bytes.

        ``None`` when the unit is not ``bytes``, the length is unknown, there
        is more than one range, or the range is not satisfiable (RFC 9110
        section 14.1.1: it starts beyond the end). A range that runs past the
        end is cut at the end.
        """
        if self.units != "bytes" or length is None or len(self.ranges) != 1:
            return None
        start, stop = self.ranges[0]
        if stop is None:
            stop = length
            if start < 0:
                start = max(length + start, 0)
        if start >= length or start >= stop:
            return None
        return start, min(stop, length)

    def make_content_range(self, length: int | None) -> ContentRange | None:
        """Return the :class:`ContentRange` answering this range for ``length`` bytes."""
        found = self.range_for_length(length)
        if found is None:
            return None
        return ContentRange(self.units, found[0], found[1], length)

    def to_header(self) -> str:
        """Render the header value: ``bytes=0-499,-500,9500-``."""
        parts = []
        for start, stop in self.ranges:
            if stop is None:
                parts.append(str(start) if start < 0 else f"{start}-")
            else:
                parts.append(f"{start}-{stop - 1}")
        return f"{self.units}={','.join(parts)}"

    def to_content_range_header(self, length: int | None) -> str | None:
        """Render the ``Content-Range`` value for ``length`` bytes, or ``None``."""
        found = self.range_for_length(length)
        if found is None:
            return None
        return f"{self.units} {found[0]}-{found[1] - 1}/{length}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Range):
            return NotImplemented
        return (self.units, self.ranges) == (other.units, other.ranges)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


class ContentRange:
    """The ``Content-Range`` of a partial response.

    ``start``/``stop`` are exclusive-stop byte positions, ``length`` the full
    size (``None`` for ``*``). ``ContentRange("bytes", None, None, 1000)`` is
    the ``bytes */1000`` answer of a 416 response. Every change calls
    ``on_update(self)``.
    """

    __slots__ = ("_length", "_on_update", "_start", "_stop", "_units")

    def __init__(
        self,
        units: str | None,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        on_update: t.Callable[[ContentRange], None] | None = None,
    ) -> None:
        if not _is_valid(start, stop, length):
            raise ValueError(f"{(start, stop, length)!r} is not a valid content range")
        self._on_update = on_update
        self._units = units
        self._start = start
        self._stop = stop
        self._length = length

    def _changed(self) -> None:
        if self._on_update is not None:
            self._on_update(self)

    @property
    def units(self) -> str | None:
        """The range unit (``"bytes"``), or ``None`` when unset."""
        return self._units

    @units.setter
    def units(self, value: str | None) -> None:
        self._units = value
        self._changed()

    @property
    def start(self) -> int | None:
        """The first byte position."""
        return self._start

    @start.setter
    def start(self, value: int | None) -> None:
        self._start = value
        self._changed()

    @property
    def stop(self) -> int | None:
        """One past the last byte position."""
        return self._stop

    @stop.setter
    def stop(self, value: int | None) -> None:
        self._stop = value
        self._changed()

    @property
    def length(self) -> int | None:
        """The complete length, or ``None`` when unknown (``*``)."""
        return self._length

    @length.setter
    def length(self, value: int | None) -> None:
        self._length = value
        self._changed()

    def set(
        self, start: int | None, stop: int | None, length: int | None = None, units: str = "bytes"
    ) -> None:
        """Set every field at once (one ``on_update`` call)."""
        if not _is_valid(start, stop, length):
            raise ValueError(f"{(start, stop, length)!r} is not a valid content range")
        self._units, self._start, self._stop, self._length = units, start, stop, length
        self._changed()

    def unset(self) -> None:
        """Clear every field; the header is then removed."""
        self._units = self._start = self._stop = self._length = None
        self._changed()

    def to_header(self) -> str:
        """Render ``bytes 0-499/1234``, ``bytes */1234`` or ``""`` when unset."""
        if self._units is None:
            return ""
        length = "*" if self._length is None else str(self._length)
        if self._start is None or self._stop is None:
            return f"{self._units} */{length}"
        return f"{self._units} {self._start}-{self._stop - 1}/{length}"

    def __bool__(self) -> bool:
        return self._units is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ContentRange):
            return NotImplemented
        return self.to_header() == other.to_header()

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"
