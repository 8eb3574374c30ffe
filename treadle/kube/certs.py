"""The admission webhook's certificates: a CA of its own and a serving certificate
signed by it for the names the API server calls the webhook by (the Service's DNS
names, or the host of a `--webhook-url`). The API server trusts the CA through the
ValidatingWebhookConfiguration's `caBundle`; nobody else needs to.

The CA's key is not kept: when the names change, both are made anew.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=3650)
RENEW_BEFORE = datetime.timedelta(days=30)
"""A certificate that expires sooner than this is replaced by the next install."""


@dataclass(frozen=True)
class WebhookTLS:
    """PEM text of the CA certificate, the serving certificate and its key."""

    ca_cert: str
    cert: str
    key: str


def make_tls(names: Iterable[str], *, now: datetime.datetime | None = None) -> WebhookTLS:
    """A new CA and a serving certificate for `names` (DNS names or IP addresses)."""
    now = now or datetime.datetime.now(datetime.UTC)
    sans = [_san(n) for n in names]
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "treadle-webhook-ca")])
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "treadle-webhook")])
    cert = (
        _builder(subject, ca_name, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return WebhookTLS(
        ca_cert=_pem(ca),
        cert=_pem(cert),
        key=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )


def serves(tls: WebhookTLS, names: Iterable[str], *, now: datetime.datetime | None = None) -> bool:
    """Whether `tls` can be kept: its certificate, signed by its CA, covers every
    name and is not about to expire."""
    now = now or datetime.datetime.now(datetime.UTC)
    try:
        cert = x509.load_pem_x509_certificate(tls.cert.encode())
        ca = x509.load_pem_x509_certificate(tls.ca_cert.encode())
        cert.verify_directly_issued_by(ca)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        serialization.load_pem_private_key(tls.key.encode(), password=None)
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        # Unreadable, or not signed by this CA: make new ones.
        return False
    have = set(sans)
    expires = min(cert.not_valid_after_utc, ca.not_valid_after_utc)
    return all(_san(n) in have for n in names) and expires - now > RENEW_BEFORE


def _san(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    now: datetime.datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        # A little in the past: the API server's clock may be behind this machine's.
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
    )


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


__all__ = ["RENEW_BEFORE", "WebhookTLS", "make_tls", "serves"]
