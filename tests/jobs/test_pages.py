"""Pages of long replies: each within the budget, and joined, exactly the reply."""

from __future__ import annotations

import pytest

from mcp_server_openrouter.jobs import page_chars, split_pages

TEXTS = [
    "",
    "short",
    "x" * 1000,  # no place to cut: exact cuts
    "\n".join(f"line {i}: " + "word " * (i % 17) for i in range(400)),
    " ".join(f"wörd{i}✓" for i in range(2000)),
    "a\n" * 900,
]


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
@pytest.mark.parametrize("size", [1, 7, 100, 997])
def test_pages_joined_are_the_exact_text_and_none_is_over_the_size(text: str, size: int) -> None:
    pages = split_pages(text, size)
    assert "".join(pages) == text
    assert all(len(page) <= size for page in pages)
    assert all(pages) or pages == [""]


def test_a_page_ends_at_a_line_break_near_its_end_when_there_is_one() -> None:
    text = "\n".join("0123456789" * 8 for _ in range(10))  # lines of 80 characters
    pages = split_pages(text, 200)
    assert all(page.endswith("\n") for page in pages[:-1])
    assert len(pages[0]) == 162  # two whole lines, the break kept with them


def test_a_page_without_line_breaks_near_its_end_ends_after_a_space() -> None:
    pages = split_pages("alpha beta gamma delta", 12)
    assert pages[0] == "alpha beta "


def test_the_page_size_leaves_room_for_the_footer_within_the_token_budget() -> None:
    assert page_chars(20_000) == 20_000 * 4 - 400
    assert page_chars(1000) == 3600
