"""kolben.security: password hashes in Werkzeug's format, checked against Werkzeug itself.

``safe_join`` is tested in test_utils.py and test_security_paths.py.
"""

from __future__ import annotations

import hmac
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug import security as wz

from kolben import security
from kolben.security import check_password_hash, gen_salt, generate_password_hash

# Cheap parameters: the defaults (scrypt n=2**15, pbkdf2 1,000,000 rounds)
# are tested once each; everything else stays fast.
FAST = ["scrypt:1024:8:1", "pbkdf2:sha256:1000", "pbkdf2:sha512:500", "pbkdf2:sha1:10"]


def test_default_is_scrypt_in_werkzeugs_format() -> None:
    pwhash = generate_password_hash("secret")
    method, salt, digest = pwhash.split("$")
    assert method == "scrypt:32768:8:1"
    assert re.fullmatch(r"[A-Za-z0-9]{16}", salt)
    assert re.fullmatch(r"[0-9a-f]{128}", digest)
    assert check_password_hash(pwhash, "secret")
    assert not check_password_hash(pwhash, "Secret")
    assert wz.check_password_hash(pwhash, "secret")


def test_plain_pbkdf2_means_sha256_and_a_million_rounds() -> None:
    pwhash = generate_password_hash("secret", "pbkdf2")
    assert pwhash.startswith("pbkdf2:sha256:1000000$")
    assert re.fullmatch(r"[0-9a-f]{64}", pwhash.rsplit("$", 1)[1])
    assert wz.check_password_hash(pwhash, "secret")


@pytest.mark.parametrize("method", FAST)
def test_werkzeug_reads_kolben_hashes(method: str) -> None:
    pwhash = generate_password_hash("pässwörd 🔑", method, salt_length=8)
    assert pwhash.startswith(method + "$")
    assert wz.check_password_hash(pwhash, "pässwörd 🔑")
    assert not wz.check_password_hash(pwhash, "password")


@pytest.mark.parametrize("method", FAST)
def test_kolben_reads_werkzeug_hashes(method: str) -> None:
    pwhash = wz.generate_password_hash("pässwörd 🔑", method)
    assert check_password_hash(pwhash, "pässwörd 🔑")
    assert not check_password_hash(pwhash, "password")


def test_same_salt_gives_werkzeugs_digest() -> None:
    for method in FAST:
        mine = security._hash_internal(method, "NaCl", "pw")
        theirs = wz._hash_internal(method, "NaCl", "pw")
        assert mine == theirs


def test_salt_length_and_randomness() -> None:
    salts = {generate_password_hash("x", FAST[0], salt_length=4).split("$")[1] for _ in range(20)}
    assert len(salts) > 1
    assert all(len(salt) == 4 for salt in salts)
    with pytest.raises(ValueError, match="at least 1"):
        generate_password_hash("x", FAST[0], salt_length=0)
    assert re.fullmatch(r"[A-Za-z0-9]{40}", gen_salt(40))


@pytest.mark.parametrize(
    "method",
    ["md5", "plain", "sha256", "scrypt:1:2", "scrypt:a:b:c", "pbkdf2:sha256:x", "pbkdf2:a:b:c",
     "pbkdf2:nope:10", "scrypt:1000:8:1", ""],
)  # fmt: skip
def test_unknown_or_malformed_method_is_a_value_error(method: str) -> None:
    with pytest.raises(ValueError, match="Invalid hash method"):
        generate_password_hash("x", method)


@pytest.mark.parametrize(
    "pwhash",
    ["", "x", "a$b", "md5$salt$0123", "plain$$x", "scrypt:1:1:1$s$00", "pbkdf2:sha256:0$s$00",
     "pbkdf2:nope:1$s$00", "pbkdf2:sha256:1$s$zz", "scrypt:2:8:1$s$\udcff"],
)  # fmt: skip
def test_malformed_hash_is_false_not_an_error(pwhash: str) -> None:
    assert check_password_hash(pwhash, "x") is False


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    pwhash = generate_password_hash("secret", FAST[1])
    assert check_password_hash(pwhash, "secret")
    assert not check_password_hash(pwhash, "wrong")
    assert len(calls) == 2


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=40))
def test_any_password_round_trips(password: str) -> None:
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            generate_password_hash(password, FAST[3])
        assert not check_password_hash(generate_password_hash("x", FAST[3]), password)
        return
    pwhash = generate_password_hash(password, FAST[3])
    assert check_password_hash(pwhash, password)
    assert not check_password_hash(pwhash, password + "x")
