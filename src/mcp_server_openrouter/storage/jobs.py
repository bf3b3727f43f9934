"""The in-process job store: a dict in insertion (creation) order.

Jobs live as long as the server process, like the tasks running them; a store shared by
several replicas (PostgreSQL, Redis) implements the same `JobStore` protocol.
"""

from __future__ import annotations

import dataclasses

from mcp_server_openrouter.storage import JobRecord


class MemoryJobStore:
    """Job records kept in memory; each read returns a copy, so callers cannot change the store."""

    def __init__(self) -> None:
        self._records: dict[str, JobRecord] = {}

    async def save(self, record: JobRecord) -> None:
        self._records[record.job_id] = dataclasses.replace(record)

    async def get(self, job_id: str) -> JobRecord | None:
        record = self._records.get(job_id)
        return None if record is None else dataclasses.replace(record)

    async def recent(self, limit: int) -> list[JobRecord]:
        newest = sorted(self._records.values(), key=lambda r: r.created_at, reverse=True)
        return [dataclasses.replace(record) for record in newest[:limit]]

    async def forget(self, job_ids: list[str]) -> None:
        for job_id in job_ids:
            self._records.pop(job_id, None)
