"""The coach page's systemd unit: verify is clean, as hardened as the kiosk's or more, and
kept from slowing the kiosk."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from station.cli import COMMANDS
from tests.appliance.test_systemd_unit import UNIT, directives, fake_root
from tests.support import tool

REPO = Path(__file__).resolve().parents[2]
WEB_UNIT = REPO / "systemd" / "station-web.service"


def exposure(unit: Path) -> float:
    result = subprocess.run([tool("systemd-analyze"), "security", "--offline=true",
                             "--no-pager", str(unit)], capture_output=True, text=True,
                            timeout=60)
    match = re.search(r"Overall exposure level for [\w.-]+: (\d+\.\d)", result.stdout +
                      result.stderr)
    assert match, result.stdout + result.stderr
    return float(match.group(1))


def test_verify_is_clean(tmp_path: Path) -> None:
    root = fake_root(tmp_path)
    shutil.copy(WEB_UNIT, root / "etc/systemd/system/station-web.service")
    result = subprocess.run([tool("systemd-analyze"), "verify", f"--root={root}",
                             "/etc/systemd/system/station-web.service"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


def test_as_hardened_as_the_kiosk_or_more() -> None:
    web = exposure(WEB_UNIT)
    assert web <= 2.0 and web <= exposure(UNIT)


def test_runs_station_web_as_the_station_user_without_devices() -> None:
    d = directives(WEB_UNIT)
    start = d["ExecStart"][0].split()
    assert start[0].endswith("/bin/station") and start[1] == "web" and "web" in COMMANDS
    assert start[start.index("--config") + 1] == "/etc/station/station.toml"
    assert d["User"] == ["station"] and d["StateDirectory"] == ["station"]
    for key in ("NoNewPrivileges", "PrivateDevices", "ProtectHome", "PrivateTmp",
                "MemoryDenyWriteExecute"):
        assert d[key] == ["yes"], key
    assert d["ProtectSystem"] == ["strict"] and d["CapabilityBoundingSet"] == [""]
    # Kept from slowing the kiosk: a lower CPU and IO weight and a memory cap.
    assert int(d["CPUWeight"][0]) < 100 and int(d["IOWeight"][0]) < 100
    assert d["MemoryMax"][0].endswith("M") and int(d["MemoryMax"][0][:-1]) <= 200
    # The gym's network, never the internet.
    assert d["IPAddressDeny"] == ["any"] and "192.168.0.0/16" in d["IPAddressAllow"][0]
