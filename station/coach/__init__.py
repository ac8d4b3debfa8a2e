"""The coach: hinge analysis. Pure computation: samples in, events out; no I/O, no clock."""

from station.coach.analyze import Report, analyze
from station.coach.coach import Coach, CoachSnapshot

__all__ = ["Coach", "CoachSnapshot", "Report", "analyze"]
