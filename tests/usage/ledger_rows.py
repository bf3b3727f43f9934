"""Reading a ledger file back in tests: every row, as the ledger would return it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mcp_server_openrouter.storage import UsageRow
from mcp_server_openrouter.storage.ledger import COLUMNS, row_of


def rows_in(path: Path) -> list[UsageRow]:
    with sqlite3.connect(path) as db:
        return [row_of(values) for values in db.execute(f"SELECT id, {', '.join(COLUMNS)} FROM usage ORDER BY id")]
