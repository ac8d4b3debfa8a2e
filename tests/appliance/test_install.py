"""install.sh: shellcheck, the Pi path as a dry run, the desktop path, the appliance config."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from station.appliance.settings_install import install_settings
from station.config import load_config, parse_config
from tests.support import tool

REPO = Path(__file__).resolve().parents[2]
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
    assert "-m station.appliance.settings_install" in joined
    assert "/etc/station/station.toml" in joined
    assert "/opt/station/station.toml.installed" in joined
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


def _settings(tmp_path: Path, version: str) -> Path:
    """The appliance's settings as install.sh writes them, with its header naming `version`."""
    new = tmp_path / f"{version}.toml"
    new.write_text(f"# {version}\n" + run_install("--print-config").stdout)
    return new


def test_settings_nobody_edited_follow_an_upgrade_and_edits_are_carried_over(
        tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    target, record = etc / "station.toml", tmp_path / "opt" / "station.toml.installed"
    v1, v2, v3 = (_settings(tmp_path, v) for v in ("v1", "v2", "v3"))
    # v3 retunes a threshold: a station whose coach edited other keys must get it too.
    v3.write_text(v3.read_text().replace("shallow_min_travel = 0.12",
                                         "shallow_min_travel = 0.13"))
    assert install_settings(v1, target, record) == [f"wrote the settings {target}"]
    assert target.read_text() == v1.read_text() == record.read_text()
    assert install_settings(v1, target, record) == [f"settings {target}: unchanged"]
    # Upgraded, never edited: the new defaults take over.
    said = install_settings(v2, target, record)
    assert said == [f"settings {target}: not edited since install.sh wrote them; "
                    "now this version's defaults"]
    assert target.read_text() == v2.read_text() == record.read_text()
    # A coach mutes the buzzer, names a camera device and sets a lower visibility.
    edited = (target.read_text().replace("muted = false", "muted = true")
              .replace('device = "0"', 'device = "/dev/video2"')
              .replace("min_visibility = 0.5", "min_visibility = 0.45"))
    target.write_text(edited)
    said = install_settings(v3, target, record)
    assert said == [f"settings {target}: this version's defaults with your edits carried over "
                    "([camera] device, [coach] min_visibility, [buzzer] muted); the file as "
                    f"it was is {target}.old"]
    got = tomllib.loads(target.read_text())
    assert got["buzzer"]["muted"] is True and got["camera"]["device"] == "/dev/video2"
    assert got["coach"]["min_visibility"] == 0.45
    assert got["coach"]["shallow_min_travel"] == 0.13
    # Only those three lines differ from v3, comments and all.
    differ = [(a, b) for a, b in zip(target.read_text().splitlines(),
                                     v3.read_text().splitlines(), strict=True) if a != b]
    assert differ == [('device = "/dev/video2"', 'device = "0"'),
                      ("min_visibility = 0.45", "min_visibility = 0.5"),
                      ("muted = true", "muted = false")]
    assert (etc / "station.toml.old").read_text() == edited
    assert record.read_text() == v3.read_text()
    load_config(target)


def test_an_optional_section_a_coach_turned_on_is_carried_into_an_upgrade(
        tmp_path: Path) -> None:
    """[mqtt] ships commented out; a coach who uncommented it keeps it on after an upgrade,
    with only the keys they set, and the rest of the example still commented."""
    etc = tmp_path / "etc"
    target, record = etc / "station.toml", tmp_path / "opt" / "station.toml.installed"
    v1, v2 = _settings(tmp_path, "v1"), _settings(tmp_path, "v2")
    install_settings(v1, target, record)
    edited = (target.read_text().replace("#[mqtt]\n", "[mqtt]\n")
              .replace('#host = "broker.local"', 'host = "broker.gym.lan"')
              .replace('#station_id = ""', 'station_id = "bay-2"')
              .replace("#tls = false", "tls = true"))
    target.write_text(edited)
    assert load_config(target).mqtt.station_id == "bay-2"
    said = install_settings(v2, target, record)
    assert said == [f"settings {target}: this version's defaults with your edits carried over "
                    "([mqtt] host, [mqtt] station_id, [mqtt] tls); the file as it was is "
                    f"{target}.old"]
    config = load_config(target)
    assert (config.mqtt.host, config.mqtt.station_id, config.mqtt.tls) == (
        "broker.gym.lan", "bay-2", True)
    assert config.mqtt.port == 1883 and "#port = 1883" in target.read_text()
    assert target.read_text().startswith("# v2")


def test_an_edit_with_no_place_in_the_new_version_keeps_the_file_and_says_why(
        tmp_path: Path) -> None:
    target, record = tmp_path / "station.toml", tmp_path / "installed.toml"
    new = _settings(tmp_path, "v2")
    # A station from a version with a key this one does not know, edited by its coach.
    written = new.read_text().replace("standing_trunk_deg = 15.0", "side_frames = 10")
    assert written != new.read_text()
    record.write_text(written)
    target.write_text(written.replace("side_frames = 10", "side_frames = 12"))
    said = install_settings(new, target, record)
    assert "side_frames = 12" in target.read_text()
    assert (tmp_path / "station.toml.new").read_text() == new.read_text()
    assert said[:2] == [
        f"settings {target} were edited: kept as they are; this version's defaults are "
        f"beside them as {target}.new",
        "your edits to [coach] side_frames have no place in this version"]
    assert said[2].startswith(
        f"the kept settings do not load with this version: {target}: [coach] side_frames: "
        "unknown key (known: ")
    assert said[2].endswith(f"Carry your edits into {target}.new and move it over them, "
                            "or run sudo ./install.sh --reset-config")


def test_settings_install_runs_as_install_sh_calls_it(tmp_path: Path) -> None:
    new = _settings(tmp_path, "v1")
    target, record = tmp_path / "etc" / "station.toml", tmp_path / "station.toml.installed"
    result = subprocess.run([sys.executable, "-m", "station.appliance.settings_install", str(new),
                             str(target), str(record)], capture_output=True, text=True,
                            cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"install.sh: wrote the settings {target}\n"
    assert target.read_text() == new.read_text()
    assert subprocess.run([sys.executable, "-m", "station.appliance.settings_install"],
                          capture_output=True, cwd=REPO).returncode == 2


# -- issue 23: nothing deleted unasked; verified downloads; pinned dependencies ----------------

def test_purge_without_uninstall_is_refused_not_ignored() -> None:
    """`install.sh --purge` alone used to be silently ignored."""
    result = run_install("--purge")
    assert result.returncode == 2
    assert result.stderr == ("install.sh: --purge goes with --uninstall (it removes the "
                             "settings, the session log and the calibration too)\n")
    assert run_install("--yes").returncode == 2


@pytest.mark.parametrize("args, named", [
    (["--web-pin=1234", "--dry-run"], "--web-pin"),
    (["--reset-config", "--dry-run"], "--reset-config"),
    (["--web-off"], "--web-off"),
    (["--target", "desktop", "--web-pin", "--reset-config"], "--reset-config --web-pin"),
])
def test_appliance_options_on_the_desktop_path_are_refused_not_ignored(args, named) -> None:
    """They printed "up to date", exited 0 and did nothing."""
    result = run_install("--target", "desktop", *args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"install.sh: {named}: for the appliance only (a Raspberry Pi, "
                             "or --target pi); this run takes the desktop path (.venv here)\n")


def test_appliance_options_with_uninstall_or_against_each_other_are_refused() -> None:
    off = run_install("--dry-run", "--target", "pi", "--uninstall", "--web-off")
    assert (off.returncode, off.stdout) == (2, "")
    assert off.stderr == ("install.sh: --web-off: not with --uninstall (it removes the "
                          "service and the coach page)\n")
    both = run_install("--dry-run", "--target", "pi", "--web-pin=1234", "--web-off")
    assert (both.returncode, both.stdout) == (2, "")
    assert both.stderr == ("install.sh: --web-pin turns the coach page on and --web-off "
                           "turns it off: give one\n")


@pytest.mark.parametrize("args, named", [
    (["--dev"], "--dev"),
    (["--dry-run", "--target", "pi"], "--dry-run --target"),
    (["--target=desktop", "--uninstall", "--purge", "--yes"],
     "--target --uninstall --purge --yes"),
    (["--reset-config", "--web-pin=1234"], "--reset-config --web-pin"),
])
def test_print_config_with_another_option_is_refused_not_ignored(args, named) -> None:
    """`--print-config` printed the settings and exited 0 whatever else was given."""
    result = run_install("--print-config", *args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("install.sh: --print-config only prints the settings file: "
                             f"not with {named}\n")


@pytest.mark.parametrize("args", [["--target", "pi", "--dev", "--dry-run"],
                                  ["--dev", "--target=pi", "--dry-run"]])
def test_dev_with_target_pi_is_refused_not_ignored(args) -> None:
    """`--target pi --dev` took the appliance path and left --dev out."""
    result = run_install(*args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("install.sh: --dev: not with --target pi (the appliance gets no "
                             "test tools; --dev takes the desktop path)\n")


APPLIANCE = [Path("/opt/station"), Path("/etc/station"), Path("/var/lib/station"),
             Path("/etc/systemd/system/station.service")]


@pytest.mark.skipif(os.geteuid() != 0 or any(p.exists() for p in APPLIANCE),
                    reason="needs root, on a machine without the appliance installed")
def test_purge_asks_first_and_without_a_terminal_deletes_nothing() -> None:
    """`install.sh --uninstall --purge` used to delete the session log and the settings
    without asking."""
    result = subprocess.run(["bash", str(INSTALL), "--target", "pi", "--uninstall", "--purge"],
                            cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""  # not one step taken
    assert result.stderr == ("install.sh: --purge deletes /var/lib/station (the session log, "
                             "the calibration) and /etc/station (the settings): run it in a "
                             "terminal to confirm, or add --yes\n")


def test_purge_dry_run_with_yes_lists_the_deletions() -> None:
    result = run_install("--dry-run", "--target", "pi", "--uninstall", "--purge", "--yes")
    assert result.returncode == 0, result.stderr
    assert "rm -rf /etc/station" in result.stdout and "rm -rf /var/lib/station" in result.stdout


def _pi_commands() -> list[str]:
    result = run_install("--dry-run", "--target", "pi")
    assert result.returncode == 0, result.stderr
    return [line.strip()[2:] for line in result.stdout.splitlines()
            if line.startswith("    $ ")]


def test_every_download_is_checked_and_made_by_the_station_user() -> None:
    """The pose models were fetched as root with no checksum; pygame was built from source
    as root with no hash pinning, and only two dependencies were pinned."""
    commands = _pi_commands()
    fetches = [c for c in commands if "curl" in c]
    assert fetches and all(c.startswith("runuser -u station -- curl") for c in fetches)
    steps = run_install("--dry-run", "--target", "pi").stdout
    for name in ("pose_landmarker.task", "pose_landmark_lite.tflite"):
        assert f"would fetch {name} as station" in steps, name
    pips = [c for c in commands if " -m pip " in c]
    assert all("PIP_CONFIG_FILE=/dev/null" in c for c in pips)  # no other index (piwheels)


def test_root_runs_no_download_and_no_build_and_the_station_user_reads_no_checkout() -> None:
    """docs/appliance.md said the downloads and builds ran as `station` and root only
    installed wheels, but root downloaded the build tools (`pip install --require-hashes -r
    requirements/pi-build.txt`) and built the station from the checkout; and `station` read
    `-r <checkout>/requirements/...`, which it cannot in a 0700 home (Bookworm's default)."""
    commands = _pi_commands()
    python = f"{sys.version_info[0]}{sys.version_info[1]}"
    pip = ("env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_CONFIG_FILE=/dev/null "
           "/opt/station/venv/bin/python -m pip")
    as_station = ("runuser -u station -- env --chdir=/tmp/station-build "
                  "HOME=/tmp/station-build " + pip)
    work = "/tmp/station-build"
    start = next(i for i, c in enumerate(commands) if c.startswith("cp -R "))
    assert commands[start:start + 8] == [
        f"cp -R {REPO}/pyproject.toml {REPO}/README.md {REPO}/requirements {REPO}/station "
        f"{work}/",
        f"chown -R station:station {work}",
        f"{as_station} wheel --quiet --require-hashes --no-deps "
        f"-r {work}/requirements/pi-build.txt -w {work}/build-tools",
        # root checks the hashes again, against the checkout's copy the station cannot touch
        f"{pip} install --quiet --no-index --find-links {work}/build-tools --require-hashes "
        f"--no-deps -r {REPO}/requirements/pi-build.txt",
        f"{as_station} wheel --quiet --require-hashes --no-deps --no-build-isolation "
        f"--no-binary pygame -r {work}/requirements/pi-py{python}.txt -w {work}/wheels",
        f"{pip} install --quiet --no-index --no-deps {work}/wheels/\\*.whl",
        f"{as_station} wheel --quiet --no-index --no-deps --no-build-isolation {work} "
        f"-w {work}/station-wheel",
        f"{pip} install --quiet --no-index --no-deps --force-reinstall "
        f"{work}/station-wheel/\\*.whl"]
    pips = [c for c in commands if " -m pip " in c]
    assert len(pips) == 6
    for c in pips:
        if c.startswith("runuser -u station -- "):
            assert str(REPO) not in c, c  # all it reads is in the folder it owns
        else:
            assert " install " in c and "--no-index" in c, c  # root fetches nothing
            assert " wheel " not in c and str(REPO) + " " not in c + " ", c  # nor builds


def test_pi_dry_run_shows_every_step_of_a_model_fetch() -> None:
    """It stopped at `curl ... -o /tmp/<name>`: the sha256 check and the install into
    /etc/station/models were not shown."""
    if Path("/etc/station/models").exists():
        pytest.skip("this machine has /etc/station/models: install.sh skips the models it has")
    out = run_install("--dry-run", "--target", "pi").stdout
    lines = out.splitlines()
    i = lines.index("install.sh: would fetch pose_landmarker.task as station")
    url = ("https://storage.googleapis.com/mediapipe-assets/pose_landmarker.task"
           "\\?generation=1681244249587900")
    sum_ = "fb9cc326c88fc2a4d9a6d355c28520d5deacfbaa375b56243b0141b546080596"
    assert lines[i:i + 8] == [
        "install.sh: would fetch pose_landmarker.task as station",
        "    $ runuser -u station -- curl -fsSL --retry 2 --connect-timeout 10 "
        f"--max-filesize 100000000 -o /tmp/station-models/pose_landmarker.task {url}",
        f"install.sh: would check its sha256 is {sum_}",
        f"    $ sha256sum --check --status --strict <<< {sum_}\\ \\ "
        "/tmp/station-models/pose_landmarker.task",
        "install.sh: would install it as /etc/station/models/pose_landmarker.task",
        "    $ install -D -m 0644 /tmp/station-models/pose_landmarker.task "
        "/etc/station/models/pose_landmarker.task",
        "install.sh: would remove /tmp/station-models",
        "    $ rm -rf /tmp/station-models"]
    assert ("    $ install -D -m 0644 /tmp/station-models/pose_landmark_lite.tflite "
            "/etc/station/models/pose_landmark_lite.tflite") in lines


def test_the_sha256_check_install_sh_shows_is_the_one_it_runs(tmp_path: Path) -> None:
    """The shown check, run as shown, passes the right file and fails a wrong one."""
    out = run_install("--dry-run", "--target", "pi").stdout
    shown = next(line for line in out.splitlines() if "sha256sum --check" in line)
    good = tmp_path / "model"
    good.write_bytes(b"weights")
    digest = hashlib.sha256(b"weights").hexdigest()
    command = re.sub(r"<<< [0-9a-f]{64}\\ \\ \S+", f"<<< '{digest}  {good}'",
                     shown.strip()[2:])
    assert subprocess.run(["bash", "-c", command]).returncode == 0
    good.write_bytes(b"tampered")
    assert subprocess.run(["bash", "-c", command]).returncode == 1


def test_install_pins_the_model_checksums_the_model_builder_pins() -> None:
    from station.pose.models import KNOWN_SHA256

    text = INSTALL.read_text()
    pinned = dict(re.findall(r'"([\w.]+)\|https://storage\.googleapis\.com/mediapipe-assets/'
                             r'[\w.]+\?generation=\d+\|([0-9a-f]{64})"', text))
    assert set(pinned) == {"pose_landmarker.task", "pose_landmark_lite.tflite"}
    assert pinned["pose_landmark_lite.tflite"] == KNOWN_SHA256["pose_landmark_lite.tflite"]


@pytest.mark.parametrize("python", ["3.11", "3.13"])
def test_the_appliance_lock_pins_every_dependency_with_hashes(python: str) -> None:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    lock = REPO / "requirements" / f"pi-py{python.replace('.', '')}.txt"
    pins: dict[str, str] = {}  # name -> version
    hashes: dict[str, int] = {}  # name -> how many hashes it lists
    name = None
    for line in lock.read_text().splitlines():
        if re.match(r"^[A-Za-z0-9]", line):
            name, version = line.split(" ")[0].split("==")
            name = name.lower()
            pins[name], hashes[name] = version, 0
        elif "--hash=sha256:" in line:
            assert name is not None
            hashes[name] += 1
    assert pins and all(hashes.values()), hashes
    env = {**default_environment(), "python_version": python,
           "python_full_version": f"{python}.0", "platform_machine": "aarch64",
           "sys_platform": "linux"}
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in map(Requirement, deps):
        if dep.marker is not None and not dep.marker.evaluate(env):
            continue
        version = pins.get(dep.name.lower())
        assert version, f"{dep.name} is not pinned in {lock.name}"
        assert dep.specifier.contains(version, prereleases=True), (dep, version)
