"""The coach's report as text for a terminal: one line a rep, then the totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from station.coach.analyze import Report
from station.coach.view import MESSAGES, REASONS, ViewProblem

if TYPE_CHECKING:
    from station.sim.athlete import RepTruth


def report_lines(report: Report, truth: tuple[RepTruth, ...] | None = None) -> list[str]:
    """The camera's view and the stretches it could not judge, one line per rep (verdict,
    faults or why there is none, cue, buzz times), and a summary line."""
    lines = [_facing(report)]
    if report.angle_deg is not None:
        lines.append(f"Camera: {report.angle_deg:.0f} degrees off side-on.")
    for stretch in report.stretches:
        lines.append(f"No verdict {stretch.start:.2f}-{stretch.end:.2f} s: "
                     f"{REASONS[stretch.problem]} (\"{MESSAGES[stretch.problem]}\")")
    for i, rep in enumerate(report.reps):
        verdict = ("PASS" if rep.passed else "FAIL") if rep.judged else "NO VERDICT"
        faults = (", ".join(f.value for f in rep.faults) or "-") if rep.judged else (
            ("partial: " if rep.partial else "") + rep.reason)
        buzzes = [b for b in report.buzzes if b.index == rep.index]
        buzz = " ".join(f"{b.t:.2f}s" for b in buzzes) or "-"
        line = (f"rep {rep.index:>2}  {rep.start:7.2f}-{rep.end:7.2f} s  {verdict}  "
                f"{faults:<28} buzz {buzz:<14} \"{rep.cue}\"")
        if truth is not None and i < len(truth):
            real = ", ".join(f.value for f in truth[i].faults) or "clean"
            line += f"  [simulated: {truth[i].kind.value}: {real}]"
        lines.append(line)
    tail = f", {report.not_judged} without a verdict" if report.not_judged else ""
    lines.append(f"{len(report.reps)} reps: {report.passed} passed, {report.failed} failed"
                 f"{tail}.")
    return lines


def _facing(report: Report) -> str:
    """Which way the athlete faces, or why no side can be named."""
    if report.side is not None:
        return f"Athlete faces {report.side.value}."
    if report.angle_deg is None:
        return f"Athlete not seen: {MESSAGES[ViewProblem.NOBODY].lower()}."
    seen = f"from the {report.seen_from}" if report.seen_from else "from the front or back"
    return (f"Camera sees the athlete {seen}, not side-on: "
            f"{MESSAGES[ViewProblem.NOT_SIDE_ON].lower()}.")
