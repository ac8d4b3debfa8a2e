"""Opening a gpiozero device where there may be no GPIO at all (a laptop, CI, a broken pin).

The station keeps running without a buzzer or a button; their badge says why in a few words.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def open_gpio(make: Callable[[], T]) -> tuple[T | None, str]:
    """`make()` a gpiozero device; on failure, None and the reason ("no GPIO", ...)."""
    from gpiozero import GPIOZeroError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # gpiozero warns on each pin factory it tries
            return make(), ""
    except (GPIOZeroError, OSError, RuntimeError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, "no GPIO" if "pin factory" in text.lower() else text[:40]
