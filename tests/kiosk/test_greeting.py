"""'Hi, Sam': the athlete whose card was shown is named on the setup and summary screens."""

from __future__ import annotations

import pygame
import pytest

from station.flow.view import Check, KioskView, Screen, Summary
from station.kiosk import theme as th
from tests.kiosk.test_kiosk_screens import SIZES, _display, draw, shows  # noqa: F401

CHECKS = [Check("Side-on", True), Check("Whole body", False, "Head to feet in the picture")]


@pytest.mark.parametrize("size", SIZES)
def test_setup_says_hi_to_a_named_athlete(size):
    r, surf = draw(size, KioskView(screen=Screen.SETUP, checks=CHECKS, athlete_name="Sam"))
    assert shows(surf, r.regions["greeting"], r.theme.title, "HI, SAM", th.TEXT)
    r, surf = draw(size, KioskView(screen=Screen.SETUP, checks=CHECKS))
    assert shows(surf, r.regions["greeting"], r.theme.title, "GET SET", th.TEXT)


@pytest.mark.parametrize("size", SIZES)
def test_the_summary_names_them_and_a_long_name_still_fits(size):
    view = KioskView(screen=Screen.SUMMARY, summary=Summary(reps=6, passed=5),
                     athlete_name="Sam")
    r, surf = draw(size, view)
    assert shows(surf, r.regions["greeting"], r.theme.title, "SET DONE, SAM", th.TEXT)
    view.athlete_name = "Maximiliana Konstantinopoulou"
    view.summary.reason = "out of view"
    r, surf = draw(size, view)
    box = r.regions["greeting"]
    assert box.right <= size[0] // 2 + size[0] // 10  # beside the reason, not over it
    assert box.width > 0 and pygame.Rect(0, 0, *size).contains(box)
