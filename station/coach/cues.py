"""The one cue a coach says for each fault, and which fault speaks first when there are several."""

from __future__ import annotations

from station.domain import Fault

PASS_CUE = "Good hinge. Same again."

CUES: dict[Fault, str] = {
    Fault.HIPS_STOPPED: "Push your hips back, not down",
    Fault.KNEE_BEND: "Less knee bend: keep your shins vertical",
    Fault.STICK_CONTACT: "Keep head, back and tailbone on the stick",
    Fault.BAND_SLACK: "Step away until the band pulls",
    Fault.SHALLOW: "Reach your hips further back",
}

# The fault whose cue is shown when a rep has several: the root cause first. A squat shows
# both hips_stopped and knee_bend; "hips back" fixes both.
PRIORITY: tuple[Fault, ...] = (
    Fault.HIPS_STOPPED,
    Fault.KNEE_BEND,
    Fault.STICK_CONTACT,
    Fault.BAND_SLACK,
    Fault.SHALLOW,
)


def main_fault(faults: tuple[Fault, ...] | list[Fault]) -> Fault | None:
    """The fault to talk about first, or None for a clean rep."""
    return next((f for f in PRIORITY if f in faults), None)


def cue_for(faults: tuple[Fault, ...] | list[Fault]) -> str:
    """The single cue for a rep with these faults."""
    fault = main_fault(faults)
    return PASS_CUE if fault is None else CUES[fault]
