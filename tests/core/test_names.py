from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from treadle.core.names import (
    GENERATED_SUFFIX_ALPHABET,
    config_key_errors,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    env_var_name_errors,
    generate_name,
    is_dns1123_label,
    is_dns1123_subdomain,
    label_value_errors,
    name_field_errors,
    qualified_name_errors,
)


@pytest.mark.parametrize("name", ["a", "run-1", "0abc", "a" * 63])
def test_dns1123_label_accepts_lower_case_alphanumerics_and_inner_hyphens(name: str) -> None:
    assert is_dns1123_label(name)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "must not be empty"),
        ("Run", "must consist of lower case alphanumeric characters or '-'"),
        ("a.b", "must consist of lower case alphanumeric characters or '-'"),
        ("-a", "must start and end with an alphanumeric character"),
        ("a-", "must start and end with an alphanumeric character"),
        ("a_b", "must consist of lower case"),
        ("a" * 64, "must be no more than 63 characters"),
    ],
)
def test_dns1123_label_rejects_with_a_reason(name: str, reason: str) -> None:
    assert any(reason in e for e in dns1123_label_errors(name))


@pytest.mark.parametrize("name", ["a", "my.run-1", "a.b.c", ("a" * 63 + ".") * 3 + "a" * 61])
def test_dns1123_subdomain_accepts_dot_separated_labels(name: str) -> None:
    assert is_dns1123_subdomain(name)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "must not be empty"),
        ("a..b", "must consist of lower case alphanumeric characters, '-' or '.'"),
        (".a", "must start and end with an alphanumeric character"),
        ("a.", "must start and end with an alphanumeric character"),
        ("a.-b", "must consist of lower case"),
        ("A.b", "must consist of lower case"),
        ("a" * 254, "must be no more than 253 characters"),
    ],
)
def test_dns1123_subdomain_rejects_with_a_reason(name: str, reason: str) -> None:
    assert any(reason in e for e in dns1123_subdomain_errors(name))


@pytest.mark.parametrize(
    "key", ["app", "App_Name.v2", "batch.tensorstack.dev/workflowRun", "a/b", "x" * 63]
)
def test_qualified_names_accept_an_optional_subdomain_prefix(key: str) -> None:
    assert qualified_name_errors(key) == []


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "name part must not be empty"),
        ("a/", "name part must not be empty"),
        ("/a", "prefix part must not be empty"),
        ("Bad_Prefix/a", "prefix part must consist of lower case"),
        ("-a", "name part must consist of alphanumeric characters"),
        ("a b", "name part must consist of alphanumeric characters"),
        ("x" * 64, "name part must be no more than 63 characters"),
        ("a/b/c", "prefix part must consist of lower case"),
    ],
)
def test_qualified_names_reject_with_a_reason(key: str, reason: str) -> None:
    assert any(reason in e for e in qualified_name_errors(key))


@pytest.mark.parametrize("value", ["", "v1", "Some_Value.2", "x" * 63])
def test_label_values_may_be_empty_or_a_qualified_name_part(value: str) -> None:
    assert label_value_errors(value) == []


@pytest.mark.parametrize("value", ["a b", "_a", "a/b", "x" * 64])
def test_label_values_reject_other_text(value: str) -> None:
    assert label_value_errors(value) != []


@pytest.mark.parametrize("key", ["a", "config.yaml", ".hidden", "A_B-c.1", "x" * 253])
def test_config_keys_are_one_file_name(key: str) -> None:
    assert config_key_errors(key) == []


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "must not be empty"),
        (".", "must not be '.'"),
        ("..", "must not be '..'"),
        ("..data", "must not start with '..'"),
        ("a/b", "must consist of alphanumeric characters, '-', '_' or '.'"),
        ("../x", "must consist of alphanumeric characters, '-', '_' or '.'"),
        ("x" * 254, "must be no more than 253 characters"),
    ],
)
def test_config_keys_that_are_not_one_file_name_are_refused(key: str, reason: str) -> None:
    assert reason in config_key_errors(key)


@pytest.mark.parametrize("name", ["PATH", "_x", "my.var", "a-b", "-a", "LD_PRELOAD2"])
def test_environment_names_follow_kubernetes(name: str) -> None:
    assert env_var_name_errors(name) == []


@pytest.mark.parametrize("name", ["", "A=B", "1A", "a b", "a\nb", "ä"])
def test_environment_names_refuse_what_a_process_could_not_hold(name: str) -> None:
    assert env_var_name_errors(name) != []


def test_name_field_errors_name_the_path_and_the_value() -> None:
    [error] = name_field_errors("metadata.name", "My_Run")
    assert str(error) == (
        'metadata.name: invalid name "My_Run": must consist of lower case alphanumeric '
        "characters, '-' or '.', and must start and end with an alphanumeric character"
    )


def test_name_field_errors_as_a_label_refuse_dots() -> None:
    assert name_field_errors("metadata.namespace", "a.b", label=True) != []
    assert name_field_errors("metadata.name", "a.b") == []


def test_generate_name_appends_the_suffix() -> None:
    assert generate_name("train-", "x7k2q") == "train-x7k2q"


def test_generate_name_cuts_the_prefix_to_58_characters() -> None:
    assert generate_name("p" * 70, "abcde") == "p" * 58 + "abcde"


@given(
    st.from_regex(r"[a-z0-9]([-a-z0-9]*-)?", fullmatch=True),
    st.text(GENERATED_SUFFIX_ALPHABET, min_size=5, max_size=5),
)
def test_a_valid_prefix_always_generates_a_valid_label(prefix: str, suffix: str) -> None:
    assert is_dns1123_label(generate_name(prefix, suffix))
