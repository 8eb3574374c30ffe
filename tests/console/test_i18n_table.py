"""Every console string has an English and a Chinese text (no browser needed)."""

from __future__ import annotations

import re
from pathlib import Path

TABLE = Path(__file__).resolve().parents[2] / "console" / "src" / "i18n" / "strings.ts"
ENTRY = re.compile(
    r'^\s*"([\w.]+)":\s*\[\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)",?\s*\],?\s*$', re.M
)


def entries() -> list[tuple[str, str, str]]:
    text = TABLE.read_text()
    # Entries may span lines: join each "key": [ ... ] onto one line first.
    joined = re.sub(r"\[\s*\n\s*", "[", text)
    joined = re.sub(r",\s*\n\s*\]", "]", joined)
    joined = re.sub(r'",\s*\n\s*"', '", "', joined)
    return ENTRY.findall(joined)


def test_every_key_has_english_and_chinese() -> None:
    found = entries()
    assert len(found) > 300
    for key, en, zh in found:
        assert en.strip(), key
        assert zh.strip(), key


def test_chinese_texts_are_translated_not_copied() -> None:
    same = [
        k
        for k, en, zh in entries()
        if en == zh
        and re.search(r"[a-z]{4,}", en)
        and not re.fullmatch(
            r"[\w\s]*(Workflow|Cron|YAML|DAG|Pod|Secret|ConfigMap|Resource Manifest)[\w\s]*", en
        )
    ]
    assert same == [], f"keys whose Chinese is the English text: {same}"
