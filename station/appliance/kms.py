"""Which DRM card drives the screen, so SDL's KMSDRM driver opens the right one.

A Raspberry Pi 5 has two DRM cards (the v3d renderer and the vc4 display controller) and the
kernel numbers them in whichever order they probe, so /dev/dri/card0 is the screen after one
boot and card1 after the next. SDL2 searches the cards itself but can settle on the wrong
one; with SDL_KMSDRM_DEVICE_INDEX set it opens exactly that card. The answer comes from
sysfs: the card whose connector reads "connected" and lists at least one mode.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SYS_DRM = Path("/sys/class/drm")
_CONNECTOR = re.compile(r"^card(\d+)-(.+)$")


@dataclass(frozen=True)
class Screen:
    """A connected display: the DRM card number and the connector it hangs on."""

    card: int
    connector: str

    @property
    def device(self) -> str:
        return f"/dev/dri/card{self.card}"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


def connected_screens(sys_drm: Path = SYS_DRM) -> list[Screen]:
    """Every connector that reads "connected" and has modes, lowest card number first.

    The modes file is read, not stat'ed: every sysfs attribute reports one page as its size.
    """
    screens = []
    entries = sorted(sys_drm.iterdir()) if sys_drm.is_dir() else []
    for entry in entries:
        match = _CONNECTOR.match(entry.name)
        if not match:
            continue
        if _read(entry / "status") == "connected" and _read(entry / "modes"):
            screens.append(Screen(int(match.group(1)), match.group(2)))
    return sorted(screens, key=lambda s: (s.card, s.connector))


def find_screen(sys_drm: Path = SYS_DRM) -> Screen | None:
    """The display the kiosk should use (the first connected one), or None when none is."""
    screens = connected_screens(sys_drm)
    return screens[0] if screens else None


def sdl_environment(screen: Screen | None) -> dict[str, str]:
    """The environment that points SDL's KMSDRM driver at `screen` (empty: let SDL search)."""
    if screen is None:
        return {}
    return {"SDL_KMSDRM_DEVICE_INDEX": str(screen.card)}


def console_sdl_environment(environ: Mapping[str, str],
                            sys_drm: Path = SYS_DRM) -> dict[str, str]:
    """What to add to `environ` so SDL draws on the console's screen (KMSDRM, no desktop).

    Nothing when a desktop is there (DISPLAY, WAYLAND_DISPLAY) or SDL_VIDEODRIVER is set
    already (the service sets it; tests set "dummy").
    """
    if any(environ.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")):
        return {}
    env = {"SDL_VIDEODRIVER": "kmsdrm"}
    if "SDL_KMSDRM_DEVICE_INDEX" not in environ:
        env.update(sdl_environment(find_screen(sys_drm)))
    return env
