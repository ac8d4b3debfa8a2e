"""Put the appliance's settings file in place on an install or an upgrade, keeping a coach's edits.

install.sh calls it as `python -m station.appliance.settings_install NEW TARGET RECORD`: NEW is this
version's default settings, TARGET the station's (/etc/station/station.toml) and RECORD a copy
of the defaults install.sh last wrote there. Settings nobody edited since then follow the new
version. In edited ones, the keys whose values differ from RECORD are the coach's edits: they
are carried into the new defaults (the file as it was is kept as TARGET.old), so an edit to
one key does not pin every other setting at an old default. When an edit has no place in
the new version (a key renamed or gone), the edited file is kept, the new defaults go beside
it as TARGET.new, and it says which key, and at once if the kept file will not load.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

from station.config import load_config
from station.errors import ConfigError

_SECTION = re.compile(r"\[([A-Za-z0-9_]+)\]\s*$")
_KEY = re.compile(r"([A-Za-z0-9_]+)\s*=")
# An optional section shipped commented out: "#[mqtt]", then "#key = value" lines ("##" is a
# comment) up to the first line that is no comment.
_EXAMPLE_SECTION = re.compile(r"#\[([A-Za-z0-9_]+)\]\s*$")
_EXAMPLE_KEY = re.compile(r"#([A-Za-z0-9_]+)\s*=")
_MISSING = object()  # a key the written settings did not have


def install_settings(new: Path, target: Path, record: Path) -> list[str]:
    """Install `new` as `target`, with a person's edits to `target` carried over.

    Returns what was done, a line each.
    """
    fresh = new.read_bytes()
    old = target.read_bytes() if target.is_file() else None
    if old is None:
        said = [f"wrote the settings {target}"]
    elif old == fresh:
        said = [f"settings {target}: unchanged"]
    elif record.is_file() and record.read_bytes() == old:
        said = [f"settings {target}: not edited since install.sh wrote them; "
                "now this version's defaults"]
    elif not record.is_file():
        return _keep_edited(new, target, [])
    else:
        merged, edits, homeless = carry_edits(record.read_text(encoding="utf-8"),
                                              old.decode("utf-8", "replace"),
                                              fresh.decode("utf-8"))
        if merged is None:
            return _keep_edited(new, target, homeless)
        aside = target.with_name(target.name + ".old")
        shutil.copyfile(target, aside)
        target.write_text(merged, encoding="utf-8")
        shutil.copyfile(new, record)
        return [f"settings {target}: this version's defaults with your edits carried over "
                f"({', '.join(edits)}); the file as it was is {aside}"]
    if old != fresh:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(new, target)
    record.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(new, record)
    return said


def carry_edits(written: str, edited: str, new: str) -> tuple[str | None, list[str], list[str]]:
    """`new` with the edits made to `written` (giving `edited`) carried in.

    Returns the merged text (None when it cannot be made), the edits as "[section] key", and
    those among them with no place in `new`.
    """
    try:
        was, now, fresh = (tomllib.loads(text) for text in (written, edited, new))
    except tomllib.TOMLDecodeError:
        return None, [], []
    edits = {(section, key): value
             for section, table in now.items() if isinstance(table, dict)
             for key, value in table.items()
             if was.get(section, {}).get(key, _MISSING) != value}
    names = [f"[{section}] {key}" for section, key in edits]
    examples = _examples(new)
    homeless = [f"[{section}] {key}" for section, key in edits
                if key not in fresh.get(section, {}) and key not in examples.get(section, ())]
    if homeless or any(_toml_value(v) is None for v in edits.values()):
        return None, names, homeless
    edited_sections = {section for section, _ in edits}
    out, section, example = [], "", False
    for line in new.splitlines(keepends=True):
        if (m := _SECTION.match(line)) is not None:
            section, example = m.group(1), False
        elif (m := _EXAMPLE_SECTION.match(line)) is not None:
            section, example = m.group(1), True
            if section in edited_sections:  # an optional section the coach turned on
                line = f"[{section}]\n"
        elif example and not line.startswith("#"):
            example = False
        elif ((m := (_EXAMPLE_KEY if example else _KEY).match(line)) is not None
              and (section, m.group(1)) in edits):
            line = f"{m.group(1)} = {_toml_value(edits[section, m.group(1)])}\n"
        out.append(line)
    merged = "".join(out)
    result = tomllib.loads(merged)
    if any(result[section][key] != value for (section, key), value in edits.items()):
        return None, names, []
    return merged, names, []



def _examples(text: str) -> dict[str, set[str]]:
    """The keys of each optional section the file ships commented out."""
    found: dict[str, set[str]] = {}
    section = None
    for line in text.splitlines():
        if (m := _EXAMPLE_SECTION.match(line)) is not None:
            section = m.group(1)
            found[section] = set()
        elif section is not None and not line.startswith("#"):
            section = None
        elif section is not None and (m := _EXAMPLE_KEY.match(line)) is not None:
            found[section].add(m.group(1))
    return found


def _toml_value(value: Any) -> str | None:
    """A scalar as TOML writes it (None for what the station's settings never hold)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's
    return None


def _keep_edited(new: Path, target: Path, homeless: list[str]) -> list[str]:
    beside = target.with_name(target.name + ".new")
    shutil.copyfile(new, beside)
    said = [f"settings {target} were edited: kept as they are; this version's defaults "
            f"are beside them as {beside}"]
    if homeless:
        said.append(f"your edits to {', '.join(homeless)} have no place in this version")
    try:
        load_config(target)
    except ConfigError as exc:
        said.append(f"the kept settings do not load with this version: {exc}. Carry your "
                    f"edits into {beside} and move it over them, or run "
                    "sudo ./install.sh --reset-config")
    return said


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m station.appliance.settings_install NEW TARGET RECORD",
              file=sys.stderr)
        return 2
    for line in install_settings(*map(Path, args)):
        print(f"install.sh: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
