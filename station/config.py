"""The station's settings: `config/station.toml` read into frozen, validated dataclasses.

Each section of the file is one dataclass below; each key is a field whose metadata gives
the allowed range or choices. The meaning, unit and reason for every default live as
comments in the TOML file itself, which is the one place a coach edits; docs/configuration.md
lists every key with its unit, range and default.
"""

from __future__ import annotations

import dataclasses
import errno
import math
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from station.errors import ConfigError
from station.files import read_regular

DEFAULT_PATHS = (Path("config/station.toml"), Path("/etc/station/station.toml"))
MAX_CONFIG_BYTES = 1 << 20  # the shipped file is 15 KB; a megabyte is no settings file
MAX_TEXT = 4096  # characters in a string value (PATH_MAX on Linux)


def _key(default: Any, lo: float | None = None, hi: float | None = None,
         choices: tuple[str, ...] | None = None, pattern: str | None = None,
         shape: str = "", path: bool = False, optional_path: bool = False) -> Any:
    """A config field with its allowed range (lo..hi, inclusive), its allowed choices, or the
    regular expression a text must match (`shape` says it in words for the error); `path`:
    the value names a file (never empty); `optional_path`: it names a file or is empty (the
    feature off)."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "choices": choices,
                                            "pattern": pattern, "shape": shape,
                                            "path": path, "optional_path": optional_path})


@dataclass(frozen=True)
class CameraConfig:
    """Where frames come from and at what size and rate."""

    source: str = _key("picamera2", choices=("picamera2", "opencv"))
    device: str = _key("0")
    width: int = _key(640, 160, 1920)
    height: int = _key(480, 120, 1080)
    fps: int = _key(30, 5, 120)
    buffer_count: int = _key(3, 2, 8)
    camera_num: int = _key(0, 0, 7)
    full_view: bool = _key(True)


@dataclass(frozen=True)
class PoseConfig:
    """Which MediaPipe backend finds the landmarks, and how sure it must be."""

    backend: str = _key("legacy", choices=("legacy", "tasks"))
    model_complexity: int = _key(1, 0, 2)
    task_model: str = _key("models/pose_landmarker_full.task", path=True)
    min_detection_confidence: float = _key(0.5, 0.0, 1.0)
    min_tracking_confidence: float = _key(0.5, 0.0, 1.0)


@dataclass(frozen=True)
class HX711Config:
    """The load cell's ADC and the two GPIO pins it is wired to."""

    dout_pin: int = _key(5, 0, 27)
    pd_sck_pin: int = _key(6, 0, 27)
    gain: int = _key(128, 32, 128)
    rate_sps: int = _key(80, 10, 80)
    max_pulse_us: float = _key(50.0, 5.0, 59.0)


@dataclass(frozen=True)
class TensionConfig:
    """How raw load-cell counts become a trustworthy tension in newtons."""

    calibration_file: str = _key("calibration.json", path=True)
    median_window: int = _key(5, 1, 15)
    stale_after_s: float = _key(0.5, 0.05, 10.0)
    noisy_above_n: float = _key(1.0, 0.01, 100.0)
    noisy_rejected_fraction: float = _key(0.2, 0.01, 1.0)
    stuck_readings: int = _key(40, 5, 1000)
    auto_tare: bool = _key(True)
    auto_tare_after_s: float = _key(10.0, 1.0, 600.0)
    auto_tare_steady_n: float = _key(1.0, 0.05, 50.0)
    auto_tare_max_n: float = _key(10.0, 0.5, 200.0)
    realtime_priority: int = _key(10, 0, 99)
    calibration_mass_kg: float = _key(5.0, 0.1, 200.0)


@dataclass(frozen=True)
class CoachConfig:
    """What counts as a rep, and the limit of each fault. The detector's internals are not
    settings: they are the coach's `Tuning` (station/coach/tuning.py)."""

    min_visibility: float = _key(0.5, 0.0, 1.0)
    standing_trunk_deg: float = _key(15.0, 0.0, 45.0)
    rep_start_trunk_deg: float = _key(25.0, 5.0, 60.0)
    min_rep_trunk_deg: float = _key(30.0, 5.0, 80.0)
    min_rep_drop: float = _key(0.15, 0.02, 1.0)
    knee_bend_max_deg: float = _key(40.0, 10.0, 120.0)
    knee_bend_hold_s: float = _key(0.1, 0.0, 1.0)
    hips_stopped_ratio: float = _key(0.35, 0.0, 1.0)
    hips_down_min_drop: float = _key(0.12, 0.02, 1.0)
    shallow_min_travel: float = _key(0.12, 0.0, 1.0)
    stick_max_deg: float = _key(15.0, 2.0, 60.0)
    stick_hold_s: float = _key(0.08, 0.0, 1.0)
    band_slack_min_n: float = _key(20.0, 0.0, 1000.0)
    band_slack_hold_s: float = _key(0.1, 0.0, 2.0)
    view_max_angle_deg: float = _key(25.0, 0.0, 90.0)
    view_min_torso: float = _key(0.1, 0.0, 1.0)


# Keys [coach] had that are now internals of the coach (fields of the same name in its
# Tuning): a settings file that still sets one is refused, naming it.
COACH_INTERNALS = (
    "side_settle_s", "side_switch_s", "lost_reset_s", "rep_start_rise_deg",
    "rep_start_speed_dps", "hips_stopped_window_s", "hips_stopped_band_window_s",
    "hips_stopped_noise_k", "hips_stopped_band_noise_k", "hips_stopped_band_hold_s",
    "hips_stopped_hold_s", "hips_stopped_evidence_k", "hips_stopped_confirm_s",
    "hips_stopped_resume",
    "hips_stopped_late_share", "band_learn_travel", "band_min_corr", "band_stale_s",
)


@dataclass(frozen=True)
class BuzzerConfig:
    """The buzzer that sounds the moment a live fault is seen."""

    pin: int = _key(18, 0, 27)
    kind: str = _key("tonal", choices=("tonal", "active"))
    muted: bool = _key(False)


@dataclass(frozen=True)
class ButtonConfig:
    """The optional big button: start, next athlete."""

    enabled: bool = _key(True)
    pin: int = _key(17, 0, 27)
    bounce_s: float = _key(0.05, 0.0, 1.0)
    hold_s: float = _key(2.0, 0.5, 10.0)


@dataclass(frozen=True)
class KioskConfig:
    """The screen."""

    width: int = _key(800, 320, 3840)
    height: int = _key(480, 240, 2160)
    fullscreen: bool = _key(True)
    fps: int = _key(30, 10, 60)
    verdict_seconds: float = _key(2.0, 0.5, 10.0)
    person_in_view_s: float = _key(1.0, 0.2, 10.0)
    out_of_view_s: float = _key(4.0, 1.0, 60.0)
    setup_hold_s: float = _key(1.0, 0.0, 10.0)
    setup_max_tension_n: float = _key(150.0, 1.0, 2000.0)
    summary_seconds: float = _key(8.0, 2.0, 120.0)
    class_rotation_s: float = _key(120.0, 30.0, 1800.0)


@dataclass(frozen=True)
class StoreConfig:
    """The session log."""

    path: str = _key("sessions.sqlite3", path=True)
    max_sets: int = _key(10000, 10, 1_000_000)


# A topic level of our own: no MQTT wildcard (+ #), no separator, no spaces or control codes.
_TOPIC_WORD = r"[A-Za-z0-9_.-]{1,64}"


@dataclass(frozen=True)
class MqttConfig:
    """The gym's MQTT broker: where the station publishes its results, health and live state.

    Present only when the file has an [mqtt] section; without one nothing connects.
    """

    host: str = _key("", pattern=r"[A-Za-z0-9.:_-]{1,253}", shape="a host name or address")
    port: int = _key(1883, 1, 65535)
    station_id: str = _key("", pattern=f"|{_TOPIC_WORD}",
                           shape="letters, digits, '.', '_' or '-' (empty: the host name)")
    prefix: str = _key("hinge", pattern=f"{_TOPIC_WORD}(/{_TOPIC_WORD})*",
                       shape="topic levels of letters, digits, '.', '_', '-' joined by '/'")
    keepalive_s: int = _key(30, 5, 600)
    reconnect_max_s: float = _key(30.0, 1.0, 600.0)
    tls: bool = _key(False)
    ca_file: str = _key("", optional_path=True)
    cert_file: str = _key("", optional_path=True)
    key_file: str = _key("", optional_path=True)
    credentials_file: str = _key("", optional_path=True)
    live_interval_s: float = _key(1.0, 0.1, 60.0)
    outbox_max: int = _key(100_000, 100, 10_000_000)
    homeassistant: bool = _key(False)
    discovery_prefix: str = _key("homeassistant", pattern=f"{_TOPIC_WORD}(/{_TOPIC_WORD})*",
                                 shape="topic levels joined by '/'")


def _mqtt_rules(path: Path, m: MqttConfig) -> None:
    """What a single key's range cannot say: keys that only make sense together."""
    where = f"{path}: [mqtt]"
    if not m.host:
        raise ConfigError(f"{where} host: missing (the broker's host name or address)")
    if not m.tls:
        for key in ("ca_file", "cert_file", "key_file"):
            if getattr(m, key):
                raise ConfigError(f"{where} {key} = {getattr(m, key)!r} needs tls = true")
    if m.key_file and not m.cert_file:
        raise ConfigError(f"{where} key_file = {m.key_file!r} needs cert_file (the client's "
                          "certificate)")


@dataclass(frozen=True)
class WebConfig:
    """The coach page: where it listens, its PIN, how long a login lasts."""

    host: str = _key("0.0.0.0")
    port: int = _key(8080, 1, 65535)
    pin_file: str = _key("web-pin", path=True)
    session_minutes: float = _key(30.0, 1.0, 1440.0)
    names_need_pin: bool = _key(False)
    poll_s: float = _key(1.0, 0.2, 60.0)


@dataclass(frozen=True)
class CardsConfig:
    """Athletes' cards: reading them on camera frames, and printing them."""

    enabled: bool = _key(True)
    decoder: str = _key("zxing", choices=("zxing", "opencv"))
    upscale: int = _key(2, 1, 4)
    rate_hz: float = _key(3.0, 0.2, 15.0)
    layout: str = _key("a4", choices=("a4", "a5"))


@dataclass(frozen=True)
class Config:
    """All of the station's settings. `source` is the file they came from (None: defaults)."""

    camera: CameraConfig = field(default_factory=CameraConfig)
    pose: PoseConfig = field(default_factory=PoseConfig)
    hx711: HX711Config = field(default_factory=HX711Config)
    tension: TensionConfig = field(default_factory=TensionConfig)
    coach: CoachConfig = field(default_factory=CoachConfig)
    buzzer: BuzzerConfig = field(default_factory=BuzzerConfig)
    button: ButtonConfig = field(default_factory=ButtonConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    web: WebConfig = field(default_factory=WebConfig)
    cards: CardsConfig = field(default_factory=CardsConfig)
    # Optional sections: None when the file has none (the feature is off).
    mqtt: MqttConfig | None = field(default=None, metadata={"section": MqttConfig})
    source: Path | None = None

    def resolve(self, relative: str) -> Path:
        """A path from the config, taken relative to the config file's folder."""
        p = Path(relative).expanduser()
        if p.is_absolute() or self.source is None:
            return p
        return self.source.parent / p


_TYPES = {"int": int, "float": float, "bool": bool, "str": str}


def _check_value(where: str, f: dataclasses.Field, value: Any) -> Any:
    want = _TYPES[f.type if isinstance(f.type, str) else f.type.__name__]
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        try:
            value = float(value)
        except OverflowError:
            raise ConfigError(f"{where} = {value} is out of range "
                              f"({f.metadata['lo']} to {f.metadata['hi']})") from None
    if not isinstance(value, want) or (want is int and isinstance(value, bool)):
        raise ConfigError(f"{where} = {_shown(value)} must be {want.__name__}")
    meta = f.metadata
    if want is float and not math.isfinite(value):
        # nan passes every comparison as false: it would slip through the range and switch
        # the limit off; inf is no limit either.
        raise ConfigError(f"{where} = {value!r} is not a finite number "
                          f"({meta['lo']} to {meta['hi']})")
    if want is str:
        _check_text(where, value, meta["path"], meta["optional_path"])
    if meta.get("choices") and value not in meta["choices"]:
        allowed = ", ".join(repr(c) for c in meta["choices"])
        raise ConfigError(f"{where} = {_shown(value)} is not allowed (choose {allowed})")
    if meta.get("pattern") is not None and not re.fullmatch(meta["pattern"], value):
        raise ConfigError(f"{where} = {_shown(value)} is not allowed ({meta['shape']})")
    lo, hi = meta.get("lo"), meta.get("hi")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{where} = {_shown(value)} is out of range ({lo} to {hi})")
    return value


def _section_class(name: str) -> type:
    """The dataclass of the settings' section `name` ("web", "mqtt", ...)."""
    f = next(f for f in dataclasses.fields(Config) if f.name == name)
    return f.metadata.get("section") or f.default_factory


def check_setting(section: str, key: str, value: Any, where: str) -> Any:
    """`value` once it passes the checks `[section] key` passes in a settings file (its type,
    range, choices); otherwise ConfigError whose line starts with `where` (an option that
    overrides the key: "--port")."""
    fields = {f.name: f for f in dataclasses.fields(_section_class(section))}
    return _check_value(where, fields[key], value)


def _shown(value: Any) -> str:
    """A value as the error line shows it: never a whole page of it."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_text(where: str, value: str, is_path: bool, optional_path: bool) -> None:
    if len(value) > MAX_TEXT:
        raise ConfigError(f"{where} is {len(value)} characters long (at most {MAX_TEXT})")
    if any(ord(c) < 32 for c in value):
        raise ConfigError(f"{where} = {_shown(value)} has a control character in it")
    if is_path and not value.strip():
        raise ConfigError(f"{where} = {value!r} is empty: name a file")
    if optional_path and value and not value.strip():
        raise ConfigError(f"{where} = {value!r} is blank: name a file, or leave it empty")
    if (is_path or optional_path) and value.endswith(("/", "\\")):
        raise ConfigError(f"{where} = {value!r} names a folder: name a file in it")


@dataclass(frozen=True)
class Relation:
    """A rule between settings that each key's own range cannot express: `rule` as the
    reference shows it, the `keys` it reads ("section.key"), `holds(config)`, and `why`."""

    rule: str
    keys: tuple[str, ...]
    holds: Callable[[Config], bool]
    why: str

    def values(self, config: Config) -> str:
        parts = []
        for key in self.keys:
            section, name = key.split(".")
            parts.append(f"[{section}] {name} = {getattr(getattr(config, section), name)!r}")
        return ", ".join(parts)


def _pins(config: Config) -> list[int]:
    """The GPIO pins the settings use: the HX711's two, the buzzer's, the button's if on."""
    pins = [config.hx711.dout_pin, config.hx711.pd_sck_pin, config.buzzer.pin]
    if config.button.enabled:
        pins.append(config.button.pin)
    return pins


# The relations docs/configuration.md tabulates (tests/test_config.py keeps the two alike).
RELATIONS: tuple[Relation, ...] = (
    Relation("standing_trunk_deg < rep_start_trunk_deg",
             ("coach.standing_trunk_deg", "coach.rep_start_trunk_deg"),
             lambda c: c.coach.standing_trunk_deg < c.coach.rep_start_trunk_deg,
             "a rep starts past rep_start_trunk_deg and ends back under standing_trunk_deg: "
             "otherwise every frame starts and ends a rep"),
    Relation("rep_start_trunk_deg <= min_rep_trunk_deg",
             ("coach.rep_start_trunk_deg", "coach.min_rep_trunk_deg"),
             lambda c: c.coach.rep_start_trunk_deg <= c.coach.min_rep_trunk_deg,
             "a movement must start a rep before it can count as one: a counting depth under "
             "the starting depth counts every sway that starts one"),
    Relation("band_slack_min_n < [kiosk] setup_max_tension_n",
             ("coach.band_slack_min_n", "kiosk.setup_max_tension_n"),
             lambda c: c.coach.band_slack_min_n < c.kiosk.setup_max_tension_n,
             "the setup's band check wants a tension between the two: otherwise no band "
             "ever passes it"),
    Relation("[button] bounce_s < hold_s",
             ("button.bounce_s", "button.hold_s"),
             lambda c: c.button.bounce_s < c.button.hold_s,
             "a hold is a press held past hold_s: one shorter than the bounce time never "
             "comes apart from a press"),
    Relation("[tension] stale_after_s >= 2 / [hx711] rate_sps",
             ("tension.stale_after_s", "hx711.rate_sps"),
             lambda c: c.tension.stale_after_s >= 2.0 / c.hx711.rate_sps,
             "the load cell counts as stale after two missed readings at the least: "
             "otherwise it is stale between any two readings"),
    Relation("no two of [hx711] dout_pin, pd_sck_pin, [buzzer] pin, [button] pin (when "
             "enabled) on one GPIO",
             ("hx711.dout_pin", "hx711.pd_sck_pin", "buzzer.pin", "button.pin"),
             lambda c: len(set(_pins(c))) == len(_pins(c)),
             "each part drives or reads its own pin: two on one pin fight over it"),
)


def check_relations(config: Config, path: Path | str) -> None:
    """Raise ConfigError naming the file, the keys and their values for the first relation
    that does not hold."""
    for relation in RELATIONS:
        if not relation.holds(config):
            raise ConfigError(f"{path}: {relation.values(config)}: needs {relation.rule} "
                              f"({relation.why})")


def _section(path: Path, name: str, cls: type, table: Any) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in table.items():
        where = f"{path}: [{name}] {key}"
        if name == "coach" and key in COACH_INTERNALS:
            raise ConfigError(f"{where}: no longer a setting, it is an internal of the coach "
                              "now (station/coach/tuning.py): remove it from this file")
        if key not in fields:
            raise ConfigError(f"{where}: unknown key (known: {', '.join(fields)})")
        values[key] = _check_value(where, fields[key], value)
    return cls(**values)


def parse_config(data: dict[str, Any], path: Path) -> Config:
    """Validate a parsed TOML document into a Config; errors name the file and key."""
    sections = {f.name: f for f in dataclasses.fields(Config) if f.name != "source"}
    built: dict[str, Any] = {}
    for name, table in data.items():
        if name not in sections:
            raise ConfigError(
                f"{path}: unknown section [{name}] (known: {', '.join(sections)})")
        f = sections[name]
        built[name] = _section(path, name, f.metadata.get("section") or f.default_factory,
                               table)
    if built.get("mqtt") is not None:
        _mqtt_rules(path, built["mqtt"])
    config = Config(**built, source=path)
    _check_no_folders(config, path)
    check_relations(config, path)
    return config


def _path_keys(config: Config) -> Iterator[tuple[str, str, str]]:
    """Each path setting that names a file: (section, key, value); empty optional ones and
    absent sections left out."""
    for section in dataclasses.fields(Config):
        values = getattr(config, section.name)
        if section.name == "source" or values is None:
            continue
        for f in dataclasses.fields(values):
            value = getattr(values, f.name)
            if (f.metadata.get("path") or f.metadata.get("optional_path")) and value:
                yield section.name, f.name, value


def _check_no_folders(config: Config, path: Path) -> None:
    """ConfigError naming the file, key and value of a path setting that names a folder
    there now (taken relative to the file's folder, as the station takes it), or that no
    file can have: a `~user` of no user, a name longer than the system allows."""
    for section, key, value in _path_keys(config):
        where = f"{path}: [{section}] {key}"
        try:
            resolved = config.resolve(value)
        except RuntimeError:  # expanduser: no such user
            raise ConfigError(f"{where} = {value!r}: {value.split('/')[0]} is the home folder "
                              "of no user here") from None
        if _is_folder(resolved, f"{where} = {_shown(value)}"):
            shown = "" if str(resolved) == value else f" ({resolved})"
            raise ConfigError(f"{where} = {value!r} names a folder{shown}: name a file in it")


def _is_folder(path: Path, where: str) -> bool:
    """`path` is a folder now; False when it cannot be looked at from here (a folder this
    user may not enter: whatever opens the file says so then). A name too long for any
    file is ConfigError (`where` names the key and value)."""
    try:
        return path.is_dir()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise ConfigError(f"{where}: {exc.strerror.lower()}") from None
        return False


def find_config(path: str | Path | None = None) -> Path | None:
    """The settings file to read: `path` if given, else the first of DEFAULT_PATHS that
    exists (None: there is none, the built-in defaults apply)."""
    if path is not None:
        return Path(path)
    return next((p for p in DEFAULT_PATHS if p.is_file()), None)


def load_config(path: str | Path | None = None) -> Config:
    """Read the config file: `path` if given, else the first of DEFAULT_PATHS that exists.

    With no path given and no file found, the built-in defaults are used (`source` None).
    Only a regular file of at most MAX_CONFIG_BYTES is read: a pipe or a device is refused.
    """
    found = find_config(path)
    if found is None:
        return Config()
    data = read_regular(found, "config file", MAX_CONFIG_BYTES, ConfigError)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{found}: cannot read config file ({exc})") from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{found}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{found}: not valid TOML (nested too deep)") from None
    return parse_config(parsed, found)
