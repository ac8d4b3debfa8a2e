"""The station's devices: camera sources, buzzer, button, and opening GPIO where there is none.

The load cell's chip lives with the band tension, in `station.tension`.
"""
