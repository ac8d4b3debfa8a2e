"""The coach: hinge analysis. Pure computation: samples in, events out; no I/O, no clock."""

from station.coach.analyze import Report, analyze, merged
from station.coach.coach import Coach, CoachSnapshot
from station.coach.tuning import Tuning

__all__ = ["Coach", "CoachSnapshot", "Report", "Tuning", "analyze", "merged"]
