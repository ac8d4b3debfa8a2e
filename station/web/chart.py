"""An athlete's history as an inline SVG chart, drawn on the server (no script, no CDN).

Two lines over their sessions, oldest left: the pass rate (0-100 %, left scale, green) and
the hips-back depth (mean hip travel of their reps in leg lengths, right scale, blue).
"""

from __future__ import annotations

from html import escape
from math import ceil

W, H = 480, 280
LEFT, RIGHT, TOP, BOTTOM = 52, 56, 14, 56
PASS_COLOUR = "#1a7f37"
DEPTH_COLOUR = "#0b61a4"
# A day under the chart ("12-04") is about 48 units wide at the page's 17 px (style.css,
# .chart): labels stand 60 apart at least, so none touches the next.
LABEL_GAP = 60.0
MAX_LABELS = 5


def _x(i: int, n: int) -> float:
    span = W - LEFT - RIGHT
    return LEFT + (span / 2 if n == 1 else span * i / (n - 1))


def _y(value: float, top_value: float) -> float:
    return TOP + (H - TOP - BOTTOM) * (1 - min(max(value / top_value, 0.0), 1.0))


def day_labels(n: int) -> list[int]:
    """Which of `n` sessions get their day under the chart: the newest, then every
    `step`-th before it, so labels stand evenly at least LABEL_GAP apart and at most
    MAX_LABELS of them (a phone's width)."""
    if n <= 1:
        return list(range(n))
    gap = (W - LEFT - RIGHT) / (n - 1)
    step = max(1, ceil((n - 1) / (MAX_LABELS - 1)), ceil(LABEL_GAP / gap))
    return list(range(n - 1, -1, -step))[::-1]


def history_svg(sessions: list[dict]) -> str:
    """The chart for `athlete_history`'s rows (day, pass_rate 0..1, hip_travel); with no
    rows, an empty grid saying so, without scales; the depth's scale only when a depth is
    plotted."""
    n = len(sessions)
    depth_top = max([0.4] + [s["hip_travel"] or 0 for s in sessions])
    depth_top = round(depth_top + 0.05, 1)
    has_depth = any(s["hip_travel"] is not None for s in sessions)
    parts = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" '
             f'aria-label="Pass rate and hips-back depth over {n} sessions" '
             'xmlns="http://www.w3.org/2000/svg">',
             f'<title>Pass rate and hips-back depth over {n} sessions</title>']
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):  # grid and both scales
        y = _y(frac, 1.0)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" '
                     'class="grid"/>')
        if n:
            parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                         f'fill="{PASS_COLOUR}">{frac:.0%}</text>')
        if has_depth:
            parts.append(f'<text x="{W - RIGHT + 6}" y="{y + 4:.1f}" '
                         f'fill="{DEPTH_COLOUR}">{frac * depth_top:.2f}</text>')
    if n == 0:
        parts.append(f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">no sessions yet'
                     '</text></svg>')
        return "".join(parts)
    for i in day_labels(n):
        parts.append(f'<text class="day" x="{_x(i, n):.1f}" y="{H - BOTTOM + 22}" '
                     f'text-anchor="middle">{escape(str(sessions[i]["day"])[5:])}</text>')
    for key, top, colour, cls in (("pass_rate", 1.0, PASS_COLOUR, "pass"),
                                  ("hip_travel", depth_top, DEPTH_COLOUR, "depth")):
        pts = [(_x(i, n), _y(s[key], top)) for i, s in enumerate(sessions)
               if s[key] is not None]
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline class="line-{cls}" points="{path}" fill="none" '
                         f'stroke="{colour}" stroke-width="2.5"/>')
        for (x, y), s in zip(pts, [s for s in sessions if s[key] is not None], strict=True):
            label = f"{s['day']}: {s[key]:.0%}" if key == "pass_rate" else \
                f"{s['day']}: {s[key]:.2f} leg lengths"
            parts.append(f'<circle class="dot-{cls}" cx="{x:.1f}" cy="{y:.1f}" r="4" '
                         f'fill="{colour}"><title>{escape(label)}</title></circle>')
    parts.append(f'<text x="{LEFT}" y="{H - 6}" fill="{PASS_COLOUR}">&#9679; pass rate</text>')
    parts.append(f'<text x="{LEFT + 130}" y="{H - 6}" fill="{DEPTH_COLOUR}">&#9679; hips back '
                 '(leg lengths)</text>')
    parts.append("</svg>")
    return "".join(parts)
