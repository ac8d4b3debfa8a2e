"""Drawing the coach's view onto video frames: skeleton, stick line, hip path, rep verdicts.

`Annotator.draw(bgr, pose)` draws one frame in place (OpenCV, BGR order, as the video file
holds it). What it shows comes from the coach's report of the whole recording, so each rep's
PASS / FAIL appears the moment that rep ends.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from station.coach import CoachSnapshot
from station.domain import (
    LEFT_EAR,
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_EAR,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    SKELETON_EDGES,
    FaultDetected,
    PoseFrame,
    RepResult,
    Side,
)

# BGR colours.
_WHITE = (255, 255, 255)
_GREY = (150, 150, 150)
_GREEN = (60, 200, 60)
_RED = (40, 40, 230)
_YELLOW = (0, 220, 255)
_MAGENTA = (220, 60, 220)
_DARK = (30, 30, 30)

_STICK = {Side.LEFT: (LEFT_EAR, LEFT_SHOULDER, LEFT_HIP),
          Side.RIGHT: (RIGHT_EAR, RIGHT_SHOULDER, RIGHT_HIP)}


@dataclass(frozen=True)
class AnnotationStyle:
    """How long things stay on screen (seconds) and how sure a point must be to be drawn."""

    trail_s: float = 2.0
    verdict_s: float = 2.0
    buzz_s: float = 0.4
    min_visibility: float = 0.5


class Annotator:
    """Draws the coach's findings on each frame of a recording, frame after frame in order."""

    def __init__(self, reps: list[RepResult], buzzes: list[FaultDetected], side: Side | None,
                 style: AnnotationStyle | None = None) -> None:
        self.reps = sorted(reps, key=lambda r: r.end)
        self.buzzes = sorted(buzzes, key=lambda b: b.t)
        self.side = side
        self.style = style or AnnotationStyle()
        self._trail: deque[tuple[float, tuple[int, int]]] = deque()

    def _pixels(self, pose: PoseFrame) -> list[tuple[int, int] | None]:
        """Each landmark's pixel, or None where it is missing or too unsure to draw."""
        lm = pose.landmarks
        ok = np.isfinite(lm[:, :2]).all(axis=1) & (lm[:, 3] >= self.style.min_visibility)
        xy = np.rint(np.nan_to_num(lm[:, :2]) * (pose.width, pose.height)).astype(int).tolist()
        return [tuple(p) if good else None for p, good in zip(xy, ok.tolist(), strict=True)]

    def _hip(self, px: list[tuple[int, int] | None]) -> tuple[int, int] | None:
        if self.side is not None:
            return px[_STICK[self.side][2]]
        left, right = px[LEFT_HIP], px[RIGHT_HIP]
        if left is None or right is None:
            return left or right
        return (left[0] + right[0]) // 2, (left[1] + right[1]) // 2

    def draw(self, bgr: np.ndarray, pose: PoseFrame,
             snapshot: CoachSnapshot | None = None) -> None:
        """Draw the overlay for the frame at `pose.t` onto `bgr` (in place).

        `snapshot`, the coach's view at this frame, adds its phase and angles to the footer.
        """
        import cv2

        t = pose.t
        thick = max(1, round(min(pose.width, pose.height) / 240))
        # The hip's path over the last few seconds.
        px = self._pixels(pose)
        hip = self._hip(px) if pose.has_person else None
        if hip is not None:
            self._trail.append((t, hip))
        while self._trail and self._trail[0][0] < t - self.style.trail_s:
            self._trail.popleft()
        if len(self._trail) > 1:
            pts = np.array([p for _, p in self._trail], dtype=np.int32)
            cv2.polylines(bgr, [pts], False, _MAGENTA, thick)
        if pose.has_person:
            self._draw_skeleton(cv2, bgr, px, thick)
            self._draw_stick(cv2, bgr, px, thick)
        self._draw_status(cv2, bgr, t, pose, thick)
        self._draw_footer(cv2, bgr, t, pose, snapshot, thick)

    @staticmethod
    def _draw_skeleton(cv2, bgr: np.ndarray, px: list[tuple[int, int] | None],
                       thick: int) -> None:
        for a, b in SKELETON_EDGES:
            pa, pb = px[a], px[b]
            if pa is not None and pb is not None:
                cv2.line(bgr, pa, pb, _WHITE, thick, cv2.LINE_AA)
        for p in px:
            if p is not None:
                cv2.circle(bgr, p, thick + 1, _GREY, -1)

    def _draw_stick(self, cv2, bgr: np.ndarray, px: list[tuple[int, int] | None],
                    thick: int) -> None:
        """The three contacts of the stick: ear (head), shoulder (upper back), hip (tailbone)."""
        if self.side is None:
            return
        pts = [px[i] for i in _STICK[self.side]]
        if any(p is None for p in pts):
            return
        ear, shoulder, hip = pts
        cv2.line(bgr, ear, hip, _YELLOW, max(1, thick // 2), cv2.LINE_AA)
        cv2.polylines(bgr, [np.array(pts, np.int32)], False, _YELLOW, thick + 1, cv2.LINE_AA)
        for p in pts:
            cv2.circle(bgr, p, thick + 3, _YELLOW, -1, cv2.LINE_AA)

    def _draw_status(self, cv2, bgr: np.ndarray, t: float, pose: PoseFrame,
                     thick: int) -> None:
        height, width = bgr.shape[:2]
        scale = max(0.4, min(width, height) / 900)
        font = cv2.FONT_HERSHEY_SIMPLEX
        # Reps finished so far, as PASS / FAIL chips along the top.
        done = [r for r in self.reps if r.end <= t]
        x = 8
        for rep in done:
            label = f"{rep.index}"
            colour = _GREEN if rep.passed else _RED
            (tw, th), _ = cv2.getTextSize(label, font, scale, thick)
            cv2.rectangle(bgr, (x, 8), (x + tw + 10, 16 + th), colour, -1)
            cv2.putText(bgr, label, (x + 5, 12 + th), font, scale, _WHITE, thick)
            x += tw + 14
        # The newest rep's verdict, big, for a moment after it ends.
        recent = [r for r in done if t - r.end <= self.style.verdict_s]
        if recent:
            rep = recent[-1]
            word = "PASS" if rep.passed else "FAIL"
            colour = _GREEN if rep.passed else _RED
            big = scale * 2.2
            (tw, th), _ = cv2.getTextSize(word, font, big, thick * 3)
            org = ((width - tw) // 2, int(height * 0.18) + th)
            cv2.putText(bgr, word, org, font, big, _DARK, thick * 5)
            cv2.putText(bgr, word, org, font, big, colour, thick * 3)
            reason = ", ".join(f.value for f in rep.faults) or rep.cue
            self._caption(cv2, bgr, f"rep {rep.index}: {reason}", org[1] + 12, scale, thick)
            if rep.faults and rep.cue:
                (_, ch), _ = cv2.getTextSize("A", font, scale, thick)
                self._caption(cv2, bgr, rep.cue, org[1] + 24 + ch * 2, scale, thick)
        # A live fault: red frame border while the buzzer would sound.
        live = [b for b in self.buzzes if 0.0 <= t - b.t <= self.style.buzz_s]
        if live:
            cv2.rectangle(bgr, (0, 0), (width - 1, height - 1), _RED, thick * 4)
            self._caption(cv2, bgr, "BUZZ " + live[-1].fault.value, height - 40, scale, thick)

    def _draw_footer(self, cv2, bgr: np.ndarray, t: float, pose: PoseFrame,
                     snapshot: CoachSnapshot | None, thick: int) -> None:
        height, width = bgr.shape[:2]
        scale = max(0.4, min(width, height) / 900)
        parts = [f"t {t:5.2f} s"]
        if not pose.has_person:
            parts.append("no one in view")
        elif snapshot is not None:
            parts.append(f"{snapshot.phase.value}")
            parts.append(f"trunk {snapshot.trunk_deg:3.0f} knee {snapshot.knee_deg:3.0f} "
                         f"hips {snapshot.hip_travel:+.2f}")
        text = "  ".join(parts)
        font = cv2.FONT_HERSHEY_SIMPLEX
        (tw, th), _ = cv2.getTextSize(text, font, scale, thick)
        if tw > width - 12:  # a narrow (portrait) video: shrink the line to fit
            scale *= (width - 12) / tw
            (tw, th), _ = cv2.getTextSize(text, font, scale, thick)
        cv2.rectangle(bgr, (0, height - th - 14), (tw + 12, height), _DARK, -1)
        cv2.putText(bgr, text, (6, height - 8), font, scale, _WHITE, max(1, thick - 1))

    @staticmethod
    def _caption(cv2, bgr: np.ndarray, text: str, y: int, scale: float, thick: int) -> None:
        font = cv2.FONT_HERSHEY_SIMPLEX
        (tw, th), _ = cv2.getTextSize(text, font, scale, thick)
        if tw > bgr.shape[1] - 12:
            scale *= (bgr.shape[1] - 12) / tw
            (tw, th), _ = cv2.getTextSize(text, font, scale, thick)
        x = max(4, (bgr.shape[1] - tw) // 2)
        cv2.rectangle(bgr, (x - 4, y), (x + tw + 4, y + th + 8), _DARK, -1)
        cv2.putText(bgr, text, (x, y + th + 3), font, scale, _WHITE, thick)
