"""Sessions: per-user data kept across requests (layer 4).

The app asks its :attr:`~kolben.Kolben.session_interface` to open the
session the first time a request touches ``session`` and to save it when
the response is finalized. The default, :class:`SecureCookieSessionInterface`,
keeps the whole session in a cookie signed with ``SECRET_KEY`` (through
itsdangerous): the client can read what is stored there but cannot change
it. The cookie format is Flask's, byte for byte in the payload, so an app
ported from Flask keeps its users logged in.

Replace the interface to store sessions elsewhere::

    class RedisSessionInterface(SessionInterface):
        def open_session(self, app, request): ...
        def save_session(self, app, session, response): ...

    app.session_interface = RedisSessionInterface()
"""

from __future__ import annotations

import hashlib
import hmac
import typing as t
import zlib
from collections.abc import Mapping, MutableMapping
from datetime import datetime, timezone

from itsdangerous import (
    BadData,
    BadSignature,
    BadTimeSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeTimedSerializer,
    want_bytes,
)
from itsdangerous.encoding import base64_decode, base64_encode, bytes_to_int, int_to_bytes
from itsdangerous.signer import HMACAlgorithm

from .datastructures import CallbackDict
from .json.tag import TaggedJSONSerializer

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Kolben
    from .wrappers import Request, Response

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
]


class SessionMixin(MutableMapping[str, t.Any]):
    """What every session offers on top of a mapping.

    Custom session classes (for a custom :class:`SessionInterface`) mix
    this in to get :attr:`permanent` and the flags the app reads.
    """

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session.

        Stored in the session itself, under the key ``"_permanent"``. A
        permanent session expires after ``PERMANENT_SESSION_LIFETIME``.
        """
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: True for a session that did not come from the client. The cookie
    #: session cannot tell an empty cookie from no cookie, so it keeps False.
    new = False
    #: True when a top-level key changed (set it yourself for nested changes).
    modified = True
    #: True when the ``session`` proxy was used during the request; the
    #: response then varies on the Cookie header.
    accessed = False


_PERMANENT_PROPERTY = SessionMixin.__dict__["permanent"]


def _mark_modified(session: CallbackDict[str, t.Any]) -> None:
    t.cast("SecureCookieSession", session).modified = True


class SecureCookieSession(CallbackDict[str, t.Any], SessionMixin):
    """The session of :class:`SecureCookieSessionInterface`: a dict that notes changes.

    :attr:`modified` turns True when a top-level key is set, deleted or
    popped. Changing a value in place (``session["cart"].append(x)``) is
    invisible to it: set ``session.modified = True`` afterwards.
    :attr:`accessed` is set by the request context each time the ``session``
    proxy is used, reads included.
    """

    modified = False
    accessed = False

    def __init__(self, initial: Mapping[str, t.Any] | None = None) -> None:
        super().__init__(initial, _mark_modified)


class NullSession(SecureCookieSession):
    """The session of an app without ``SECRET_KEY``: readable and empty, never writable.

    Every change raises :class:`RuntimeError` explaining how to set a key,
    instead of losing the data silently at the end of the request.
    """

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set the"
            " secret_key on the application (app.secret_key = ... or the SECRET_KEY"
            " config value) to a long random string, for example the output of"
            " 'python -c \"import secrets; print(secrets.token_hex())\"'."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail
    __ior__ = _fail
    del _fail


class SessionInterface:
    """How the app opens and saves sessions. Subclass it to store them elsewhere.

    Implement :meth:`open_session` and :meth:`save_session`. The ``get_cookie_*``
    helpers read the ``SESSION_COOKIE_*`` settings, so a custom interface
    that stores only an id in the cookie can honour them too.

    The app opens the session lazily, on the first use of ``session`` in a
    request (PERF: a request that never touches it pays nothing). It then
    calls :meth:`save_session` when finalizing the response, unless the
    session is a null session. A permanent session's cookie is also
    refreshed on requests that do not touch it, when
    ``SESSION_REFRESH_EACH_REQUEST`` is on.
    """

    #: What :meth:`make_null_session` creates.
    null_session_class: type[NullSession] = NullSession
    #: Whether the interface stores pickled data (kept for Flask extensions
    #: that check it; the cookie session does not pickle).
    pickle_based = False

    def make_null_session(self, app: Kolben) -> NullSession:
        """The session used when :meth:`open_session` returns None."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session (which is never saved)."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Kolben) -> str:
        """``SESSION_COOKIE_NAME``."""
        return t.cast(str, app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: Kolben) -> str | None:
        """``SESSION_COOKIE_DOMAIN``; None makes a host-only cookie."""
        return t.cast("str | None", app.config["SESSION_COOKIE_DOMAIN"] or None)

    def get_cookie_path(self, app: Kolben) -> str:
        """``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        return t.cast(str, app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"])

    def get_cookie_httponly(self, app: Kolben) -> bool:
        """``SESSION_COOKIE_HTTPONLY``: keep the cookie away from JavaScript."""
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: Kolben) -> bool:
        """``SESSION_COOKIE_SECURE``: send the cookie over HTTPS only."""
        return bool(app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_samesite(self, app: Kolben) -> str | None:
        """``SESSION_COOKIE_SAMESITE``: ``"Lax"`` (Kolben's default), ``"Strict"``,
        ``"None"`` or None to leave the attribute out."""
        return t.cast("str | None", app.config["SESSION_COOKIE_SAMESITE"])

    def get_cookie_partitioned(self, app: Kolben) -> bool:
        """``SESSION_COOKIE_PARTITIONED`` (CHIPS); a partitioned cookie is also Secure."""
        return bool(app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: Kolben, session: SessionMixin) -> datetime | None:
        """When the cookie expires: now plus the lifetime for a permanent
        session, None (end of the browser session) otherwise."""
        if session.permanent:
            return datetime.now(timezone.utc) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: Kolben, session: SessionMixin) -> bool:
        """Whether :meth:`save_session` should send the cookie.

        True when the session changed, or when it is permanent and
        ``SESSION_REFRESH_EACH_REQUEST`` asks for the expiry to slide.
        """
        return session.modified or (
            session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    def _may_need_refresh(self, app: Kolben, request: Request) -> bool:
        # Called by the app for a request that never touched the session but
        # sent the session cookie: True makes it open and save the session
        # (SESSION_REFRESH_EACH_REQUEST). Interfaces that can tell cheaply
        # that no refresh is due answer False.
        return True

    def open_session(self, app: Kolben, request: Request) -> SessionMixin | None:
        """Load the session for ``request``; None means "use a null session"."""
        raise NotImplementedError(f"{type(self).__name__} must implement open_session()")

    def save_session(self, app: Kolben, session: SessionMixin, response: Response) -> None:
        """Persist ``session`` onto ``response`` (usually a Set-Cookie header)."""
        raise NotImplementedError(f"{type(self).__name__} must implement save_session()")


# -- the signed cookie ----------------------------------------------------------------

_DERIVED_KEYS_MAX = 64
# How a stored ``_permanent`` key shows in the tagged JSON of a cookie.
_PERMANENT_KEY = b'"_permanent"'
# The most a refresh check inflates of an unverified compressed cookie.
_PEEK_LIMIT = 64 * 1024
# PERF: shorter session payloads are stored without trying zlib (bench case
# G: zlib.compress costs ~85k instructions per request, mostly setting up
# its 256 KiB of state, more than the rest of the session's round trip).
# It could not pay: a zlib stream is never under 9 bytes (2 header, 4
# checksum, 3 of deflate), and itsdangerous keeps it only when it is 2 bytes
# shorter, so under 11 bytes it never wins; measured on 700 realistic
# session payloads (counters, user ids, CSRF tokens, flashes, carts), none
# under 64 bytes came out shorter, while most above 128 do (by up to 40%).
# Readers, Flask's included, take both forms: the "." marks compression.
_COMPRESS_FROM = 64


def _simple_cookie_value(header: str, name: str) -> str | None:
    """The value of cookie ``name`` read straight from a plain ``Cookie`` header.

    PERF: most requests carry a short, plain header, and the session needs
    one cookie of it, not a parsed dict of all (bench cases G and K).
    Answers only when the result is certain to equal
    ``parse_cookie(...)[name]``: the name occurs exactly once in the whole
    header, right after the start or a ``;`` (spaces allowed), directly
    followed by ``=``, with an unquoted ASCII value. Otherwise returns None
    and the caller parses the header properly.
    """
    # RFC 6265 section 4.2.1: cookie-string = cookie-pair *( ";" SP cookie-pair );
    # anything looser is left to parse_cookie's section 5.2 leniency.
    start = header.find(name)
    if start < 0 or header.find(name, start + 1) >= 0:
        return None
    if header[:start].rstrip(" \t")[-1:] not in ("", ";"):
        return None  # inside another cookie's name or value
    rest = header[start + len(name) :]
    if rest[:1] != "=":
        return None
    value = rest[1:].partition(";")[0].strip(" \t")
    if not value.isascii() or '"' in value or "\\" in value:
        return None
    return value


class _OneShotHMAC(HMACAlgorithm):
    """itsdangerous' HMAC signature computed by :func:`hmac.digest`.

    PERF: one call into OpenSSL instead of building a Python ``hmac.HMAC``
    object per signature; the same bytes (a digest that OpenSSL does not
    know falls back to the ``hmac`` module's own code).
    """

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, self.digest_method)


class _CookieSigner(TimestampSigner):
    """itsdangerous' timestamp signer, deriving each signing key only once.

    PERF: itsdangerous derives the key (one HMAC) on every sign and on
    every verify, for each key tried; the derived key depends only on the
    secret, the salt and the algorithm, so it is kept (bench case G).
    """

    _derived: t.ClassVar[dict[tuple[t.Any, ...], bytes]] = {}

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        if type(self.algorithm) is HMACAlgorithm:
            self.algorithm = _OneShotHMAC(self.digest_method)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        cache_key = (key, self.salt, self.key_derivation, self.digest_method)
        derived = self._derived.get(cache_key)
        if derived is None:
            derived = super().derive_key(key)
            if len(self._derived) >= _DERIVED_KEYS_MAX:
                self._derived.clear()
            self._derived[cache_key] = derived
        return derived


class _CookieSerializer(URLSafeTimedSerializer):
    """A URL-safe timed serializer that reuses its signer (PERF: bench case G).

    Signers hold no per-call state, so one per salt serves every request
    instead of a new one (keys list, algorithm object) per cookie.
    """

    default_signer = _CookieSigner

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        if salt is not None and want_bytes(salt) != self.salt:
            return t.cast(TimestampSigner, super().make_signer(salt))
        signer: TimestampSigner | None = self.__dict__.get("_signer")
        if signer is None:
            signer = self.__dict__["_signer"] = t.cast(TimestampSigner, super().make_signer())
        return signer

    def dump_payload(self, obj: t.Any) -> bytes:
        """itsdangerous' URL-safe payload: base64 JSON, zlib-compressed (with a
        leading ".") when that is shorter, compression tried only from
        ``_COMPRESS_FROM`` bytes on (PERF, see there)."""
        json = want_bytes(self.serializer.dumps(obj, **self.serializer_kwargs))
        if len(json) >= _COMPRESS_FROM:
            compressed = zlib.compress(json)
            if len(compressed) < len(json) - 1:
                return b"." + base64_encode(compressed)
        return base64_encode(json)

    def dumps(self, obj: t.Any, salt: str | bytes | None = None) -> t.Any:
        if salt is not None and want_bytes(salt) != self.salt:
            return super().dumps(obj, salt)
        signer = self.make_signer()
        sep = signer.sep
        # PERF: Serializer.dumps and TimestampSigner.sign in one flat step,
        # with the same bytes: payload.timestamp.signature (bench case G).
        value = self.dump_payload(obj) + sep + base64_encode(int_to_bytes(signer.get_timestamp()))
        signed = (
            value + sep + base64_encode(signer.algorithm.get_signature(signer.derive_key(), value))
        )
        return signed.decode("utf-8") if self.is_text_serializer else signed

    def loads(  # type: ignore[override]
        self,
        s: str | bytes,
        max_age: int | None = None,
        return_timestamp: bool = False,
        salt: str | bytes | None = None,
    ) -> t.Any:
        if return_timestamp or salt is not None or self.fallback_signers:
            return super().loads(s, max_age, return_timestamp, salt)
        signer = self.make_signer()
        sep = signer.sep
        # PERF: TimedSerializer.loads and TimestampSigner.unsign in one flat
        # step, minus the datetime they build for the signing time (bench G).
        # The signature check itself is itsdangerous' (every key, newest
        # first, hmac.compare_digest); the errors are the ones it raises.
        value, found, signature = want_bytes(s).rpartition(sep)
        if not found:
            raise BadSignature(f"No {sep!r} found in value")
        if not signer.verify_signature(value, signature):
            raise BadSignature(f"Signature {signature!r} does not match", payload=value)
        payload, found, stamp = value.rpartition(sep)
        if not found:
            raise BadTimeSignature("timestamp missing", payload=value)
        try:
            issued = bytes_to_int(base64_decode(stamp))
        except Exception:
            raise BadTimeSignature("Malformed timestamp", payload=payload) from None
        if max_age is not None:
            age = signer.get_timestamp() - issued
            if age > max_age or age < 0:
                raise SignatureExpired(
                    f"Signature age {age} is outside 0..{max_age} seconds", payload=payload
                )
        return self.load_payload(payload)


class SecureCookieSessionInterface(SessionInterface):
    """Sessions stored in a signed cookie (the default).

    The session is serialized with :class:`~kolben.json.tag.TaggedJSONSerializer`
    (so tuples, bytes, markup, UUIDs and datetimes survive), then signed
    with itsdangerous: HMAC-SHA1 over a key derived from ``SECRET_KEY`` and
    :attr:`salt`, with a timestamp. These are Flask's settings: cookies
    written by a Flask app with the same key are read here, and the other
    way round.

    Keys listed in ``SECRET_KEY_FALLBACKS`` still verify old cookies; only
    ``SECRET_KEY`` signs. A cookie that fails verification (tampered,
    truncated, signed with another key, older than
    ``PERMANENT_SESSION_LIFETIME``) gives an empty session, silently.
    The data is signed, not encrypted: the client can read it.
    """

    #: Mixed into the key derivation, so that these signatures are valid
    #: for session cookies only.
    salt = "cookie-session"
    #: The hash used by the HMAC.
    digest_method = staticmethod(hashlib.sha1)
    #: How itsdangerous derives the signing key from the secret key.
    key_derivation = "hmac"
    #: Turns the session into a string and back.
    serializer: t.Any = TaggedJSONSerializer()
    #: The class of the sessions this interface opens.
    session_class: type[SecureCookieSession] = SecureCookieSession

    _signing_cache: tuple[tuple[t.Any, ...], URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app: Kolben) -> URLSafeTimedSerializer | None:
        """The itsdangerous serializer for ``app``'s keys, or None without ``SECRET_KEY``.

        All of ``SECRET_KEY_FALLBACKS`` and ``SECRET_KEY`` verify; the
        newest, ``SECRET_KEY``, signs.
        """
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"]
        settings = (
            secret_key,
            tuple(fallbacks) if fallbacks else (),
            self.salt,
            self.serializer,
            self.key_derivation,
            self.digest_method,
        )
        cached = self._signing_cache
        if cached is not None and cached[0] == settings:
            # PERF: one serializer per set of keys, not one per request (bench G).
            return cached[1]
        signer = _CookieSerializer(
            [*settings[1], secret_key],
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        self._signing_cache = (settings, signer)
        return signer

    def open_session(self, app: Kolben, request: Request) -> SecureCookieSession | None:
        """Read and verify the session cookie.

        Returns None without ``SECRET_KEY`` (the app then uses a null
        session) and an empty session when the cookie is missing or fails
        verification for any reason.
        """
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        value = self._cookie_value(app, request)
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = signer.loads(value, max_age=max_age)
        except BadData:
            # Bad signature, expired, malformed payload: all mean "no session".
            return self.session_class()
        if not isinstance(data, dict):
            # Signed with this key, but by something other than a session.
            return self.session_class()
        return self.session_class(data)

    def save_session(self, app: Kolben, session: SessionMixin, response: Response) -> None:
        """Write the session cookie to ``response`` when needed.

        Any use of the session adds ``Vary: Cookie``, and so does sending
        the cookie. An emptied session deletes the cookie; otherwise the
        cookie is (re)sent when :meth:`should_set_cookie` says so.
        """
        vary = session.accessed
        if not session:
            if session.modified:
                # The attributes must match the cookie's for the browser to
                # drop it.
                response.delete_cookie(self.get_cookie_name(app), **self._cookie_attributes(app))
                vary = True
        elif self.should_set_cookie(app, session):
            signer = self.get_signing_serializer(app)
            if signer is not None:
                response.set_cookie(
                    self.get_cookie_name(app),
                    signer.dumps(dict(session)),
                    expires=self.get_expiration_time(app, session),
                    **self._cookie_attributes(app),
                )
                vary = True
        if vary:
            headers = response.headers
            if "Vary" in headers:
                response.vary.add("Cookie")
            else:
                # PERF: the usual case, without parsing and rebuilding a
                # header set (bench case G).
                headers["Vary"] = "Cookie"

    def _cookie_attributes(self, app: Kolben) -> dict[str, t.Any]:
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "partitioned": self.get_cookie_partitioned(app),
            "samesite": self.get_cookie_samesite(app),
            "httponly": self.get_cookie_httponly(app),
        }

    def _cookie_value(self, app: Kolben, request: Request) -> str | None:
        name = self.get_cookie_name(app)
        # The raw Cookie header. PERF: an environ request's read inline; a
        # scope request reads its scope (no environ is built for it).
        raw = (
            request._header("HTTP_COOKIE")
            if request._reads_scope
            else request.environ.get("HTTP_COOKIE")
        )
        value = _simple_cookie_value(raw or "", name)
        if value is None:
            value = request.cookies.get(name)
        return value

    def _may_need_refresh(self, app: Kolben, request: Request) -> bool:
        """Whether an untouched session must be opened to refresh its cookie.

        Only a permanent session is refreshed, and the cookie's payload (JSON
        in base64, signed but readable) shows whether the session holds the
        ``_permanent`` key at all. PERF: for the usual non-permanent session
        this look avoids verifying and parsing a cookie the request never
        uses (bench case K). A False answer is exact: a cookie without the
        key can only open as a non-permanent or empty session. True means
        "open it and see"; so does anything this interface did not write.
        """
        if not app.secret_key:
            return False  # a null session, never saved
        if not self._payload_is_tagged_json():
            return True
        value = self._cookie_value(app, request)
        if not value:
            return False
        compressed = value.startswith(".")
        payload = value[1:] if compressed else value
        try:
            data = base64_decode(payload.partition(".")[0])
            if compressed:
                inflater = zlib.decompressobj()
                # Unverified input: bounded, never a decompression bomb.
                data = inflater.decompress(data, _PEEK_LIMIT)
                if inflater.unconsumed_tail:
                    return True
        except (BadData, zlib.error):
            # Opening would fail the same way and give an empty session.
            return False
        return _PERMANENT_KEY in data

    def _payload_is_tagged_json(self) -> bool:
        cls = type(self)
        return (
            cls.open_session is SecureCookieSessionInterface.open_session
            and cls.get_signing_serializer is SecureCookieSessionInterface.get_signing_serializer
            and cls.should_set_cookie is SessionInterface.should_set_cookie
            and type(self.serializer) is TaggedJSONSerializer
            and getattr(self.session_class, "permanent", None) is _PERMANENT_PROPERTY
        )
