"""A full-screen notice for when the station cannot coach at all: a broken settings file.

The station never leaves a coach facing a black screen. When `station run` cannot read its
settings it shows what is wrong and how to fix it, in type readable from a few metres, keeps
systemd's watchdog fed, and starts by itself once the file has been fixed.
"""

from __future__ import annotations

import pygame

BACKGROUND = (14, 18, 24)
TITLE = (255, 176, 0)
TEXT = (245, 245, 245)
DIM = (150, 160, 172)


def _wrap(font: pygame.font.Font, text: str, width: int) -> list[str]:
    """Greedy word wrap; a word wider than the line (a long path) is cut at characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if font.size(candidate)[0] <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while font.size(word)[0] > width and len(word) > 1:
            cut = len(word)
            while cut > 1 and font.size(word[:cut])[0] > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def draw_notice(target: pygame.Surface, title: str, message: str, fix: str) -> None:
    """Draw the notice: the title large, the problem below it, the fix at the bottom."""
    if not pygame.font.get_init():
        pygame.font.init()
    w, h = target.get_size()
    margin = max(12, w // 25)
    width = w - 2 * margin
    target.fill(BACKGROUND)
    y = margin
    for text, size, colour in ((title, h // 9, TITLE), (message, h // 16, TEXT),
                               (fix, h // 16, DIM)):
        font = pygame.font.Font(None, max(12, size))
        for line in _wrap(font, text, width):
            target.blit(font.render(line, True, colour), (margin, y))
            y += font.get_linesize()
        y += h // 20
