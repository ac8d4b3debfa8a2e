"""The systemd units: systemd-analyze verify is clean, security rates 4.0 or better."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path

from station.cli import COMMANDS
from tests.support import tool

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "systemd" / "station.service"
JOURNALD = REPO / "systemd" / "journald-station.conf"


def directives(path: Path) -> dict[str, list[str]]:
    """KEY -> every value it is given (systemd allows a key more than once)."""
    found: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def fake_root(tmp_path: Path) -> Path:
    """A root with the unit installed, its programs present and systemd's own units."""
    root = tmp_path / "root"
    bin_dir = root / "opt/station/venv/bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "station"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    for system_dir in ("/usr/lib/systemd/system", "/lib/systemd/system"):
        if Path(system_dir).is_dir():
            shutil.copytree(system_dir, root / system_dir.lstrip("/"), symlinks=True)
            break
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(UNIT, root / "etc/systemd/system/station.service")
    return root


def test_verify_is_clean(tmp_path: Path) -> None:
    analyze = tool("systemd-analyze")
    root = fake_root(tmp_path)
    result = subprocess.run([analyze, "verify", f"--root={root}",
                             "/etc/systemd/system/station.service"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


def test_verify_would_catch_a_mistake(tmp_path: Path) -> None:
    analyze = tool("systemd-analyze")
    root = fake_root(tmp_path)
    installed = root / "etc/systemd/system/station.service"
    installed.write_text(installed.read_text().replace("WatchdogSec=", "WatchdogSecs="))
    result = subprocess.run([analyze, "verify", f"--root={root}",
                             "/etc/systemd/system/station.service"],
                            capture_output=True, text=True, timeout=60)
    assert "Unknown key" in result.stderr


def test_security_rating_is_4_or_better() -> None:
    analyze = tool("systemd-analyze")
    result = subprocess.run([analyze, "security", "--offline=true", "--threshold=40",
                             "--no-pager", str(UNIT)], capture_output=True, text=True,
                            timeout=60)
    text = result.stdout + result.stderr
    match = re.search(r"Overall exposure level for station\.service: (\d+\.\d)", text)
    assert match, text
    assert float(match.group(1)) <= 4.0, text
    assert result.returncode == 0, text


def test_unit_runs_the_station_hardened_with_a_watchdog() -> None:
    d = directives(UNIT)
    assert d["Type"] == ["notify"] and d["NotifyAccess"] == ["main"]
    assert d["Restart"] == ["always"] and d["User"] == ["station"]  # a clean exit too
    assert int(d["WatchdogSec"][0].rstrip("s")) > 0
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert d[key] == ["yes"], key
    assert d["ProtectSystem"] == ["strict"] and d["StateDirectory"] == ["station"]
    assert "PrivateDevices" not in d  # it would hide the camera, GPIO and display
    assert set(d["SupplementaryGroups"][0].split()) == {"video", "gpio", "input", "render"}
    # lgpio's working directory is writable (the runtime directory) and SDL draws on KMSDRM.
    assert d["WorkingDirectory"] == ["/run/station"] and d["RuntimeDirectory"] == ["station"]
    assert "LG_WD=/run/station" in d["Environment"]
    assert "SDL_VIDEODRIVER=kmsdrm" in d["Environment"]


def test_unit_reaches_the_gyms_broker_on_the_lan_and_nothing_else() -> None:
    d = directives(UNIT)
    families = d["RestrictAddressFamilies"][0].split()
    assert {"AF_INET", "AF_INET6", "AF_UNIX"} <= set(families)
    assert d["IPAddressDeny"] == ["any"]
    allowed = d["IPAddressAllow"][0].split()
    assert {"localhost", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} <= set(allowed)
    assert "any" not in allowed and "0.0.0.0/0" not in allowed


def test_unit_commands_exist_in_the_package() -> None:
    d = directives(UNIT)
    pre = d["ExecStartPre"][0].split()
    assert pre[1:3] == ["-m", "station.appliance.prestart"]
    importlib.import_module(pre[2])
    env_file = pre[pre.index("--env-file") + 1]
    assert d["EnvironmentFile"] == [f"-{env_file}"]
    start = d["ExecStart"][0].split()
    assert start[0].endswith("/bin/station") and start[1] in COMMANDS
    assert start[start.index("--config") + 1] == "/etc/station/station.toml"


def test_journal_lives_in_ram() -> None:
    d = directives(JOURNALD)
    assert d["Storage"] == ["volatile"]
    assert d["RuntimeMaxUse"][0].endswith("M")


def test_a_stop_by_sigterm_counts_as_clean_for_every_service() -> None:
    """Every command unwinds on SIGTERM and exits 143 (issue 23): systemd must take that
    for a clean stop, not a failure."""
    for name in ("station.service", "station-web.service"):
        text = (REPO / "systemd" / name).read_text()
        assert "\nSuccessExitStatus=143\n" in text, name
