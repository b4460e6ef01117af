"""The ``Authorization`` and ``WWW-Authenticate`` headers (RFC 9110 section 11).

Layer 1. Both headers share one shape, RFC 9110 section 11.4/11.6.1:

    credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
    challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]

so one reader serves both. Parsing never raises: a header that cannot be read
gives ``None``.
"""

from __future__ import annotations

import base64
import binascii
import typing as t

from .._grammar import dump_header, parse_dict_header, quote_header_value

__all__ = ["Authorization", "WWWAuthenticate"]


def _split_scheme(value: str | None) -> tuple[str, str] | None:
    """Split ``"Scheme rest"`` into a lower-cased scheme and the stripped rest."""
    if not value:
        return None
    scheme, _, rest = value.strip().partition(" ")
    if not scheme:
        return None
    return scheme.lower(), rest.strip()


def _is_token68(value: str) -> bool:
    # RFC 9110 section 11.2: token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" /
    # "~" / "+" / "/" ) *"="  -- in practice: no "=" except as trailing padding.
    return bool(value) and "=" not in value.rstrip("=") and " " not in value and "," not in value


def _read_params_or_token(rest: str) -> tuple[dict[str, str | None], str | None]:
    if not rest:
        return {}, None
    if _is_token68(rest):
        return {}, rest
    return parse_dict_header(rest), None


class Authorization:
    """Credentials from an ``Authorization`` header.

    ``type`` is the scheme: lower-cased when parsed from a header
    (``"basic"``, ``"bearer"``, ``"digest"``), kept as given when constructed
    (``Authorization("apiKey")``, as extensions such as APIFlask do).
    Parameters (``username``, ``password``, ``realm``, ``nonce``...) live in
    ``parameters`` and can be read as attributes or items; a missing one is
    ``None``. ``token`` holds a token68 credential such as a bearer token.
    """

    __slots__ = ("parameters", "token", "type")

    parameters: dict[str, str | None]
    token: str | None
    type: str

    def __init__(
        self,
        auth_type: str,
        data: t.Mapping[str, str | None] | None = None,
        token: str | None = None,
    ) -> None:
        self.type = auth_type
        self.parameters = dict(data or {})
        self.token = token

    def __getattr__(self, name: str) -> str | None:
        # Only reached for names that are not slots: parameters as attributes.
        if name.startswith("_"):
            raise AttributeError(name)
        return self.parameters.get(name)

    def __getitem__(self, key: str) -> str | None:
        return self.parameters[key]

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return the parameter ``key``, or ``default``."""
        return self.parameters.get(key, default)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Authorization):
            return NotImplemented
        return (self.type, self.parameters, self.token) == (
            other.type,
            other.parameters,
            other.token,
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_header(cls, value: str | None) -> Authorization | None:
        """Parse an ``Authorization`` header, or return ``None`` when it is missing or bad.

        ``Basic`` credentials (RFC 7617 section 2) are base64 of UTF-8
        ``user:password``; bad base64, bad UTF-8 or a missing colon give
        ``None``. Other schemes give their token68 as ``token`` or their
        ``key=value`` list as ``parameters``.
        """
        parts = _split_scheme(value)
        if parts is None:
            return None
        scheme, rest = parts
        if scheme == "basic":
            try:
                decoded = base64.b64decode(rest, validate=True).decode("utf-8")
            except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
                return None
            username, colon, password = decoded.partition(":")
            if not colon:
                return None
            return cls(scheme, {"username": username, "password": password})
        params, token = _read_params_or_token(rest)
        return cls(scheme, params, token)

    def to_header(self) -> str:
        """Render the header value: ``Basic dXNlcjpwYXNz``, ``Bearer abc``, ``Digest k="v"``."""
        if self.type.lower() == "basic":
            pair = (
                f"{self.parameters.get('username') or ''}:{self.parameters.get('password') or ''}"
            )
            return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
        scheme = self.type.title()
        if self.token is not None:
            return f"{scheme} {self.token}"
        if not self.parameters:
            return scheme
        return f"{scheme} {dump_header(self.parameters)}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


class WWWAuthenticate:
    """A challenge for the ``WWW-Authenticate`` response header.

    ``WWWAuthenticate("basic", {"realm": "admin"})`` renders as
    ``Basic realm="admin"``. Parameters can be read and set as attributes or
    items; every change calls ``on_update(self)`` so a response can write the
    header again.
    """

    __slots__ = ("_on_update", "_parameters", "_token", "_type")

    _on_update: t.Callable[[WWWAuthenticate], None] | None
    _parameters: dict[str, str | None]
    _token: str | None
    _type: str

    def __init__(
        self,
        auth_type: str,
        values: t.Mapping[str, str | None] | None = None,
        token: str | None = None,
        on_update: t.Callable[[WWWAuthenticate], None] | None = None,
    ) -> None:
        object.__setattr__(self, "_on_update", None)
        object.__setattr__(self, "_type", auth_type.lower())
        object.__setattr__(self, "_parameters", dict(values or {}))
        object.__setattr__(self, "_token", token)
        object.__setattr__(self, "_on_update", on_update)

    def _changed(self) -> None:
        if self._on_update is not None:
            self._on_update(self)

    @property
    def type(self) -> str:
        """The lower-cased auth scheme."""
        return self._type

    @type.setter
    def type(self, value: str) -> None:
        object.__setattr__(self, "_type", value.lower())
        self._changed()

    @property
    def token(self) -> str | None:
        """A token68 challenge instead of parameters, or ``None``."""
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        object.__setattr__(self, "_token", value)
        self._changed()

    @property
    def parameters(self) -> dict[str, str | None]:
        """The ``auth-param`` pairs. Change them through the item or attribute API
        so that ``on_update`` runs."""
        return self._parameters

    @parameters.setter
    def parameters(self, value: t.Mapping[str, str | None]) -> None:
        object.__setattr__(self, "_parameters", dict(value))
        self._changed()

    def __getattr__(self, name: str) -> str | None:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._parameters.get(name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        if name in {"type", "token", "parameters"} or name.startswith("_"):
            object.__setattr__(self, name, value)
        elif value is None:
            self._parameters.pop(name, None)
            self._changed()
        else:
            self._parameters[name] = value
            self._changed()

    def __getitem__(self, key: str) -> str | None:
        return self._parameters[key]

    def __setitem__(self, key: str, value: str | None) -> None:
        if value is None:
            self._parameters.pop(key, None)
        else:
            self._parameters[key] = value
        self._changed()

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]
        self._changed()

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return the parameter ``key``, or ``default``."""
        return self._parameters.get(key, default)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WWWAuthenticate):
            return NotImplemented
        return (self._type, self._parameters, self._token) == (
            other._type,
            other._parameters,
            other._token,
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_header(cls, value: str | None) -> WWWAuthenticate | None:
        """Parse a single challenge, or return ``None`` when there is none.

        Several challenges in one header value cannot be split reliably
        (RFC 9110 section 11.6.1 lets parameters and challenges share the
        comma); the whole rest is read as the parameters of the first scheme.
        """
        parts = _split_scheme(value)
        if parts is None:
            return None
        scheme, rest = parts
        params, token = _read_params_or_token(rest)
        return cls(scheme, params, token)

    def to_header(self) -> str:
        """Render the challenge: ``Basic realm="admin", charset="UTF-8"``.

        Parameter values are always quoted, since many clients expect
        ``realm="..."`` even where RFC 9110 would allow a bare token.
        """
        scheme = self._type.title()
        if self._token is not None:
            return f"{scheme} {self._token}"
        if not self._parameters:
            return scheme
        params = ", ".join(
            key if value is None else f"{key}={quote_header_value(value, allow_token=False)}"
            for key, value in self._parameters.items()
        )
        return f"{scheme} {params}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"
