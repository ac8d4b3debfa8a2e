"""The config file: the shipped one is valid and documented; bad ones exit 2 naming the key."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from station.cli import main
from station.coach import Tuning
from station.config import COACH_INTERNALS, CoachConfig, Config, ConfigError, load_config

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
