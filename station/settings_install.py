"""Put the appliance's settings file in place on an install or an upgrade, keeping a coach's edits.

install.sh calls it as `python -m station.settings_install NEW TARGET RECORD`: NEW is this
version's default settings, TARGET the station's (/etc/station/station.toml) and RECORD a copy
of the defaults install.sh last wrote there. Settings nobody edited since then follow the new
version; edited ones are kept, the new defaults go beside them as TARGET.new, and it says at
once when the kept file will not load with this version.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from station.config import load_config
from station.errors import ConfigError


def install_settings(new: Path, target: Path, record: Path) -> list[str]:
    """Install `new` as `target` unless a person edited `target`.

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
    else:
        return _keep_edited(new, target)
    if old != fresh:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(new, target)
    record.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(new, record)
    return said


def _keep_edited(new: Path, target: Path) -> list[str]:
    beside = target.with_name(target.name + ".new")
    shutil.copyfile(new, beside)
    said = [f"settings {target} were edited: kept as they are; this version's defaults "
            f"are beside them as {beside}"]
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
        print("usage: python -m station.settings_install NEW TARGET RECORD", file=sys.stderr)
        return 2
    for line in install_settings(*map(Path, args)):
        print(f"install.sh: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
