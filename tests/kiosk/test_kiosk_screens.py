"""Each kiosk screen, drawn under SDL's dummy driver, checked the way a person would look at it:
the verdict's colour over its region and its word, the count, the score, the ticks, the badges.
"""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from station.domain import Fault
from station.flow.view import Badge, Check, KioskView, MenuItem, Screen, Summary, Verdict
from station.kiosk import theme as th
from station.kiosk.screens import FAULT_NAMES, Renderer
from station.kiosk.widgets import fit_badge_labels, shortenings
from station.sim.athlete import RepKind
from station.sim.session import simulate_set

SIZES = [(800, 480), (1280, 720)]


@pytest.fixture(scope="module", autouse=True)
def _display():
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()


@pytest.fixture(scope="module")
def hinge_frame() -> np.ndarray:
    """A real simulated frame at the bottom of a good hinge."""
    sim = simulate_set(4, kinds=[RepKind.GOOD])
    rep = sim.truth[0]
    i = int(np.searchsorted(sim.pose.t, 0.5 * (rep.start + rep.end)))
    return sim.pose.landmarks[i]


def draw(size, view: KioskView) -> tuple[Renderer, pygame.Surface]:
    r = Renderer(*size)
    surf = pygame.Surface(size)
    r.render(surf, view)
    return r, surf


def colour_share(surf: pygame.Surface, rect: pygame.Rect, colour) -> float:
    """Fraction of `rect`'s pixels that are exactly `colour`."""
    px = pygame.surfarray.array3d(surf.subsurface(rect))
    return float(np.all(px == np.array(colour), axis=2).mean())


def shows(surf: pygame.Surface, rect: pygame.Rect, font, text: str, colour) -> bool:
    """Whether `rect` on screen holds exactly `text` as `font` draws it in `colour`."""
    bg = surf.get_at(rect.topleft)[:3]
    want = pygame.Surface(rect.size)
    want.fill(bg)
    want.blit(font.render(text, True, colour), (0, 0))
    got = pygame.surfarray.array3d(surf.subsurface(rect)).astype(int)
    return bool(np.abs(got - pygame.surfarray.array3d(want).astype(int)).max() <= 2)


@pytest.mark.parametrize("size", SIZES)
def test_fail_verdict_is_red_with_the_word_fault_and_cue(size, hinge_frame):
    view = KioskView(screen=Screen.COACHING, now=10.0)
    view.live.landmarks = hinge_frame
    view.live.rep_count, view.live.passed = 3, 2
    view.verdict = Verdict(3, False, Fault.HIPS_STOPPED, "Push your hips back, not down", 11.0)
    r, surf = draw(size, view)
    box = r.regions["verdict"]
    assert box.width > size[0] * 0.4 and box.height > size[1] * 0.7  # big, from 3 m
    assert colour_share(surf, box, th.RED) > 0.5
    assert shows(surf, r.regions["verdict_word"], r.theme.verdict, "FAIL", th.TEXT)
    assert shows(surf, r.regions["verdict_fault"], r.theme.body, "HIPS STOPPED", th.TEXT)
    # The picture beside it keeps showing the athlete, framed in red.
    fig = r.layout.figure
    assert surf.get_at((fig.left + 2, fig.centery))[:3] == th.RED
    assert colour_share(surf, fig, th.BONE) > 0.002


@pytest.mark.parametrize("size", SIZES)
def test_pass_verdict_is_green_with_dark_ink(size, hinge_frame):
    view = KioskView(screen=Screen.COACHING, now=10.0)
    view.live.landmarks = hinge_frame
    view.verdict = Verdict(4, True, None, "Good hinge. Same again.", 11.0)
    r, surf = draw(size, view)
    assert colour_share(surf, r.regions["verdict"], th.GREEN) > 0.5
    assert shows(surf, r.regions["verdict_word"], r.theme.verdict, "PASS", th.INK)
    assert "verdict_fault" not in r.regions


def test_verdict_goes_when_its_time_is_up(hinge_frame):
    view = KioskView(screen=Screen.COACHING, now=11.5)
    view.live.landmarks = hinge_frame
    view.live.rep_count = 4
    view.verdict = Verdict(4, True, None, "Good", until=11.0)
    r, surf = draw((800, 480), view)
    assert "verdict" not in r.regions
    assert shows(surf, r.regions["count"], r.theme.big, "4", th.TEXT)


@pytest.mark.parametrize("size", SIZES)
def test_coaching_shows_the_count_the_cue_and_the_gauge(size, hinge_frame):
    view = KioskView(screen=Screen.COACHING, now=5.0)
    view.live.landmarks = hinge_frame
    view.live.rep_count, view.live.passed = 7, 5
    view.live.cue, view.live.cue_is_fault = "Push your hips back, not down", True
    view.live.tension_n = 60.0
    r, surf = draw(size, view)
    assert shows(surf, r.regions["count"], r.theme.big, "7", th.TEXT)
    assert r.regions["count"].height >= 0.2 * size[1]
    cue = r.regions["cue"]
    assert colour_share(surf, cue, th.RED) > 0.05  # the fault's cue is in red
    # The gauge's fill is green: 60 N is inside 20..150 N.
    bar = r.regions["gauge"]
    assert colour_share(surf, pygame.Rect(bar.left, bar.centery, bar.width, 2), th.GREEN) > 0.1


def test_slack_band_turns_the_gauge_red(hinge_frame):
    view = KioskView(screen=Screen.COACHING, now=5.0)
    view.live.landmarks = hinge_frame
    view.live.tension_n = 8.0
    r, surf = draw((800, 480), view)
    bar = r.regions["gauge"]
    assert colour_share(surf, pygame.Rect(bar.left, bar.centery, 20, 2), th.RED) > 0.5


@pytest.mark.parametrize("size", SIZES)
def test_setup_ticks_green_and_cross_red(size, hinge_frame):
    view = KioskView(screen=Screen.SETUP)
    view.live.landmarks = hinge_frame
    view.checks = [Check("Standing side-on", True), Check("Whole body in view", True),
                   Check("Band tension 8 N", False, "Step away from the anchor")]
    r, surf = draw(size, view)
    assert colour_share(surf, r.regions["check0"], th.GREEN) > 0.4
    assert colour_share(surf, r.regions["check1"], th.GREEN) > 0.4
    assert colour_share(surf, r.regions["check2"], th.RED) > 0.4


def test_a_part_down_shows_a_red_badge_with_its_reason():
    view = KioskView()
    view.badges = [Badge("camera"), Badge("pose"), Badge("load cell", False, "stale"),
                   Badge("buzzer")]
    r, surf = draw((800, 480), view)
    assert colour_share(surf, r.regions["badge:load cell"], th.RED) > 0.3
    assert colour_share(surf, r.regions["badge:camera"], th.RED) == 0.0
    # The reason makes the down badge wider than its name alone.
    assert r.regions["badge:load cell"].width > r.regions["badge:camera"].width * 1.5


# Every part down at once, each with the longest reason it gives (a gpio error is cut to 40).
ALL_DOWN = [Badge("camera", False, "lost: retry in 16 s"), Badge("pose", False, "frames skipped"),
            Badge("load cell", False, "none: camera only"),
            Badge("buzzer", False, "Failed to add edge detection on pin 18")]


@pytest.mark.parametrize("size", SIZES)
def test_all_parts_down_fit_the_strip_clear_of_the_menu_icon(size):
    view = KioskView(screen=Screen.COACHING, badges=ALL_DOWN)
    r, surf = draw(size, view)
    screen, icon = surf.get_rect(), r.menu_button()
    assert r.regions["menu"] == icon
    for b in ALL_DOWN:
        pill, name = r.regions[f"badge:{b.name}"], r.regions[f"badge_name:{b.name}"]
        assert screen.contains(pill) and screen.contains(name)
        assert not pill.colliderect(icon) and not name.colliderect(icon)
        assert colour_share(surf, pill, th.RED) > 0.3
        assert shows(surf, name, r.theme.badge, b.name.upper(), th.TEXT)
    # The icon's corner holds the icon alone: its three lines on the strip.
    px = pygame.surfarray.array3d(surf.subsurface(icon)).reshape(-1, 3)
    assert {tuple(int(c) for c in p) for p in np.unique(px, axis=0)} == {th.PANEL, th.DIM}
    # The camera's reason is the last to go: its gist is on screen at both sizes.
    camera = r.regions["badge_name:camera"]
    assert shows(surf, camera.inflate(r.theme.badge.size(": lost")[0], 0).move(
        r.theme.badge.size(": lost")[0] // 2, 0), r.theme.badge, "CAMERA: lost", th.TEXT)


def test_badge_reasons_shorten_to_their_gist_then_go():
    assert shortenings("lost: retry in 4 s") == ["lost: retry in 4 s", "lost", ""]
    assert shortenings("no GPIO") == ["no GPIO", ""]
    assert shortenings("Failed to add edge") == ["Failed to add edge", "Failed to add\u2026",
                                                 "Failed to\u2026", ""]
    assert shortenings("") == [""]
    font = pygame.font.Font(None, 24)
    parts = (("CAMERA", "lost: retry in 4 s"), ("POSE", ""), ("BUZZER", "no GPIO"))
    full = ["CAMERA: lost: retry in 4 s", "POSE", "BUZZER: no GPIO"]
    assert fit_badge_labels(font, parts, 10_000, 30, 8) == full
    width = sum(font.size(t)[0] + 30 for t in full) + 2 * 8
    assert fit_badge_labels(font, parts, width, 30, 8) == full
    # A pixel short: the widest reason is cut to its gist, and the buzzer keeps its own.
    assert fit_badge_labels(font, parts, width - 1, 30, 8) == [
        "CAMERA: lost", "POSE", "BUZZER: no GPIO"]
    # No room for both reasons even cut: the camera keeps its gist, the buzzer goes.
    cut = sum(font.size(t)[0] + 30 for t in ["CAMERA: lost", "POSE", "BUZZER"]) + 2 * 8
    assert fit_badge_labels(font, parts, cut, 30, 8) == ["CAMERA: lost", "POSE", "BUZZER"]
    assert fit_badge_labels(font, parts, 10, 30, 8) == ["CAMERA", "POSE", "BUZZER"]


@pytest.mark.parametrize(("size", "font"), [((800, 480), "verdict"), ((1280, 720), "huge")])
def test_summary_shows_the_score(size, font):
    view = KioskView(screen=Screen.SUMMARY)
    view.summary = Summary(10, 7, Fault.KNEE_BEND, 2, "Soft knees", 4, "hips 0.31 back")
    r, surf = draw(size, view)
    # As big as fits its half with a margin to spare: at 800 px "7/10" in the huge font
    # would touch the right column.
    assert shows(surf, r.regions["score"], getattr(r.theme, font), "7/10", th.AMBER)
    assert r.regions["score"].height >= 0.28 * size[1]


@pytest.mark.parametrize("size", SIZES)
def test_a_perfect_set_of_ten_fits_its_half_of_the_summary(size):
    view = KioskView(screen=Screen.SUMMARY)
    view.summary = Summary(10, 10, best_rep=7, best_note="hips furthest back")
    r, surf = draw(size, view)
    score = r.regions["score"]
    assert score.left >= 0 and score.width <= int(0.45 * (size[0] - 4 * r.layout.margin))
    assert score.right < r.layout.width // 2  # clear of the right column
    assert score.height < r.theme.huge.get_height()  # the huge font is too wide for it


@pytest.mark.parametrize("size", SIZES)
def test_a_set_with_no_rep_judged_is_not_called_clean(size):
    view = KioskView(screen=Screen.SUMMARY)
    view.summary = Summary(reps=4, passed=0, not_judged=4)
    r, surf = draw(size, view)
    assert shows(surf, r.regions["score"], r.theme.huge, "0/4", th.DIM)  # not a red 0
    below_bar = pygame.Rect(0, r.layout.bar.bottom, size[0], size[1] - r.layout.bar.bottom)
    assert colour_share(surf, below_bar, th.GREEN) == 0.0  # no "Every rep clean!"
    assert colour_share(surf, below_bar, th.AMBER) > 0.01


def test_the_count_adds_up_with_the_reps_without_a_verdict(hinge_frame):
    view = KioskView(screen=Screen.COACHING, now=10.0)
    view.live.landmarks = hinge_frame
    view.live.rep_count, view.live.passed, view.live.not_judged = 5, 2, 2
    r, surf = draw((800, 480), view)
    x = r.regions["pass_fail"].left
    line = r.theme.small.render("2 NO VERDICT", True, th.AMBER).get_rect(
        topleft=(x, r.regions["count"].bottom))
    assert shows(surf, line, r.theme.small, "2 NO VERDICT", th.AMBER)


@pytest.mark.parametrize("size", SIZES)
def test_a_stopped_camera_covers_the_picture_and_the_cue(size, hinge_frame):
    view = KioskView(screen=Screen.COACHING, now=10.0)
    view.live.landmarks = hinge_frame  # the last pose, no longer live
    view.live.cue, view.live.cue_is_fault = "Push your hips back, not down", True
    view.badge("camera").ok, view.badge("camera").reason = False, "stalled"
    r, surf = draw(size, view)
    trouble = r.regions["camera_trouble"]
    assert r.layout.figure.contains(trouble)
    assert colour_share(surf, trouble, th.AMBER) > 0.05
    assert colour_share(surf, r.layout.panel, th.RED) == 0.0  # the stale fault cue is gone
    assert "view" in r.regions and "cue" not in r.regions
    # The skeleton shows only through the shade.
    assert colour_share(surf, r.layout.figure, th.BONE) == 0.0


def test_a_frame_or_two_skipped_by_pose_leaves_the_picture_live(hinge_frame):
    """The pose badge's "frames skipped" (amber for 2 s after a frame pose could not be
    found for) is not a stopped camera: poses still come, the cue stays."""
    view = KioskView(screen=Screen.COACHING, now=10.0)
    view.live.landmarks = hinge_frame
    view.live.cue, view.live.cue_is_fault = "Push your hips back, not down", True
    view.badge("pose").ok, view.badge("pose").reason = False, "frames skipped"
    r, surf = draw((800, 480), view)
    assert "camera_trouble" not in r.regions and "cue" in r.regions
    assert colour_share(surf, r.layout.figure, th.BONE) > 0.002


def test_the_idle_screen_says_it_cannot_coach_without_a_camera():
    view = KioskView(screen=Screen.IDLE, now=1.0)
    r, surf = draw((800, 480), view)
    assert "camera_trouble" not in r.regions  # the steps to start
    view.badge("camera").ok, view.badge("camera").reason = False, "not found: retry in 30 s"
    r.render(surf, view)
    assert colour_share(surf, r.regions["camera_trouble"], th.AMBER) > 0.03


def test_a_load_cell_without_readings_greys_its_gauge(hinge_frame):
    view = KioskView(screen=Screen.COACHING, now=10.0)
    view.live.landmarks = hinge_frame
    view.live.tension_n = None
    view.badge("load cell").ok, view.badge("load cell").reason = False, "stale"
    r, surf = draw((800, 480), view)
    gauge = r.regions["gauge"]
    assert colour_share(surf, gauge, th.GREEN) == 0.0 and colour_share(surf, gauge, th.BODY) > 0.3
    label = r.theme.small.render("BAND: no reading", True, th.DIM).get_rect(
        topleft=(gauge.left, gauge.top - 4 - r.theme.small.get_height()))
    assert shows(surf, label, r.theme.small, "BAND: no reading", th.DIM)


def test_a_long_toast_keeps_every_word_on_screen():
    view = KioskView(screen=Screen.IDLE, now=1.0)
    view.toast = "Log full: 120 oldest sets (1200 reps) saved to sessions-2024-05-01.csv"
    view.toast_until = 5.0
    r, surf = draw((800, 480), view)
    box = r.regions["toast"]
    assert surf.get_rect().contains(box)
    assert box.height > 2 * r.theme.small.get_linesize()  # two lines, not one cut at the edges


def test_class_mode_countdown():
    view = KioskView(screen=Screen.COACHING, rotation_left_s=83.2)
    r, surf = draw((800, 480), view)
    assert shows(surf, r.regions["countdown"], r.theme.title, "1:24", th.TEXT)
    view.rotation_left_s = 8.0
    r.render(surf, view)
    assert shows(surf, r.regions["countdown"], r.theme.title, "0:08", th.RED)


@pytest.mark.parametrize("size", SIZES)
def test_the_class_countdown_keeps_off_the_athlete(size, hinge_frame):
    """A two-digit count, or the setup's title, leave room for the compact box beside them:
    it stays in the words panel, off the picture (where it covered the athlete's head)."""
    view = KioskView(screen=Screen.COACHING, now=10.0, rotation_left_s=95.0)
    view.live.landmarks = hinge_frame
    view.live.rep_count, view.live.passed = 14, 13
    r, surf = draw(size, view)
    clock = r.regions["countdown"]
    assert r.layout.panel.contains(clock) and not clock.colliderect(r.regions["pass_fail"])
    assert shows(surf, clock, r.theme.body, "1:35", th.TEXT)
    view.screen = Screen.SETUP
    view.checks = [Check("Side-on", True), Check("Whole body", False, "Step back")]
    r.render(surf, view)
    assert r.layout.panel.contains(r.regions["countdown"])
    assert not r.regions["countdown"].colliderect(r.regions["greeting"])
    # Over a rep's verdict it waits: the verdict's word is not covered.
    view.screen = Screen.COACHING
    view.verdict = Verdict(14, False, Fault.STICK_CONTACT, "Keep the stick on", 11.0)
    r.render(surf, view)
    assert "countdown" not in r.regions


def test_attract_figure_moves_and_the_words_stay():
    view = KioskView(screen=Screen.IDLE, now=0.0)
    r, a = draw((800, 480), view)
    view.now = 1.8  # near the bottom of the hinge
    b = pygame.Surface((800, 480))
    r.render(b, view)
    fig, panel = r.layout.figure, r.layout.panel
    arr_a, arr_b = pygame.surfarray.array3d(a), pygame.surfarray.array3d(b)
    assert (arr_a[fig.left:fig.right, fig.top:fig.bottom] !=
            arr_b[fig.left:fig.right, fig.top:fig.bottom]).any()
    assert (arr_a[panel.left:panel.right, panel.top:panel.bottom] ==
            arr_b[panel.left:panel.right, panel.top:panel.bottom]).all()


def test_menu_rows_are_finger_sized_and_the_selected_one_is_blue():
    view = KioskView(screen=Screen.IDLE)
    view.menu = [MenuItem("calibrate", "Calibrate load cell"), MenuItem("mute", "Buzzer", "ON"),
                 MenuItem("class", "Class mode", "OFF"), MenuItem("close", "Close")]
    view.menu_selected = 2
    r, surf = draw((800, 480), view)
    rows = r.menu_rows(4)
    assert all(row.height >= 48 for row in rows)  # about 9 mm on the 7-inch display
    assert colour_share(surf, rows[2], th.BLUE) > 0.5
    assert colour_share(surf, rows[0], th.BLUE) < 0.05


def test_type_is_big_enough_for_three_metres():
    # On the 7-inch 800x480 display (5.2 px/mm) a letter needs about 8 mm (42 px) to be read
    # from three metres at all: cues and checks must be at least that.
    t = Renderer(800, 480).theme
    assert t.cue.get_height() >= 42
    assert t.body.get_height() >= 38
    assert t.huge.get_height() >= 130


def test_all_faults_have_a_screen_name():
    assert set(FAULT_NAMES) == set(Fault)


def test_camera_picture_with_the_skeleton_on_the_person(clips_dir):
    """A real clip's frame and MediaPipe's landmarks for it: the picture fills the figure
    and the skeleton's joints land on the picture where MediaPipe found them."""
    import cv2

    cap = cv2.VideoCapture(str(clips_dir / "deadlift_rdl.mp4"))
    ok, bgr = cap.read()
    assert ok
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    lm = np.load(clips_dir / "deadlift_rdl.mediapipe-0.10.18-full.npz")["landmarks"][0]
    view = KioskView(screen=Screen.COACHING)
    view.live.image, view.live.landmarks, view.live.image_size = rgb, lm, (600, 600)
    r, surf = draw((800, 480), view)
    camera = r._camera
    fig = r.layout.figure
    # The picture: the clip's own pixels (a gym), not the background.
    assert colour_share(surf, fig, th.BACKGROUND) < 0.01
    # The near (right) shoulder, 12, is a white joint with a dark ring where MediaPipe put it.
    x, y = r.tf.point(float(lm[12, 0]), float(lm[12, 1]))
    assert fig.collidepoint(x, y)
    assert surf.get_at((x, y))[:3] in (th.BONE, th.GREEN)  # the joint, or the stick over it
    # A picture pixel far from the skeleton is the clip's pixel there (scaled, so nearby).
    cx, cy = fig.left + 5, fig.bottom - 5
    ix = int((cx - fig.left) / r.tf.scale + r.tf.x0)
    iy = int((cy - fig.top) / r.tf.scale)
    assert np.abs(np.array(surf.get_at((cx, cy))[:3], int) - rgb[iy, ix].astype(int)).max() < 40
    r.render(surf, view)
    assert r._camera is camera  # the camera's surface is made once, not every frame


@pytest.mark.parametrize("size", SIZES)
def test_the_coaching_screen_says_what_to_change_about_the_view_in_amber(size, hinge_frame):
    view = KioskView(screen=Screen.COACHING)
    view.live.landmarks = hinge_frame
    view.live.cue = "Hips back, stick on"
    view.live.view_message = "Turn side-on to the camera"
    r, surf = draw(size, view)
    assert "view" in r.regions and "cue" not in r.regions  # the view's words, not the cue's
    region = r.regions["view"]
    text = pygame.surfarray.array3d(surf.subsurface(region))
    assert np.all(text == np.array(th.AMBER), axis=2).mean() > 0.05
    view.live.view_message = ""
    r, _ = draw(size, view)
    assert "cue" in r.regions and "view" not in r.regions


@pytest.mark.parametrize("size", SIZES)
def test_a_rep_without_a_verdict_shows_no_verdict_on_amber(size):
    view = KioskView(screen=Screen.COACHING, now=1.0)
    view.verdict = Verdict(4, False, None, "Turn side-on to the camera", until=5.0,
                           judged=False)
    r, surf = draw(size, view)
    assert colour_share(surf, r.regions["verdict"], th.AMBER) > 0.5
    assert colour_share(surf, r.regions["verdict"], th.RED) == 0.0


@pytest.mark.parametrize("size", SIZES)
def test_the_summary_counts_the_reps_without_a_verdict(size):
    view = KioskView(screen=Screen.SUMMARY)
    view.summary = Summary(reps=5, passed=2, not_judged=2)
    r, surf = draw(size, view)
    assert "score" in r.regions
    assert colour_share(surf, surf.get_rect(), th.AMBER) > 0.0


LONG_HINTS = [Check("Side-on", False, "Step into the picture, side-on to the camera"),
              Check("Whole body", False, "Step back: your feet are out of the picture"),
              Check("Band 160 N", False, "Step away from the anchor until the band is slack")]


@pytest.mark.parametrize("size", [(480, 320), (800, 480), (1280, 720)])
def test_a_setup_hint_keeps_to_its_row_and_keeps_every_word(size, monkeypatch):
    """A two-line hint ran into the next check's row, and at 480x320 lost its last words."""
    from station.kiosk import widgets

    drawn: list[tuple[str, int, int]] = []  # (text, top, bottom) of every line drawn
    real = widgets.blit_text

    def spy(target, cache, font, text, colour, pos, anchor="topleft"):
        rect = real(target, cache, font, text, colour, pos, anchor)
        drawn.append((text, rect.top, rect.bottom))
        return rect

    monkeypatch.setattr(widgets, "blit_text", spy)
    view = KioskView(screen=Screen.SETUP, checks=list(LONG_HINTS))
    r, _ = draw(size, view)
    for i, check in enumerate(LONG_HINTS):
        label = next(k for k, (text, _, _) in enumerate(drawn) if text == check.label)
        end = next((k for k in range(label + 1, len(drawn))
                    if drawn[k][0] in {c.label for c in LONG_HINTS}), len(drawn))
        lines = [d for d in drawn[label + 1:end] if d[0] != "GET SET"]
        assert " ".join(text for text, _, _ in lines) == check.hint, size
        floor = r.regions[f"check{i + 1}"].top if i < 2 else size[1]
        assert max(bottom for _, _, bottom in lines) <= floor, (size, check.hint)


def test_the_parts_that_are_up_give_up_their_names_for_a_reason_that_would_not_fit():
    """Four parts up and the broker down: the green dots stay, their names go, and the
    broker says all it has to say; with room for everything the names stay."""
    up = [Badge("camera"), Badge("pose"), Badge("load cell"), Badge("buzzer")]
    view = KioskView(badges=[*up, Badge("broker", False, "offline, 3 waiting")])
    r, surf = draw((800, 480), view)
    name = r.regions["badge_name:broker"]
    words = r.theme.badge.size("BROKER: offline, 3 waiting")[0]
    assert r.regions["badge:broker"].width > words and colour_share(
        surf, r.regions["badge:broker"], th.RED) > 0.3
    assert shows(surf, name, r.theme.badge, "BROKER", th.TEXT)
    assert all(r.regions[f"badge_name:{b.name}"].width == 0 for b in up)
    view.badges[-1].reason = "offline"
    r, surf = draw((1280, 720), view)
    assert all(r.regions[f"badge_name:{b.name}"].width > 0 for b in up)
    assert shows(surf, r.regions["badge_name:camera"], r.theme.badge, "CAMERA", th.DIM)
