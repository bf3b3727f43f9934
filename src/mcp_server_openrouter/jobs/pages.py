"""Long replies in pages: no tool answer passes the output budget, and nothing is cut off.

A page ends at a line break in its last fifth if there is one, else at a space there, else
exactly at the budget; the pages joined give back the exact text.
"""

from __future__ import annotations

CHARS_PER_TOKEN = 4
"""The usual estimate for English text; the budget is in tokens, pages are cut in characters."""

# Room left in each answer for the footer and the page notice.
_RESERVED_CHARS = 400


def page_chars(max_output_tokens: int) -> int:
    """Characters of reply text one answer may carry under a budget of `max_output_tokens`."""
    return max(max_output_tokens * CHARS_PER_TOKEN - _RESERVED_CHARS, 1000)


def split_pages(text: str, size: int) -> list[str]:
    """`text` in pages of at most `size` characters; `"".join(pages) == text`, always one page at least."""
    pages: list[str] = []
    start = 0
    while len(text) - start > size:
        end = _cut(text, start, start + size)
        pages.append(text[start:end])
        start = end
    pages.append(text[start:])
    return pages


def _cut(text: str, start: int, limit: int) -> int:
    """Where a page starting at `start` should end, at most at `limit`."""
    floor = limit - (limit - start) // 5
    for separator in ("\n", " "):
        found = text.rfind(separator, floor, limit)
        if found != -1:
            return found + 1  # the separator stays with the page it ends
    return limit
