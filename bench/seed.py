"""A database at national size, written with bulk inserts: 32 provinces, their members (a few
secretaries each), clusters, tasks with one or two assignees, and applicants to approve."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.domain.agencies import AGENCIES
from bot.domain.working_groups import PROVINCES
from bot.storage import db
from bot.storage.models import (
    ClusterRow,
    MemberRow,
    TaskAssigneeRow,
    TaskRow,
    WorkingGroupRow,
)

MEMBER_USER_IDS = 10_000_000
APPLICANT_USER_IDS = 20_000_000
SECRETARIES_PER_GROUP = 5
CHUNK = 5_000
# Tasks generated before they are written: a million at once would sit in memory for nothing.
SEED_BATCH = 50_000


@dataclass
class Seeded:
    """Who is who in the seeded database, for the scenarios."""

    members: list[tuple[int, int, str]] = field(default_factory=list)  # (user id, member id, group)
    secretaries: list[tuple[int, str]] = field(default_factory=list)  # (user id, group)
    applicants: list[tuple[int, str]] = field(default_factory=list)  # (member id, group)
    applicant_users: list[int] = field(default_factory=list)
    task_of_group: dict[str, list[int]] = field(default_factory=dict)
    tasks: int = 0


async def reset(url: str) -> None:
    """An empty database: the SQLite file removed, or PostgreSQL's public schema recreated."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        import pathlib

        for suffix in ("", "-wal", "-shm", "-journal"):
            pathlib.Path(path + suffix).unlink(missing_ok=True)
        return
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _bulk(engine: AsyncEngine, table: type, rows: list[dict]) -> None:
    """Rows in chunks: COPY on PostgreSQL (a million tasks in seconds, where even batched
    INSERTs take minutes), the driver's executemany on SQLite."""
    if not rows:
        return
    name = table.__tablename__  # type: ignore[attr-defined]
    columns = list(rows[0])
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        async with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                raw = await connection.get_raw_connection()
                await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                    name, records=[tuple(row[c] for c in columns) for row in part], columns=columns
                )
            else:
                await connection.execute(insert(table), part)


async def seed(
    url: str,
    *,
    members: int,
    clusters: int,
    tasks: int,
    applicants: int,
    today: datetime.date,
    now: datetime.datetime,
) -> Seeded:
    await reset(url)
    engine = db.create_engine(url)
    try:
        await db.upgrade(engine)
        await db.sync_shipped_templates(engine)
        async with engine.connect() as connection:
            groups = dict(
                (await connection.execute(select(WorkingGroupRow.code, WorkingGroupRow.id))).all()
            )
        rng = random.Random(9)
        seeded = Seeded()
        member_rows = []
        for i in range(members):
            group = PROVINCES[i % len(PROVINCES)]
            secretary = i < SECRETARIES_PER_GROUP * len(PROVINCES)
            member_rows.append(
                {
                    "id": i + 1,
                    "platform": "telegram",
                    "user_id": MEMBER_USER_IDS + i,
                    "username": f"m{i}",
                    "full_name": f"عضو شماره {i}",
                    "agency_code": AGENCIES[i % len(AGENCIES)],
                    "working_group_id": groups[group],
                    "locale": "fa",
                    "role": "secretary" if secretary else "member",
                    "status": "approved",
                    "applied_at": now,
                    "decided_at": now,
                }
            )
            seeded.members.append((MEMBER_USER_IDS + i, i + 1, group))
            if secretary:
                seeded.secretaries.append((MEMBER_USER_IDS + i, group))
        for j in range(applicants):
            group = PROVINCES[j % len(PROVINCES)]
            member_rows.append(
                {
                    "id": members + j + 1,
                    "platform": "telegram",
                    "user_id": APPLICANT_USER_IDS + j,
                    "username": f"a{j}",
                    "full_name": f"متقاضی شماره {j}",
                    "agency_code": AGENCIES[j % len(AGENCIES)],
                    "working_group_id": groups[group],
                    "locale": "fa",
                    "role": "member",
                    "status": "pending",
                    "applied_at": now,
                    "decided_at": None,
                }
            )
            seeded.applicants.append((members + j + 1, group))
            seeded.applicant_users.append(APPLICANT_USER_IDS + j)
        await _bulk(engine, MemberRow, member_rows)

        by_group: dict[str, list[int]] = {}
        for _, member_id, group in seeded.members:
            by_group.setdefault(group, []).append(member_id)
        cluster_rows = []
        cluster_group: list[str] = []
        for c in range(clusters):
            group = PROVINCES[c % len(PROVINCES)]
            cluster_rows.append(
                {
                    "id": c + 1,
                    "name": f"خوشه {c}",
                    "working_group_id": groups[group],
                    "product": "محصول",
                    "sector": "صنعت",
                    "firm_count": 50,
                    "stage": "identified",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            cluster_group.append(group)
        await _bulk(engine, ClusterRow, cluster_rows)

        statuses = ("todo", "todo", "in_progress", "blocked", "done")
        task_rows, assignee_rows = [], []
        for t in range(tasks):
            cluster = t % clusters
            group = cluster_group[cluster]
            status = statuses[t % len(statuses)]
            task_rows.append(
                {
                    "id": t + 1,
                    "title": f"وظیفه شماره {t}",
                    "cluster_id": cluster + 1,
                    "due_on": today + datetime.timedelta(days=rng.randint(-60, 90)),
                    "status": status,
                    "needs_assignee": False,
                    "created_at": now,
                    "created_by_user_id": MEMBER_USER_IDS,
                    "version": 1,
                }
            )
            people = by_group[group]
            for member_id in rng.sample(people, 2 if t % 3 == 0 else 1):
                assignee_rows.append(
                    {
                        "task_id": t + 1,
                        "member_id": member_id,
                        "agency_code": AGENCIES[member_id % len(AGENCIES)],
                        "status": status,
                        "progress": 0,
                        "updated_at": now,
                    }
                )
            seeded.task_of_group.setdefault(group, []).append(t + 1)
            if len(task_rows) >= SEED_BATCH:
                await _bulk(engine, TaskRow, task_rows)
                await _bulk(engine, TaskAssigneeRow, assignee_rows)
                task_rows, assignee_rows = [], []
        await _bulk(engine, TaskRow, task_rows)
        await _bulk(engine, TaskAssigneeRow, assignee_rows)
        seeded.tasks = tasks
        if url.startswith("postgresql"):
            # Explicit ids were inserted: move the sequences past them.
            async with engine.begin() as connection:
                for table in ("members", "clusters", "tasks", "task_assignees"):
                    await connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                        )
                    )
            # Committed: ANALYZE inside a transaction that is rolled back leaves the planner
            # without statistics (and every member's /tasks a sequential scan of all tasks).
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
        return seeded
    finally:
        await engine.dispose()
