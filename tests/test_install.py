"""install.sh: shellcheck, the Pi path as a dry run, the desktop path, the appliance config."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from station.config import load_config, parse_config
from tests.systools import tool

REPO = Path(__file__).resolve().parents[1]
INSTALL = REPO / "install.sh"


def run_install(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None,
                script: Path = INSTALL) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(script), *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)


def test_shellcheck_is_clean() -> None:
    result = subprocess.run([tool("shellcheck"), str(INSTALL)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pi_dry_run_prints_every_step_and_changes_nothing() -> None:
    existed = {p: p.exists() for p in map(Path, ("/opt/station", "/etc/station",
                                                  "/etc/systemd/system/station.service"))}
    result = run_install("--dry-run", "--target", "pi")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "dry run for a pi" in out
    commands = [line.strip()[2:] for line in out.splitlines() if line.startswith("    $ ")]
    joined = "\n".join(commands)
    # The Pi's packages (those already on this machine are rightly left out of the list).
    apt = next(c for c in commands if "apt-get install" in c)
    for package in ("python3-picamera2", "python3-lgpio"):
        assert package in apt
    # The user and its device groups.
    assert "--system" in joined and "--shell /usr/sbin/nologin station" in joined
    usermod = next(c for c in commands if c.startswith("usermod"))
    assert set(usermod.split()[-2].replace("\\", "").split(",")) == {
        "video", "gpio", "input", "render"}
    # The venv sees Debian's picamera2 and lgpio; pygame is built against Debian's SDL2.
    assert "-m venv --system-site-packages /opt/station/venv" in joined
    assert "--no-binary pygame" in joined
    # Settings, units, enabled and started.
    assert "/etc/station/station.toml" in joined
    assert "/etc/systemd/system/station.service" in joined
    assert "/etc/systemd/journald.conf.d/station.conf" in joined
    assert "systemctl enable station.service" in joined
    assert "systemctl daemon-reload" in joined
    # Nothing was done.
    for path, was in existed.items():
        assert path.exists() == was, path


def test_pi_uninstall_dry_run_keeps_data_unless_purged() -> None:
    keep = run_install("--dry-run", "--target", "pi", "--uninstall")
    assert keep.returncode == 0, keep.stderr
    assert "systemctl disable --now station.service" in keep.stdout
    assert "rm -rf /opt/station" in keep.stdout
    assert "rm -rf /var/lib/station" not in keep.stdout
    assert "kept /etc/station" in keep.stdout
    purge = run_install("--dry-run", "--target", "pi", "--uninstall", "--purge")
    assert "rm -rf /var/lib/station" in purge.stdout and "userdel station" in purge.stdout


def test_desktop_dry_run_in_a_fresh_checkout_would_make_the_venv(tmp_path: Path) -> None:
    for name in ("install.sh", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    result = run_install("--dry-run", "--dev", script=tmp_path / "install.sh", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "dry run for a desktop" in result.stdout
    assert f"-m venv {tmp_path}/.venv" in result.stdout
    assert f"pip install --quiet --disable-pip-version-check -e {tmp_path}\\[dev\\]" \
        in result.stdout
    assert "/opt/station" not in result.stdout and "useradd" not in result.stdout
    assert not (tmp_path / ".venv").exists()


def test_desktop_install_again_changes_nothing() -> None:
    stamp = REPO / ".venv" / ".station-installed"
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.is_file() or not stamp.read_text().startswith(digest):
        pytest.skip("this checkout's .venv is not installed from the current pyproject.toml")
    result = run_install()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"install.sh: up to date ({REPO}/.venv)"


def test_old_or_missing_python_is_one_clear_line(tmp_path: Path) -> None:
    old = tmp_path / "python3"
    old.write_text("#!/bin/sh\n[ \"$1\" = -V ] && echo 'Python 3.9.2'\nexit 1\n")
    old.chmod(0o755)
    result = run_install("--target", "desktop", env={"PYTHON": str(old)})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "install.sh: python3 >= 3.11 needed, found Python 3.9.2: "
        "sudo apt-get install python3.11 python3.11-venv"]
    missing = run_install("--target", "desktop", env={"PYTHON": str(tmp_path / "nope")})
    assert missing.returncode == 1 and "python3 not found" in missing.stderr


def test_bad_options_exit_2() -> None:
    assert run_install("--frobnicate").returncode == 2
    bad = run_install("--dry-run", "--target", "toaster")
    assert bad.returncode == 2 and "pi or desktop" in bad.stderr


def test_appliance_config_keeps_every_setting_and_moves_state_to_var_lib() -> None:
    result = run_install("--print-config")
    assert result.returncode == 0, result.stderr
    path = Path("/etc/station/station.toml")
    installed = parse_config(tomllib.loads(result.stdout), path)
    repo = load_config(REPO / "config" / "station.toml")
    assert installed.resolve(installed.store.path) == Path("/var/lib/station/sessions.sqlite3")
    assert installed.resolve(installed.tension.calibration_file) == \
        Path("/var/lib/station/calibration.json")
    # Everything else is the repository's settings, unchanged.
    assert installed.coach == repo.coach and installed.camera == repo.camera
    assert installed.hx711 == repo.hx711 and installed.kiosk == repo.kiosk
