"""The load cell's own noise and drift, as the simulator makes them, from published figures.

- The HX711's input noise is 90 nV rms at gain 128 and 80 samples a second (its datasheet;
  50 nV at 10 a second).
- A 5-50 kg bar load cell puts out 1.0 +- 0.15 mV per volt of excitation at its capacity (the
  common aluminium bar cells sold with the HX711 board), and the board fed from the Pi's 3.3 V
  puts about 3 V across it (2.9 V measured in hackaday.io project 182680). The band pulls
  60-250 N, so the station wants a 20-50 kg cell: 15.7-6.1 uV a newton, and the datasheet's
  noise is 0.006-0.015 N.
- Boards read noisier than the datasheet: two to five times, on published measurements of
  bar cells (an Arduino forum test of two boards over 10,000 readings: 14-15 noise-free bits
  with a load cell on; a 24-hour log of a cheap board: about 350 counts peak to peak a minute;
  hackaday.io 182680: +-10 g on 50 kg cells). So the simulator draws each set's noise from
  0.012 to 0.074 N rms (two to five times the datasheet's on a 20 to 50 kg cell), white from
  one reading to the next.
- Drift: a cell's creep is specified near 0.03% of its rated output over 30 minutes under load
  (0.15 N on a 50 kg cell); a cell warming by a degree or two over a set moves its zero by
  about as much again. Over a set of a minute or two that is hundredths of a newton: each set
  drifts linearly by up to 0.01 N a minute either way.
- Spikes: a cheap board now and then hands over a reading far off (the same 24-hour log: a
  few an hour, more on a busy host); the simulator keeps its 0.2% of readings 50-200 N off.

Everything else that shakes a band besides the hips (the athlete's sway, the band's own
flutter) is unmeasured: the simulator's `Scenario.tension_noise_n`, 0 unless asked for
(`Scenario.random(shake=...)`; 0.2-1.0 N at `shake=1`, the guess the bench used before).
"""

from __future__ import annotations

import math

import numpy as np

#: The HX711's input noise (volts rms) at gain 128 and 80 samples a second (datasheet).
HX711_NOISE_V = 90e-9
#: A bar load cell's rated output at capacity (volts per volt of excitation).
RATED_OUTPUT_V_PER_V = 1.0e-3
#: Volts across the cell from an HX711 board on the Pi's 3.3 V.
EXCITATION_V = 3.0
#: How many times the datasheet's noise boards read, on published measurements.
MEASURED_OVER_DATASHEET = (2.0, 5.0)
#: The capacities of cell that hold a band's pull (kg).
CAPACITY_KG = (20.0, 50.0)
#: The most a cell drifts in a minute (N), either way.
DRIFT_N_PER_MIN = 0.01
_G = 9.80665


def datasheet_noise_n(capacity_kg: float) -> float:
    """The HX711's datasheet noise in newtons on a bar cell of this capacity."""
    volts_per_newton = RATED_OUTPUT_V_PER_V * EXCITATION_V / (capacity_kg * _G)
    return HX711_NOISE_V / volts_per_newton


def noise_range_n() -> tuple[float, float]:
    """The range of load-cell noise (N rms) the simulator draws from."""
    lo = MEASURED_OVER_DATASHEET[0] * datasheet_noise_n(CAPACITY_KG[0])
    hi = MEASURED_OVER_DATASHEET[1] * datasheet_noise_n(CAPACITY_KG[1])
    return lo, hi


def draw_load_cell(rng: np.random.Generator) -> tuple[float, float]:
    """A set's load cell: its noise (N rms, log-uniform over `noise_range_n`) and its drift
    (N a minute)."""
    lo, hi = noise_range_n()
    noise = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    return noise, rng.uniform(-DRIFT_N_PER_MIN, DRIFT_N_PER_MIN)


def load_cell_error(rng: np.random.Generator, t: np.ndarray, noise_n: float,
                    drift_n_per_min: float) -> np.ndarray:
    """What the load cell adds to the band's pull at times t (s): white noise and drift."""
    drift = drift_n_per_min * (t - (t[0] if len(t) else 0.0)) / 60.0
    return rng.normal(0.0, noise_n, len(t)) + drift
