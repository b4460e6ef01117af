"""A throw-away TLS certificate for ``--cert adhoc`` (layer 5).

Like Werkzeug's ad-hoc certificates it needs the ``cryptography`` package,
which Kolben does not depend on: without it, :func:`make_adhoc_certificate`
raises :class:`ImportError` with what to install.
"""

from __future__ import annotations

import datetime
import importlib
import os
import tempfile
import typing as t

__all__ = ["make_adhoc_certificate"]


def make_adhoc_certificate(host: str = "localhost") -> tuple[str, str]:
    """Write a fresh self-signed certificate and key; return their paths."""
    try:
        # Imported by name: an optional package, without type stubs here.
        x509: t.Any = importlib.import_module("cryptography.x509")
        hashes: t.Any = importlib.import_module("cryptography.hazmat.primitives.hashes")
        serialization: t.Any = importlib.import_module(
            "cryptography.hazmat.primitives.serialization"
        )
        ec: t.Any = importlib.import_module("cryptography.hazmat.primitives.asymmetric.ec")
        NameOID = importlib.import_module("cryptography.x509.oid").NameOID
    except ImportError:
        raise ImportError(
            "An ad-hoc certificate needs the 'cryptography' package: pip install cryptography."
            " Or pass a certificate and its key: '--cert cert.pem --key key.pem'."
        ) from None
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tempfile.mkdtemp(prefix="kolben-adhoc-")
    cert_path = os.path.join(folder, "cert.pem")
    key_path = os.path.join(folder, "key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path
