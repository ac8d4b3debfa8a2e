"""An athlete's chart: the days under it stand apart, the newest always among them."""

from __future__ import annotations

import re
from datetime import date, timedelta

from station.web.chart import DEPTH_COLOUR, LABEL_GAP, PASS_COLOUR, history_svg


def sessions(n: int) -> list[dict]:
    first = date(2026, 11, 1)
    return [{"day": (first + timedelta(days=i)).isoformat(), "pass_rate": 0.5,
             "hip_travel": 0.3} for i in range(n)]


def day_labels(svg: str) -> list[tuple[float, str]]:
    return [(float(x), day) for x, day in
            re.findall(r'<text class="day" x="([0-9.]+)"[^>]*>([^<]*)</text>', svg)]


def test_the_days_under_the_chart_never_crowd_each_other():
    for n in range(2, 61):
        labels = day_labels(history_svg(sessions(n)))
        xs = [x for x, _ in labels]
        gaps = {round(b - a, 1) for a, b in zip(xs, xs[1:], strict=False)}
        assert 2 <= len(labels) <= 5, n
        assert min(gaps) >= LABEL_GAP and len(gaps) <= 2, (n, labels)  # even, bar rounding
        assert labels[-1][1] == sessions(n)[-1]["day"][5:], n  # the newest is named


def test_eighteen_sessions_the_audits_case():
    """18 days used to be labelled 0, 4, 8, 12, 16 and 17: "12-04" over "12-05"."""
    labels = day_labels(history_svg(sessions(18)))
    assert labels == [(95.8, "11-03"), (205.2, "11-08"), (314.6, "11-13"), (424.0, "11-18")]
    assert [d for _, d in day_labels(history_svg(sessions(1)))] == ["11-01"]
    assert day_labels(history_svg([])) == []


def scale_texts(svg: str, colour: str) -> list[str]:
    """The figures of the scale drawn in `colour` (not its legend, "&#9679; ...")."""
    return [t for t in re.findall(rf'<text x="[0-9.]+" y="[0-9.]+"(?: text-anchor="end")? '
                      rf'fill="{colour}">([^<]*)</text>', svg)
            if not t.startswith("&")]


def test_a_chart_without_sessions_or_depths_draws_no_scale_for_them():
    """No sessions: the chart's scales read 0%..100% and 0.00..0.50 over nothing."""
    full = history_svg(sessions(3))
    assert scale_texts(full, PASS_COLOUR) == ["0%", "25%", "50%", "75%", "100%"]
    assert scale_texts(full, DEPTH_COLOUR) == ["0.00", "0.12", "0.25", "0.38", "0.50"]
    empty = history_svg([])
    assert scale_texts(empty, PASS_COLOUR) == [] and scale_texts(empty, DEPTH_COLOUR) == []
    assert ">no sessions yet</text>" in empty
    no_depth = history_svg([dict(s, hip_travel=None) for s in sessions(3)])
    assert scale_texts(no_depth, PASS_COLOUR) == ["0%", "25%", "50%", "75%", "100%"]
    assert scale_texts(no_depth, DEPTH_COLOUR) == []
