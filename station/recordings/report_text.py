"""The coach's report as text for a terminal: one line a rep, then the totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from station.coach.analyze import Report

if TYPE_CHECKING:
    from station.sim.athlete import RepTruth


def report_lines(report: Report, truth: tuple[RepTruth, ...] | None = None) -> list[str]:
    """One line per rep (verdict, faults, cue, buzz times), and a summary line."""
    lines = []
    side = report.side.value if report.side else "unknown"
    lines.append(f"Athlete faces {side}.")
    for i, rep in enumerate(report.reps):
        verdict = "PASS" if rep.passed else "FAIL"
        faults = ", ".join(f.value for f in rep.faults) or "-"
        buzzes = [b for b in report.buzzes if b.index == rep.index]
        buzz = " ".join(f"{b.t:.2f}s" for b in buzzes) or "-"
        line = (f"rep {rep.index:>2}  {rep.start:7.2f}-{rep.end:7.2f} s  {verdict}  "
                f"{faults:<28} buzz {buzz:<14} \"{rep.cue}\"")
        if truth is not None and i < len(truth):
            real = ", ".join(f.value for f in truth[i].faults) or "clean"
            line += f"  [simulated: {truth[i].kind.value}: {real}]"
        lines.append(line)
    lines.append(f"{len(report.reps)} reps: {report.passed} passed, "
                 f"{len(report.reps) - report.passed} failed.")
    return lines
