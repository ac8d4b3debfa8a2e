"""Hinge Station: a Raspberry Pi appliance that teaches the hip hinge."""

__version__ = "0.1.0"
