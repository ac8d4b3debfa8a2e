"""Band tension from the HX711 load cell, in layers.

`hx711` is the chip driver (bit-banged over two GPIO pins); `reader` the process that reads
it; `filter` the pure step from readings to samples in newtons with their health; `sensor`
the live sensor that polls the reader through the filter; `replay` the same samples from a
recorded CSV; `source` what the station needs of either; `calibration` the file that turns
counts into newtons, and `calibrate` the guided flow that writes it.
"""
