"""Kubernetes name rules: DNS-1123 names, qualified names (label keys), label values,
and how a `generateName` prefix becomes a name.

Checks return a list of reasons (empty when the value is valid) rather than raising,
so a caller validating a whole object can gather every problem and name each field.
No randomness here: `generate_name` is given its suffix.
"""

from __future__ import annotations

import re

from treadle.errors import FieldError

DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
QUALIFIED_NAME_MAX_LENGTH = 63
LABEL_VALUE_MAX_LENGTH = 63

GENERATED_SUFFIX_LENGTH = 5
GENERATED_SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
MAX_GENERATE_NAME_PREFIX_LENGTH = DNS1123_LABEL_MAX_LENGTH - GENERATED_SUFFIX_LENGTH
"""A longer prefix is cut, so a generated name still fits where a label must
(pod names, label values)."""

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_LABEL_RE = re.compile(_LABEL)
_SUBDOMAIN_RE = re.compile(rf"{_LABEL}(\.{_LABEL})*")
_QUALIFIED_RE = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")

_LABEL_SHAPE = (
    "must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_SUBDOMAIN_SHAPE = (
    "must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
_QUALIFIED_SHAPE = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)


def _too_long(value: str, limit: int) -> list[str]:
    return [f"must be no more than {limit} characters"] if len(value) > limit else []


def dns1123_label_errors(value: str) -> list[str]:
    """Why `value` is not a DNS-1123 label (at most 63 characters), or []."""
    if not value:
        return ["must not be empty"]
    errors = _too_long(value, DNS1123_LABEL_MAX_LENGTH)
    if not _LABEL_RE.fullmatch(value):
        errors.append(_LABEL_SHAPE)
    return errors


def dns1123_subdomain_errors(value: str) -> list[str]:
    """Why `value` is not a DNS-1123 subdomain (at most 253 characters), or []."""
    if not value:
        return ["must not be empty"]
    errors = _too_long(value, DNS1123_SUBDOMAIN_MAX_LENGTH)
    if not _SUBDOMAIN_RE.fullmatch(value):
        errors.append(_SUBDOMAIN_SHAPE)
    return errors


def is_dns1123_label(value: str) -> bool:
    return not dns1123_label_errors(value)


def is_dns1123_subdomain(value: str) -> bool:
    return not dns1123_subdomain_errors(value)


def qualified_name_errors(value: str) -> list[str]:
    """Why `value` is not a qualified name such as a label or annotation key
    (`name` or `prefix/name`, the prefix a DNS-1123 subdomain), or []."""
    prefix, slash, name = value.rpartition("/")
    errors: list[str] = []
    if slash:
        if not prefix:
            errors.append("prefix part must not be empty")
        else:
            errors += [f"prefix part {e}" for e in dns1123_subdomain_errors(prefix)]
    if not name:
        errors.append("name part must not be empty")
    else:
        errors += [f"name part {e}" for e in _too_long(name, QUALIFIED_NAME_MAX_LENGTH)]
        if not _QUALIFIED_RE.fullmatch(name):
            errors.append(f"name part {_QUALIFIED_SHAPE}")
    return errors


def label_value_errors(value: str) -> list[str]:
    """Why `value` is not a label value (empty, or a qualified name part of at most
    63 characters), or []."""
    if value == "":
        return []
    errors = _too_long(value, LABEL_VALUE_MAX_LENGTH)
    if not _QUALIFIED_RE.fullmatch(value):
        errors.append(_QUALIFIED_SHAPE)
    return errors


_CONFIG_KEY_RE = re.compile(r"[-._a-zA-Z0-9]+")
_ENV_NAME_RE = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")


def config_key_errors(value: str) -> list[str]:
    """Why `value` is not a ConfigMap or Secret key, or []. A key becomes a file
    name when the object is mounted, so it is one path segment that cannot climb:
    not `.` or `..`, nor starting with `..`."""
    if not value:
        return ["must not be empty"]
    errors = _too_long(value, DNS1123_SUBDOMAIN_MAX_LENGTH)
    if not _CONFIG_KEY_RE.fullmatch(value):
        errors.append("must consist of alphanumeric characters, '-', '_' or '.'")
    if value in (".", ".."):
        errors.append(f"must not be '{value}'")
    elif value.startswith(".."):
        errors.append("must not start with '..'")
    return errors


def env_var_name_errors(value: str) -> list[str]:
    """Why `value` is not an environment variable name, or [] (Kubernetes' rule:
    letters, digits, '-', '_' and '.', not starting with a digit; never '=')."""
    if not value:
        return ["must not be empty"]
    if not _ENV_NAME_RE.fullmatch(value):
        return [
            "must consist of alphabetic characters, digits, '_', '-' or '.', "
            "and must not start with a digit"
        ]
    return []


def name_field_errors(path: str, value: str, *, label: bool = False) -> list[FieldError]:
    """FieldErrors for a name at `path`: a DNS-1123 subdomain, or with `label=True` a
    DNS-1123 label (namespaces, and names that become pods or label values)."""
    reasons = dns1123_label_errors(value) if label else dns1123_subdomain_errors(value)
    return [FieldError(path, f'invalid name "{value}": {reason}') for reason in reasons]


def generate_name(prefix: str, suffix: str) -> str:
    """The name `generateName: prefix` gets with the given random `suffix`.

    The prefix is cut to 58 characters so that prefix and a 5-character suffix fit in
    63. The result is not validated: a prefix such as `Bad_` gives an invalid name.
    """
    return prefix[:MAX_GENERATE_NAME_PREFIX_LENGTH] + suffix


__all__ = [
    "DNS1123_LABEL_MAX_LENGTH",
    "DNS1123_SUBDOMAIN_MAX_LENGTH",
    "GENERATED_SUFFIX_ALPHABET",
    "GENERATED_SUFFIX_LENGTH",
    "MAX_GENERATE_NAME_PREFIX_LENGTH",
    "config_key_errors",
    "dns1123_label_errors",
    "dns1123_subdomain_errors",
    "env_var_name_errors",
    "generate_name",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "label_value_errors",
    "name_field_errors",
    "qualified_name_errors",
]
