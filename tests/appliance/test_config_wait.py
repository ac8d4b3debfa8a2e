"""A broken settings file under systemd: on the screen, in the journal, fixed without a restart."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from station.appliance import config_wait
from station.appliance.config_wait import TITLE, NoticeScreen, fix_line, wait_for_config
from station.appliance.notice import BACKGROUND, draw_notice
from station.appliance.notice import TITLE as TITLE_COLOUR
from station.appliance.watchdog import Watchdog
from station.cli import main
from station.errors import ConfigError
from tests.support import notify_socket


@pytest.fixture
def notify(tmp_path: Path, monkeypatch):
    """systemd's notify socket, with a 2 s watchdog."""
    with notify_socket(tmp_path / "notify", monkeypatch, 2_000_000) as listener:
        yield listener


class Ticks:
    """A fake clock whose sleep can change the world at a given tick."""

    def __init__(self, actions: dict[int, callable]) -> None:
        self.t = 0.0
        self.n = 0
        self.actions = actions

    def clock(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s
        self.n += 1
        if self.n in self.actions:
            self.actions[self.n]()


def test_waits_pinging_until_the_file_is_fixed(tmp_path: Path, notify, capsys) -> None:
    toml = tmp_path / "station.toml"
    toml.write_text("[coach]\nknee_bend_max_deg = 400\n")
    with pytest.raises(ConfigError) as first:
        config_wait.load_config(toml)
    ticks = Ticks({
        12: lambda: toml.write_text("[coach\n"),  # a different mistake while editing
        30: lambda: toml.write_text("[coach]\nknee_bend_max_deg = 35\n"),  # fixed
    })
    drawn: list[str] = []
    config = wait_for_config(str(toml), first.value, Watchdog(clock=ticks.clock),
                             drawn.append, sleep=ticks.sleep, clock=ticks.clock)
    assert config is not None and config.coach.knee_bend_max_deg == 35.0
    messages = notify.received()
    assert messages[0] == ("READY=1\nSTATUS=waiting for a valid config: "
                           f"{toml}: [coach] knee_bend_max_deg = 400.0 is out of range "
                           "(10.0 to 120.0)")
    assert messages.count("WATCHDOG=1") >= 5  # every second while waiting (WatchdogSec=2)
    assert any(m.startswith("STATUS=waiting for a valid config:") and "not valid TOML" in m
               for m in messages)
    assert messages[-1] == "STATUS=config fixed: starting"
    journal = capsys.readouterr().err.splitlines()
    assert journal[0].startswith(f"station: error: {toml}: [coach] knee_bend_max_deg")
    assert "not valid TOML" in journal[1]
    assert journal[-1] == "station: the settings file is fixed: starting"
    assert drawn[0] == str(first.value) and "not valid TOML" in drawn[-1]


def test_gives_up_only_when_asked(tmp_path: Path) -> None:
    toml = tmp_path / "station.toml"
    toml.write_text("[nonsense]\n")
    ticks = Ticks({})
    config = wait_for_config(str(toml), ConfigError("x"), Watchdog({}), sleep=ticks.sleep,
                             clock=ticks.clock, give_up_after_s=10.0)
    assert config is None and ticks.t >= 10.0


def test_notice_is_drawn_readably(tmp_path: Path) -> None:
    pygame.font.init()
    surface = pygame.Surface((800, 480))
    message = (f"{tmp_path}/a/very/long/path/that/needs/cutting/station.toml: [coach] "
               "knee_bend_max_deg = 400.0 is out of range (10.0 to 120.0)")
    draw_notice(surface, TITLE, message, fix_line("/etc/station/station.toml"))
    pixels = pygame.surfarray.array3d(surface)
    top = pixels[:, 20:80].reshape(-1, 3)
    assert (top == TITLE_COLOUR).all(axis=1).sum() > 500  # the title, in amber
    assert (pixels[:, -30:].reshape(-1, 3) == BACKGROUND).all()  # nothing runs off the bottom
    body = pixels[:, 120:300].reshape(-1, 3)
    assert (body == (245, 245, 245)).all(axis=1).sum() > 500  # the message, in white
    pygame.image.save(surface, str(tmp_path / "notice.png"))


def test_run_by_hand_with_a_broken_file_is_one_line_and_exit_2(tmp_path: Path, capsys,
                                                               monkeypatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    toml = tmp_path / "station.toml"
    toml.write_text("[camera]\nfps = 'fast'\n")
    assert main(["run", "--config", str(toml)]) == 2
    assert capsys.readouterr().err == f"station: error: {toml}: [camera] fps = 'fast' must be int\n"


def test_under_systemd_run_shows_it_and_starts_when_fixed(tmp_path: Path, notify, monkeypatch,
                                                          capsys) -> None:
    from station.commands import run as run_command

    toml = tmp_path / "station.toml"
    toml.write_text("[kiosk]\nfullscreen = false\nfps = 0\n")
    started = []
    monkeypatch.setattr(run_command, "run", lambda args, config: started.append(config) or 0)
    monkeypatch.setattr(config_wait, "RETRY_S", 0.0)
    shots = []

    real_draw = NoticeScreen.draw

    def draw_then_fix(self, path, message):  # the coach reads the screen and fixes the file
        real_draw(self, path, message)
        shots.append(pygame.surfarray.array3d(self.surface))
        toml.write_text("[kiosk]\nfullscreen = false\nfps = 25\n")

    monkeypatch.setattr(NoticeScreen, "draw", draw_then_fix)
    assert main(["run", "--config", str(toml)]) == 0
    assert started[0].kiosk.fps == 25
    assert shots and (shots[0].reshape(-1, 3) == TITLE_COLOUR).all(axis=1).any()
    assert "fps = 0 is out of range" in capsys.readouterr().err
    assert notify.received()[0].startswith("READY=1\nSTATUS=waiting for a valid config")
