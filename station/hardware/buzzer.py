"""The buzzer: a sharp triple beep the moment a live fault is seen, a soft blip for a pass.

`PatternPlayer` plays short patterns on a gpiozero `TonalBuzzer` (a passive buzzer: real
notes) or `Buzzer` (an active one: one fixed tone, so patterns differ by rhythm) in its own
thread, so the caller never waits. `AlertBuzzer` decides when to sound: once per fault event,
never twice for the same fault in the same rep, never over a fault pattern still playing, and
not at all when muted.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from station.config import BuzzerConfig
from station.domain import Event, Fault, FaultDetected, RepScored
from station.hardware.gpio import open_gpio


@dataclass(frozen=True)
class Note:
    """One step of a pattern: a tone in hertz (None: silence) held for `seconds`."""

    hz: float | None
    seconds: float


Pattern = tuple[Note, ...]

# Three sharp beeps at the top of the buzzer's range: unmistakably "stop, fix it".
FAULT_PATTERN: Pattern = (Note(880.0, 0.12), Note(None, 0.06), Note(880.0, 0.12),
                          Note(None, 0.06), Note(880.0, 0.12))
# One short low blip: "good", without competing with the coach's voice.
PASS_PATTERN: Pattern = (Note(330.0, 0.07),)


def pattern_seconds(pattern: Pattern) -> float:
    """How long a pattern sounds, silences included."""
    return sum(n.seconds for n in pattern)


class PatternPlayer:
    """Plays patterns on a gpiozero buzzer from a background thread.

    `play` returns at once; a new pattern cuts the one playing short. `tonal` says whether
    the device is a TonalBuzzer (it gets `play(hz)`) or a plain Buzzer (`on()` / `off()`).
    """

    def __init__(self, device, tonal: bool) -> None:
        self.device = device
        self.tonal = tonal
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pattern: Pattern | None = None
        self._closed = False
        self.busy = False  # a pattern is playing (read by AlertBuzzer; a plain bool is atomic)
        self._thread = threading.Thread(target=self._run, name="buzzer", daemon=True)
        self._thread.start()

    def play(self, pattern: Pattern) -> None:
        with self._lock:
            self._pattern = pattern
            self.busy = True
        self._wake.set()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=1.0)
        self._silence()
        self.device.close()

    def _silence(self) -> None:
        if self.tonal:
            self.device.stop()
        else:
            self.device.off()

    def _sound(self, hz: float) -> None:
        if self.tonal:
            self.device.play(hz)
        else:
            self.device.on()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait()
            with self._lock:
                pattern, self._pattern = self._pattern, None
                self._wake.clear()
            if pattern is None:
                continue
            for note in pattern:
                if note.hz is None:
                    self._silence()
                else:
                    self._sound(note.hz)
                if self._wake.wait(note.seconds):  # a new pattern (or close) cuts this short
                    break
            self._silence()
            with self._lock:
                self.busy = self._pattern is not None


def open_buzzer(config: BuzzerConfig, pin_factory=None) -> tuple[PatternPlayer | None, str]:
    """The configured buzzer's player, or None and the reason it could not be opened."""
    from gpiozero import Buzzer, TonalBuzzer

    if config.kind == "tonal":
        device, reason = open_gpio(lambda: TonalBuzzer(config.pin, mid_tone="A4", octaves=1,
                                                       pin_factory=pin_factory))
    else:
        device, reason = open_gpio(lambda: Buzzer(config.pin, pin_factory=pin_factory))
    if device is None:
        return None, reason
    return PatternPlayer(device, tonal=config.kind == "tonal"), ""


class AlertBuzzer:
    """Turns coach events into at most one buzz per fault event.

    A live FaultDetected sounds the fault pattern unless this rep already buzzed for that
    fault, or a fault pattern is still sounding (a squat raises hips_stopped and knee_bend
    within a few frames: one alert, not a siren). A passed rep gets the soft blip.
    """

    def __init__(self, player: PatternPlayer | None, muted: bool = False,
                 reason: str = "") -> None:
        self.player = player
        self.muted = muted
        self.reason = reason if player is None else ""
        self._alerted: set[tuple[int, Fault]] = set()
        self._last: Pattern | None = None
        self.alerts = 0  # fault alerts sounded (for the log and the tests)

    @classmethod
    def from_config(cls, config: BuzzerConfig, pin_factory=None) -> AlertBuzzer:
        player, reason = open_buzzer(config, pin_factory)
        return cls(player, config.muted, reason)

    @property
    def ok(self) -> bool:
        return self.player is not None

    def on_event(self, event: Event) -> bool:
        """Sound for this event if it calls for it; True when something was played."""
        if isinstance(event, FaultDetected) and event.live:
            key = (event.index, event.fault)
            if key in self._alerted:
                return False
            self._alerted.add(key)
            if self.player is not None and self.player.busy and self._last is FAULT_PATTERN:
                return False  # the athlete is hearing a fault right now (a pass blip is cut)
            played = self._play(FAULT_PATTERN)
            self.alerts += played
            return played
        if isinstance(event, RepScored) and event.rep.passed:
            return self._play(PASS_PATTERN)
        return False

    def reset(self) -> None:
        """A new set: forget which faults already buzzed."""
        self._alerted.clear()

    def _play(self, pattern: Pattern) -> bool:
        if self.muted or self.player is None:
            return False
        self.player.play(pattern)
        self._last = pattern
        return True

    def close(self) -> None:
        if self.player is not None:
            self.player.close()
