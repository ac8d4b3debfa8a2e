"""The kiosk: the pygame screens a class reads from three metres."""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
