"""station.appliance.prestart and .kms: the restart back-off and the screen's DRM card."""

from __future__ import annotations

from pathlib import Path

from station.appliance.kms import Screen, connected_screens, find_screen, sdl_environment
from station.appliance.prestart import backoff_delay, main


def connector(sys_drm: Path, name: str, status: str, modes: str = "") -> None:
    d = sys_drm / name
    d.mkdir(parents=True)
    (d / "status").write_text(status + "\n")
    (d / "modes").write_text(modes)


def pi5_sysfs(root: Path, display_card: int) -> Path:
    """A Pi 5's /sys/class/drm: v3d (render only) and vc4 (HDMI, DSI) in either order."""
    sys_drm = root / "drm"
    render_card = 1 - display_card
    (sys_drm / f"card{render_card}").mkdir(parents=True)
    (sys_drm / f"card{display_card}").mkdir(parents=True)
    (sys_drm / "renderD128").mkdir()
    (sys_drm / "version").write_text("drm 1.1.0\n")
    connector(sys_drm, f"card{display_card}-HDMI-A-1", "connected", "1920x1080\n1280x720\n")
    connector(sys_drm, f"card{display_card}-HDMI-A-2", "disconnected")
    connector(sys_drm, f"card{display_card}-Writeback-1", "unknown")
    return sys_drm


def test_finds_the_display_card_whichever_number_it_got(tmp_path: Path) -> None:
    for card in (0, 1):
        sys_drm = pi5_sysfs(tmp_path / str(card), card)
        assert find_screen(sys_drm) == Screen(card, "HDMI-A-1")
        assert sdl_environment(find_screen(sys_drm)) == {"SDL_KMSDRM_DEVICE_INDEX": str(card)}


def test_connected_without_modes_is_not_a_screen_yet(tmp_path: Path) -> None:
    connector(tmp_path, "card0-DSI-1", "connected", "")
    connector(tmp_path, "card2-DSI-1", "connected", "800x480\n")
    assert connected_screens(tmp_path) == [Screen(2, "DSI-1")]
    assert Screen(2, "DSI-1").device == "/dev/dri/card2"


def test_no_screen_means_sdl_searches(tmp_path: Path) -> None:
    assert find_screen(tmp_path / "missing") is None
    assert sdl_environment(None) == {}


def test_backoff_doubles_to_a_minute() -> None:
    assert [backoff_delay(n) for n in range(8)] == [0, 2, 4, 8, 16, 32, 60, 60]


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.t += s


def test_prestart_backs_off_on_quick_restarts_and_writes_the_display_env(tmp_path: Path,
                                                                        capsys) -> None:
    sys_drm = pi5_sysfs(tmp_path, 1)
    env_file = tmp_path / "run" / "display.env"
    fake = FakeTime()
    args = ["--env-file", str(env_file), "--sys-drm", str(sys_drm)]
    waits = []
    for gap in (0.0, 3.0, 5.0, 10.0, 400.0):  # seconds each run lasted before the next start
        fake.t += gap
        fake.slept.clear()
        assert main(args, clock=fake.clock, sleep=fake.sleep) == 0
        waits.append(sum(fake.slept))
    assert waits == [0, 2, 4, 8, 0]
    assert env_file.read_text() == "SDL_KMSDRM_DEVICE_INDEX=1\n"
    assert "screen on /dev/dri/card1 (HDMI-A-1)" in capsys.readouterr().out


def test_prestart_waits_for_the_screen_to_come_up(tmp_path: Path) -> None:
    sys_drm = tmp_path / "drm"
    sys_drm.mkdir()
    fake = FakeTime()

    def sleep(s: float) -> None:
        fake.sleep(s)
        if len(fake.slept) == 3:  # the connector finishes probing after 0.75 s
            connector(sys_drm, "card1-DSI-1", "connected", "800x480\n")

    env_file = tmp_path / "display.env"
    main(["--env-file", str(env_file), "--sys-drm", str(sys_drm)], clock=fake.clock,
         sleep=sleep)
    assert env_file.read_text() == "SDL_KMSDRM_DEVICE_INDEX=1\n"
    assert fake.slept == [0.25, 0.25, 0.25]


def test_prestart_without_a_screen_gives_up_after_the_wait(tmp_path: Path, capsys) -> None:
    fake = FakeTime()
    env_file = tmp_path / "display.env"
    main(["--env-file", str(env_file), "--sys-drm", str(tmp_path), "--wait-screen-s", "2"],
         clock=fake.clock, sleep=fake.sleep)
    assert env_file.read_text() == ""
    assert sum(fake.slept) == 2.0
    assert "no connected display" in capsys.readouterr().out
