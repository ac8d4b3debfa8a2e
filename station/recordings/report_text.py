"""The coach's report as text for a terminal: one line a rep, then the totals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from station.coach.analyze import Report
from station.coach.view import MESSAGES, REASONS, ViewProblem
from station.domain import FaultDetected, RepResult

if TYPE_CHECKING:
    from station.sim.athlete import RepTruth

# The narrowest the faults and buzz columns are (a wider entry widens its column on every
# line, so the columns stay aligned).
_FAULTS_WIDTH = 28
_BUZZ_WIDTH = 14


def report_lines(report: Report, truth: tuple[RepTruth, ...] | None = None, *,
                 band_checked: bool) -> list[str]:
    """The camera's view, whether the band was checked (`band_checked`: a tension stream was
    coached beside the pose), the stretches the coach could not judge, one line per rep
    (verdict, faults, buzz times, cue; a rep without a verdict says why after its cue),
    the buzzes of a movement never counted as a rep, and a summary line.

    The buzzes are those the station sounds live, before a rep's verdict: a rep without a
    verdict may have them, and as it lists no faults each of its buzzes names its fault."""
    lines = [_facing(report)]
    if report.angle_deg is not None:
        degrees = round(report.angle_deg)
        lines.append(f"Camera: {degrees} degree{'' if degrees == 1 else 's'} off side-on.")
    if not band_checked:
        lines.append("Band: not checked (no --tension), so band_slack is never called.")
    for stretch in report.stretches:
        lines.append(f"No verdict {stretch.start:.2f}-{stretch.end:.2f} s: "
                     f"{REASONS[stretch.problem]} (\"{MESSAGES[stretch.problem]}\")")
    rows = [_row(rep, [b for b in report.buzzes if b.index == rep.index])
            for rep in report.reps]
    verdict_w = max((len(r[0]) for r in rows), default=0)
    faults_w = max([_FAULTS_WIDTH, *(len(r[1]) for r in rows)])
    buzz_w = max([_BUZZ_WIDTH, *(len(r[2]) for r in rows)])
    for i, (rep, (verdict, faults, buzz)) in enumerate(zip(report.reps, rows, strict=True)):
        line = (f"rep {rep.index:>2}  {rep.start:7.2f}-{rep.end:7.2f} s  {verdict:<{verdict_w}}  "
                f"{faults:<{faults_w}} buzz {buzz:<{buzz_w}} \"{rep.cue}\"")
        if not rep.judged:
            line += f"  ({'partial: ' if rep.partial else ''}{rep.reason})"
        if truth is not None and i < len(truth):
            real = ", ".join(f.value for f in truth[i].faults) or "clean"
            line += f"  [simulated: {truth[i].kind.value}: {real}]"
        lines.append(line)
    counted = {rep.index for rep in report.reps}
    uncounted = [b for b in report.buzzes if b.index not in counted]
    if uncounted:
        lines.append(f"Buzz {_buzzes(uncounted, named=True)}: in a movement not counted as "
                     "a rep.")
    tail = f", {report.not_judged} without a verdict" if report.not_judged else ""
    reps = len(report.reps)
    lines.append(f"{reps} rep{'' if reps == 1 else 's'}: {report.passed} passed, "
                 f"{report.failed} failed{tail}.")
    return lines


def _row(rep: RepResult, buzzes: Sequence[FaultDetected]) -> tuple[str, str, str]:
    """A rep's verdict, faults and buzzes, each as its column shows it."""
    if not rep.judged:
        return "NO VERDICT", "-", _buzzes(buzzes, named=True)
    return ("PASS" if rep.passed else "FAIL", ", ".join(f.value for f in rep.faults) or "-",
            _buzzes(buzzes, named=False))


def _buzzes(buzzes: Sequence[FaultDetected], *, named: bool) -> str:
    """Buzz times ("20.60s 21.17s"), each with its fault when `named` ("0.73s knee_bend");
    "-" for none."""
    return " ".join(f"{b.t:.2f}s" + (f" {b.fault.value}" if named else "")
                    for b in buzzes) or "-"


def _facing(report: Report) -> str:
    """Which way the athlete faces, or why no side can be named."""
    if report.side is not None:
        return f"Athlete faces {report.side.value}."
    if report.angle_deg is None:
        return f"Athlete not seen: {MESSAGES[ViewProblem.NOBODY].lower()}."
    seen = f"from the {report.seen_from}" if report.seen_from else "from the front or back"
    return (f"Camera sees the athlete {seen}, not side-on: "
            f"{MESSAGES[ViewProblem.NOT_SIDE_ON].lower()}.")
