"""What systemd runs before the station starts (ExecStartPre): back-off and the screen.

1. Back-off. Bookworm's systemd 252 restarts a failed service after a fixed RestartSec=, so
   a station that fails at once (a dead SD card, a broken install) would restart every two
   seconds forever and flood the journal. This helper counts quick restarts in a file in
   /run/station (RAM, kept across restarts by RuntimeDirectoryPreserve=restart) and sleeps
   2, 4, 8 ... up to 60 seconds before each one. A run that lasted five minutes resets it.
2. The screen. It waits (a few seconds at most) for a display connector to report
   connected, then writes SDL_KMSDRM_DEVICE_INDEX for it into the environment file the
   unit reads (EnvironmentFile=), because a Pi 5's DRM card number changes between boots.

Run as `python -m station.appliance.prestart --env-file /run/station/display.env`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from station.appliance.kms import SYS_DRM, Screen, find_screen, sdl_environment

HEALTHY_RUN_S = 300.0  # a run this long means the last restart was not part of a crash loop
MAX_BACKOFF_S = 60.0


def backoff_delay(quick_restarts: int) -> float:
    """Seconds to wait before a start that follows `quick_restarts` quick failures in a row."""
    if quick_restarts <= 0:
        return 0.0
    return min(2.0 ** quick_restarts, MAX_BACKOFF_S)


def next_restart_count(state_file: Path, now: float) -> int:
    """Count this start, given the last one recorded in `state_file`; record this one."""
    count = 0
    try:
        last_count, last_start = state_file.read_text(encoding="ascii").split()
        if now - float(last_start) < HEALTHY_RUN_S:
            count = int(last_count) + 1
    except (OSError, ValueError):
        count = 0
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(f"{count} {now:.3f}\n", encoding="ascii")
    return count


def wait_for_screen(sys_drm: Path, wait_s: float, clock: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], None] = time.sleep) -> Screen | None:
    """The connected display, polling up to `wait_s` seconds for one to appear after boot."""
    deadline = clock() + wait_s
    while True:
        screen = find_screen(sys_drm)
        if screen is not None or clock() >= deadline:
            return screen
        sleep(0.25)


def write_env_file(path: Path, env: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in sorted(env.items())), encoding="ascii")


def main(argv: Sequence[str] | None = None, clock: Callable[[], float] = time.monotonic,
         sleep: Callable[[float], None] = time.sleep) -> int:
    parser = argparse.ArgumentParser(prog="station.appliance.prestart",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--env-file", type=Path, required=True,
                        help="where to write the display environment (EnvironmentFile=)")
    parser.add_argument("--state-file", type=Path, default=None,
                        help="the restart counter (default: beside the env file)")
    parser.add_argument("--wait-screen-s", type=float, default=10.0,
                        help="seconds to wait for a connected display (default 10)")
    parser.add_argument("--sys-drm", type=Path, default=SYS_DRM, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    state_file = args.state_file or args.env_file.with_name("restarts")
    delay = backoff_delay(next_restart_count(state_file, clock()))
    if delay > 0:
        print(f"station: restarting after a failure; waiting {delay:.0f} s first", flush=True)
        sleep(delay)

    screen = wait_for_screen(args.sys_drm, args.wait_screen_s, clock, sleep)
    if screen is None:
        print(f"station: no connected display under {args.sys_drm}; SDL will search itself",
              flush=True)
    else:
        print(f"station: screen on {screen.device} ({screen.connector})", flush=True)
    write_env_file(args.env_file, sdl_environment(screen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
