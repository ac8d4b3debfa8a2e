"""Measurements of the station on this machine: accuracy, latency bound, cost and soak.

Each module runs from the checkout's root as `.venv/bin/python -m bench.<name>`; what they
measure and the figures they give are in docs/accuracy.md and docs/latency.md.
"""
