"""Every stand-in for the real world, for the demo, the tests and `--simulate`.

The simulated athlete (`athlete`, `body`) seen by a simulated camera (`camera`) on a band
(`session` runs a whole set, `player` plays it live); the pin-level HX711 (`hx711_emulator`)
and the load cells on it (`load_cell`).
"""
