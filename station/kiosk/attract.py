"""The attract loop's figure: the simulated athlete's body doing a good hinge, over and over.

It uses the simulator's own body model (`station.sim.body`), so the figure moves exactly as
the coach wants: hips straight back, shins near vertical, the stick on head, upper back and
tailbone, the band pulling the hips toward the anchor behind.
"""

from __future__ import annotations

import math

import pygame

from station.kiosk import theme as th
from station.sim.athlete import ease
from station.sim.body import Body, Posture, pose_joints

LOOP_S = 4.0  # one rep: 1.6 s down, 0.4 s at the bottom, 1.4 s up, 0.6 s standing


def hinge_posture(body: Body, t: float) -> Posture:
    """A good hinge's posture `t` seconds into the loop."""
    u = t % LOOP_S
    if u < 1.6:
        p = ease(u / 1.6)
    elif u < 2.0:
        p = 1.0
    elif u < 3.4:
        p = 1.0 - ease((u - 2.0) / 1.4)
    else:
        p = 0.0
    standing_back = 0.02
    return Posture(shin=2.0 - 4.0 * p, hip_back=standing_back + p * 0.27 * body.leg_length,
                   trunk=4.0 + p * 64.0, rounding=0.0, neck=0.0)


class HingeFigure:
    """Draws the looping figure, its band and its stick into a rectangle."""

    def __init__(self, height_m: float = 1.75) -> None:
        self.body = Body.from_height(height_m)

    def draw(self, target: pygame.Surface, theme: th.Theme, rect: pygame.Rect, t: float) -> None:
        b = self.body
        j = pose_joints(b, hinge_posture(b, t))
        # Metres -> pixels: the standing body fills 80% of the height, feet on the floor line,
        # facing right, with room behind for the hips to travel back and for the anchor.
        scale = 0.80 * rect.height / b.height
        floor = rect.bottom - int(0.08 * rect.height)
        ox = rect.left + int(rect.width * 0.62)

        def px(p) -> tuple[int, int]:
            return (int(ox + p[0] * scale), int(floor - p[1] * scale))

        pygame.draw.line(target, th.DIM, (rect.left + 8, floor), (rect.right - 8, floor), 3)
        # The anchor post behind the athlete, and the band from it round the hips.
        anchor_x = rect.left + int(rect.width * 0.08)
        hip = px(j.hip)
        anchor = (anchor_x, hip[1] + int(0.02 * rect.height))
        pygame.draw.line(target, th.DIM, (anchor_x, floor), (anchor_x, floor - int(rect.height *
                                                                                 0.55)), 8)
        pygame.draw.line(target, th.BAND, anchor, hip, theme.thick)
        w = theme.thick * 3
        for a, c in ((j.heel, j.toe), (j.ankle, j.knee), (j.knee, j.hip), (j.hip, j.shoulder)):
            pygame.draw.line(target, th.BODY, px(a), px(c), w)
        for a, c in ((j.shoulder, j.elbow_low), (j.elbow_low, j.wrist_low)):  # arm on the stick
            pygame.draw.line(target, (120, 134, 156), px(a), px(c), w // 2)
        pygame.draw.line(target, th.BODY, px(j.shoulder), px(j.ear), w)
        pygame.draw.circle(target, th.BODY, px(j.ear), int(0.05 * b.height * scale))
        # The stick lies on the back of the head, the upper back and the tailbone.
        back = (j.hip - j.shoulder)
        length = math.hypot(*back)
        normal = (-back[1] / length, back[0] / length)  # points away from the face
        off = 0.06 * b.height
        top = j.ear + (j.ear - j.hip) * 0.25 + (normal[0] * off * -1, normal[1] * off * -1)
        bottom = j.hip + (j.hip - j.ear) * 0.08 + (normal[0] * off * -1, normal[1] * off * -1)
        pygame.draw.line(target, th.STICK, px(top), px(bottom), theme.thick)
        # An arrow: the hips go back, not down.
        arrow_y = hip[1] - int(0.13 * rect.height)
        x1 = ox - int(0.05 * rect.width)
        x0 = x1 - int(0.2 * rect.width)
        pygame.draw.line(target, th.AMBER, (x1, arrow_y), (x0, arrow_y), theme.thick)
        h = theme.thick * 3
        pygame.draw.polygon(target, th.AMBER, [(x0 - h, arrow_y), (x0, arrow_y - h),
                                               (x0, arrow_y + h)])
