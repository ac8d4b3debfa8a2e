"""The config file: the shipped one is valid and documented; bad ones exit 2 naming the key."""

from __future__ import annotations

import dataclasses
import os
import re
import resource
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from station.cli import main
from station.coach import Tuning
from station.config import (
    COACH_INTERNALS,
    RELATIONS,
    CoachConfig,
    Config,
    ConfigError,
    load_config,
)

SHIPPED = Path(__file__).resolve().parents[1] / "config" / "station.toml"


def test_shipped_config_matches_the_built_in_defaults():
    loaded = load_config(SHIPPED)
    assert dataclasses.replace(loaded, source=None) == Config()


def shipped_example(name: str) -> str:
    """An optional section's example in the shipped file, its single '#' taken off:
    `#[mqtt]` and `#key = value` lines become TOML, `##` lines stay comments."""
    lines = SHIPPED.read_text().splitlines()
    start = lines.index(f"#[{name}]")
    out = []
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        out.append(line[1:])
    return "\n".join(out) + "\n"


def test_every_setting_appears_in_the_shipped_config():
    data = tomllib.loads(SHIPPED.read_text())
    # Every key of every section is in the file, so none is left undocumented by omission;
    # an optional section is there as an example to uncomment.
    for f in dataclasses.fields(Config):
        if f.name == "source":
            continue
        cls = f.metadata.get("section") or f.default_factory
        section = data.get(f.name) or tomllib.loads(shipped_example(f.name))[f.name]
        for key in (k.name for k in dataclasses.fields(cls)):
            assert key in section, f"[{f.name}] {key} missing from {SHIPPED}"


def test_the_shipped_mqtt_example_uncommented_is_the_built_in_defaults(tmp_path):
    from station.config import MqttConfig

    path = tmp_path / "station.toml"
    path.write_text(shipped_example("mqtt"))
    config = load_config(path)
    assert config.mqtt == MqttConfig(host="broker.local")
    assert Config().mqtt is None  # without the section nothing connects
    example = shipped_example("mqtt").splitlines()
    for i, line in enumerate(example):
        if "=" in line and not line.startswith("#"):
            assert _commented(example, i), f"[mqtt] example line has no comment: {line}"


def _commented(lines: list[str], i: int) -> bool:
    """A key is documented by the comment block above it, possibly shared with the key above."""
    j = i - 1
    while j >= 0 and not lines[j].lstrip().startswith("#"):
        if not lines[j].strip() or lines[j].strip().startswith("["):
            return False
        j -= 1
    return j >= 0


def test_no_key_without_a_comment_block():
    lines = SHIPPED.read_text().splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            assert _commented(lines, i), f"line {i + 1} of {SHIPPED} has no comment: {line}"


@pytest.mark.parametrize(("text", "message"), [
    ("[coach]\nknee_bend_max_deg = 500\n", "[coach] knee_bend_max_deg = 500.0 is out of range"),
    ("[coach]\nknee_bend = 40\n", "[coach] knee_bend: unknown key"),
    ("[coach]\nhips_stopped_noise_k = 3.5\n",
     "[coach] hips_stopped_noise_k: no longer a setting, it is an internal of the coach now"),
    ("[camera]\nwidth = \"wide\"\n", "[camera] width = 'wide' must be int"),
    ("[camera]\nsource = \"webcam\"\n", "[camera] source = 'webcam' is not allowed"),
    ("[buzzer]\nmuted = 1\n", "[buzzer] muted = 1 must be bool"),
    ("[screen]\nwidth = 800\n", "unknown section [screen]"),
    ("[coach\n", "not valid TOML"),
    ("[mqtt]\nport = 1883\n", "[mqtt] host: missing"),
    ("[mqtt]\nhost = \"b\"\nport = 70000\n", "[mqtt] port = 70000 is out of range"),
    ("[mqtt]\nhost = \"b\"\nstation_id = \"a/b\"\n",
     "[mqtt] station_id = 'a/b' is not allowed (letters, digits"),
    ("[mqtt]\nhost = \"b\"\nprefix = \"gym/#\"\n", "[mqtt] prefix = 'gym/#' is not allowed"),
    ("[mqtt]\nhost = \"b\"\nprefix = \"/gym\"\n", "[mqtt] prefix = '/gym' is not allowed"),
    ("[mqtt]\nhost = \"bad host\"\n", "[mqtt] host = 'bad host' is not allowed"),
    ("[mqtt]\nhost = \"b\"\nca_file = \"ca.pem\"\n", "[mqtt] ca_file = 'ca.pem' needs tls"),
    ("[mqtt]\nhost = \"b\"\ntls = true\nkey_file = \"k.pem\"\n",
     "[mqtt] key_file = 'k.pem' needs cert_file"),
    ("[mqtt]\nhost = \"b\"\npassword = \"x\"\n", "[mqtt] password: unknown key"),
])
def test_bad_config_names_file_and_key(tmp_path, text, message):
    path = tmp_path / "station.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)


def test_a_bad_config_exits_2_with_one_line(tmp_path, capsys):
    path = tmp_path / "station.toml"
    path.write_text("[coach]\nstick_max_deg = -3\n")
    assert main(["demo", "--headless", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "stick_max_deg = -3.0 is out of range (2.0 to 60.0)" in err


def test_a_key_that_became_an_internal_of_the_coach_exits_2_naming_it(tmp_path, capsys):
    path = tmp_path / "station.toml"
    path.write_text("[coach]\nband_min_corr = 0.8\n")
    assert main(["demo", "--headless", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "[coach] band_min_corr: no longer a setting" in err
    assert "station/coach/tuning.py" in err


def test_the_coach_internals_are_tuning_fields_not_settings():
    tuning = {f.name for f in dataclasses.fields(Tuning)}
    settings = {f.name for f in dataclasses.fields(CoachConfig)}
    assert set(COACH_INTERNALS) <= tuning
    assert not set(COACH_INTERNALS) & settings


def test_a_missing_config_file_exits_2(tmp_path, capsys):
    assert main(["demo", "--headless", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml: config file not found" in capsys.readouterr().err


def test_paths_in_the_config_are_relative_to_its_folder(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text("[store]\npath = \"log.sqlite3\"\n")
    config = load_config(path)
    assert config.resolve(config.store.path) == tmp_path / "log.sqlite3"


# -- issue 23: values that switch a fault off, settings that contradict each other -------

@pytest.mark.parametrize("key", ["knee_bend_max_deg", "stick_max_deg", "band_slack_min_n"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_threshold_that_is_not_finite_is_refused_naming_the_key(tmp_path, capsys, key,
                                                                  value):
    """nan passes every range comparison as false: it used to load and switch the fault off
    (10 reps: 8 passed instead of 4)."""
    path = tmp_path / "station.toml"
    path.write_text(f"[coach]\n{key} = {value}\n")
    assert main(["demo", "--headless", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{path}: [coach] {key} = {float(value)!r} is not a finite number" in err


def test_a_huge_integer_for_a_decimal_setting_is_out_of_range(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text("[kiosk]\nverdict_seconds = " + "9" * 400 + "\n")
    with pytest.raises(ConfigError, match=r"\[kiosk\] verdict_seconds = 9+ is out of range"):
        load_config(path)


def test_contradicting_rep_depths_are_refused_naming_both_keys(tmp_path, capsys):
    """standing_trunk_deg = 45 with rep_start_trunk_deg = 5 used to load and count 45 reps
    in a set of 10."""
    path = tmp_path / "station.toml"
    path.write_text("[coach]\nstanding_trunk_deg = 45\nrep_start_trunk_deg = 5\n")
    assert main(["demo", "--headless", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert ("[coach] standing_trunk_deg = 45.0, [coach] rep_start_trunk_deg = 5.0: needs "
            "standing_trunk_deg < rep_start_trunk_deg") in err


@pytest.mark.parametrize(("text", "rule"), [
    ("[coach]\nrep_start_trunk_deg = 40\nmin_rep_trunk_deg = 30\n",
     "rep_start_trunk_deg <= min_rep_trunk_deg"),
    ("[coach]\nband_slack_min_n = 200\n", "band_slack_min_n < [kiosk] setup_max_tension_n"),
    ("[button]\nbounce_s = 0.9\nhold_s = 0.5\n", "[button] bounce_s < hold_s"),
    ("[hx711]\nrate_sps = 10\n[tension]\nstale_after_s = 0.1\n",
     "[tension] stale_after_s >= 2 / [hx711] rate_sps"),
    ("[buzzer]\npin = 17\n", "no two of [hx711] dout_pin"),
    ("[hx711]\ndout_pin = 18\n", "no two of [hx711] dout_pin"),
])
def test_every_relation_between_settings_is_checked(tmp_path, text, rule):
    path = tmp_path / "station.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(f"needs {rule}")):
        load_config(path)


def test_a_pin_shared_with_a_disabled_button_is_allowed(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text("[button]\nenabled = false\npin = 18\n")
    assert load_config(path).button.pin == 18


def test_the_defaults_keep_every_relation():
    for relation in RELATIONS:
        assert relation.holds(Config()), relation.rule


def test_the_reference_tabulates_every_relation():
    doc = (SHIPPED.parents[1] / "docs" / "configuration.md").read_text()
    table = doc[doc.index("## Relations between settings"):]
    for relation in RELATIONS:
        assert f"| `{relation.rule}` |" in table, relation.rule


@pytest.mark.parametrize(("text", "message"), [
    ('[store]\npath = ""\n', "[store] path = '' is empty: name a file"),
    ('[store]\npath = "  "\n', "[store] path = '  ' is empty: name a file"),
    ('[tension]\ncalibration_file = "cal/"\n', "[tension] calibration_file = 'cal/' names a "
                                               "folder"),
    ('[store]\npath = "a\\u0000b"\n', "[store] path = 'a\\x00b' has a control character"),
    ('[web]\npin_file = ""\n', "[web] pin_file = '' is empty: name a file"),
    ('[web]\npin_file = "secrets/"\n', "[web] pin_file = 'secrets/' names a folder"),
    ('[mqtt]\nhost = "b"\ncredentials_file = "etc/"\n',
     "[mqtt] credentials_file = 'etc/' names a folder"),
    ('[mqtt]\nhost = "b"\ncredentials_file = " "\n',
     "[mqtt] credentials_file = ' ' is blank: name a file, or leave it empty"),
    ('[mqtt]\nhost = "b"\ntls = true\nca_file = "ca/"\n', "[mqtt] ca_file = 'ca/' names a folder"),
])
def test_a_path_setting_must_name_a_file(tmp_path, text, message):
    """`[store] path = ""` used to pass `station check` as storage ok (it named a folder)."""
    path = tmp_path / "station.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)


# Every path setting, set to name a folder that exists (relative to the file's folder).
_FOLDER_KEYS = [
    ("tension", "calibration_file", ""),
    ("store", "path", ""),
    ("pose", "task_model", ""),
    ("web", "pin_file", ""),
    ("mqtt", "credentials_file", 'host = "b"\n'),
    ("mqtt", "ca_file", 'host = "b"\ntls = true\n'),
    ("mqtt", "cert_file", 'host = "b"\ntls = true\n'),
    ("mqtt", "key_file", 'host = "b"\ntls = true\ncert_file = "c.pem"\n'),
]


def test_every_path_setting_is_in_the_folder_check():
    paths = {(f.name, k.name) for f in dataclasses.fields(Config) if f.name != "source"
             for k in dataclasses.fields(f.metadata.get("section") or f.default_factory)
             if k.metadata.get("path") or k.metadata.get("optional_path")}
    assert paths == {(section, key) for section, key, _ in _FOLDER_KEYS}


@pytest.mark.parametrize(("section", "key", "extra"), _FOLDER_KEYS)
def test_a_path_setting_naming_a_folder_there_is_refused_on_load(tmp_path, section, key,
                                                                 extra):
    """`[tension] calibration_file = "/tmp"` let `station calibrate` run all its steps
    before it failed; `[store] path = "/tmp"` had `station log` say "no session log there"."""
    (tmp_path / "data").mkdir()
    path = tmp_path / "station.toml"
    path.write_text(f'[{section}]\n{extra}{key} = "data"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (f"{path}: [{section}] {key} = 'data' names a folder "
                              f"({tmp_path / 'data'}): name a file in it")


def test_an_absolute_path_to_a_folder_is_refused_as_written(tmp_path, capsys):
    path = tmp_path / "station.toml"
    path.write_text(f'[store]\npath = "{tmp_path}"\n')
    assert main(["log", "--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"station: error: {path}: [store] path = "
                                                f"'{tmp_path}' names a folder: name a file in it\n")


@pytest.mark.parametrize(("value", "message"), [
    ("~nosuchuser/s.sqlite3", "'~nosuchuser/s.sqlite3': ~nosuchuser is the home folder of no "
                              "user here"),
    ("a" * 300, "'" + "a" * 56 + "...: file name too long"),
])
def test_a_path_no_file_can_have_is_one_line_not_a_traceback(tmp_path, value, message):
    """The folder check looks each path up: one it cannot even name is refused, not raised."""
    path = tmp_path / "station.toml"
    path.write_text(f'[store]\npath = "{value}"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}: [store] path = {message}"


def test_a_path_this_user_cannot_look_at_still_loads(tmp_path, monkeypatch):
    """A folder the station's user may not enter is the opener's to report, not the
    settings' (a calibration out of reach is a warning and a raw sensor, not a dead kiosk)."""
    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    path = tmp_path / "station.toml"
    path.write_text('[tension]\ncalibration_file = "/root/calibration.json"\n')
    monkeypatch.setattr(Path, "is_dir", denied)
    assert load_config(path).tension.calibration_file == "/root/calibration.json"


def test_a_path_setting_naming_a_file_to_be_made_loads(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text('[store]\npath = "logs/sessions.sqlite3"\n')
    assert load_config(path).store.path == "logs/sessions.sqlite3"


# -- issue 23: a config path that is no file ------------------------------------------------

def _station(*argv: str, timeout: float = 30.0, **kwargs) -> subprocess.CompletedProcess:
    """The station command in a process of its own, so a hang is a failed test, not a hung
    suite, and a read without bound meets a memory limit instead of the machine's."""
    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    return subprocess.run([sys.executable, "-m", "station.cli", *argv], capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limit_memory, **kwargs)


def test_a_fifo_as_the_config_is_refused_at_once(tmp_path):
    fifo = tmp_path / "station.toml"
    os.mkfifo(fifo)
    done = _station("demo", "--headless", "--config", str(fifo))
    assert done.returncode == 2
    assert done.stderr == (f"station: error: {fifo}: the config file is a pipe (FIFO), not a "
                           "regular file\n")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_device_as_the_config_is_refused_without_reading_it(device):
    done = _station("demo", "--headless", "--config", device)
    assert done.returncode == 2
    assert done.stderr == (f"station: error: {device}: the config file is a character device, "
                           "not a regular file\n")


def test_an_endless_stdin_as_the_config_is_refused():
    with subprocess.Popen(["yes", "x = 1"], stdout=subprocess.PIPE) as endless:
        done = _station("demo", "--headless", "--config", "/dev/stdin", stdin=endless.stdout)
        endless.kill()
    assert done.returncode == 2
    assert "/dev/stdin: the config file is a pipe (FIFO), not a regular file" in done.stderr


def test_a_config_file_over_a_megabyte_is_refused(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text("# padding\n" * 200_000)
    with pytest.raises(ConfigError, match="the config file is 1.91 MB, more than the 1 MB"):
        load_config(path)


def test_a_folder_as_the_config_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="the config file is a folder, not a regular file"):
        load_config(tmp_path)


def test_toml_nested_past_the_parser_is_one_line(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_the_built_in_defaults_are_announced_when_no_file_is_found(tmp_path):
    done = _station("demo", "--headless", "--reps", "1", cwd=tmp_path,
                    env={**os.environ, "PYTHONPATH": str(SHIPPED.parents[1])})
    assert done.returncode == 0, done.stderr
    assert ("station: no settings file (config/station.toml, /etc/station/station.toml): "
            "using the built-in defaults\n") in done.stderr


def test_what_the_station_writes_beside_the_shipped_config_is_ignored_by_git():
    """Run from the checkout, the station writes its log and calibration beside
    config/station.toml: none of it may show up as a change to the checkout."""
    repo = SHIPPED.parents[1]
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout")
    config = load_config(SHIPPED)
    written = [config.resolve(config.store.path), config.resolve(config.tension.calibration_file)]
    written += [Path(f"{written[0]}-wal"), Path(f"{written[0]}.pruned-20260105T101500Z.jsonl"),
                Path(f"{written[1]}.20260105T101500Z.bak"),
                written[1].with_name(".calibration-abc.tmp")]
    names = [str(p.relative_to(repo)) for p in written]
    done = subprocess.run(["git", "check-ignore", *names], cwd=repo, capture_output=True,
                          text=True)
    assert done.stdout.split() == names
