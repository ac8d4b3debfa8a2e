"""The documentation stays true to the tree: every link resolves, every setting is listed.

A link in README.md or docs/ must name a file that exists (and a heading in it, when it has a
#part); docs/configuration.md must list exactly the keys station/config.py accepts.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from station.config import Config

REPO = Path(__file__).resolve().parents[1]
DOCS = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$", re.MULTILINE)
_CODE_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _anchor(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation gone, spaces to -."""
    text = re.sub(r"[^\w\- ]", "", heading.lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _CODE_BLOCK.sub("", path.read_text(encoding="utf-8"))
    return {_anchor(h) for h in _HEADING.findall(text)}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_link_resolves(doc: Path) -> None:
    text = _CODE_BLOCK.sub("", doc.read_text(encoding="utf-8"))
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        name, _, part = target.partition("#")
        path = (doc.parent / name).resolve() if name else doc
        assert path.exists(), f"{doc.name}: {target} names no file"
        if part:
            assert part in _anchors(path), f"{doc.name}: {target} names no heading"


def test_the_configuration_reference_lists_every_key() -> None:
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    listed: set[tuple[str, str]] = set()
    section = ""
    for line in text.splitlines():
        if (m := re.match(r"^## \[(\w+)\]", line)) is not None:
            section = m.group(1)
        elif section and (m := re.match(r"^\| `(\w+)` \|", line)) is not None:
            listed.add((section, m.group(1)))
    accepted = {(s.name, f.name) for s in dataclasses.fields(Config) if s.name != "source"
                for f in dataclasses.fields(s.metadata.get("section") or s.default_factory)}
    assert sorted(accepted - listed) == [], "keys missing from docs/configuration.md"
    assert sorted(listed - accepted) == [], "keys in docs/configuration.md the station refuses"
