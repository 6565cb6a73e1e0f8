"""Benchmark of the reports: 1,000 clusters and 100,000 tasks, then the country's text report,
the charts and the workbook, timed, with peak memory.

    .venv/bin/python -m bench.reports [--database-url URL] [--clusters N] [--tasks N]

Not a test: it prints its figures and writes them to bench/results/reports.json. Targets
(issue 11): the text report under 2 s, the workbook under 10 s, memory under 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from bot.config import Platform, async_database_url
from bot.domain.clusters import ClusterStage
from bot.domain.monitoring import KPI_FIELDS
from bot.domain.reports import Preset, preset_period
from bot.domain.working_groups import PROVINCES
from bot.i18n import Catalogs
from bot.services import reports as service
from bot.storage import db
from bot.storage.models import (
    ClusterRow,
    KpiReportRow,
    KpiTargetRow,
    MemberRow,
    SubmissionEventRow,
    SubmissionRow,
    TaskAssigneeRow,
    TaskRow,
    WorkingGroupRow,
)
from bot.storage.uow import UnitOfWork
from bot.ui import charts, workbook
from bot.ui import reports as view

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
RESULTS = Path(__file__).with_name("results") / "reports.json"
BATCH = 5_000


async def seed(sessions, clusters: int, tasks: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(11)
    stages = [s.value for s in ClusterStage]
    async with sessions() as s:
        groups = {r.code: r.id for r in (await s.execute(select(WorkingGroupRow))).scalars()}
        members = [
            {
                "platform": "telegram",
                "user_id": 10_000 + i,
                "full_name": f"member {i}",
                "agency_code": rng.choice(["tpo", "banks", "chamber_commerce", "isipo"]),
                "working_group_id": groups[PROVINCES[i % len(PROVINCES)]],
                "locale": "fa",
                "role": "member",
                "status": "approved",
                "applied_at": NOW,
            }
            for i in range(len(PROVINCES) * 4)
        ]
        await s.execute(insert(MemberRow), members)
        member_ids = list((await s.execute(select(MemberRow.id))).scalars())
        rows = []
        for i in range(clusters):
            created = NOW - datetime.timedelta(days=rng.randint(0, 900))
            rows.append(
                {
                    "name": f"خوشه {i}",
                    "working_group_id": groups[PROVINCES[i % len(PROVINCES)]],
                    "product": "-",
                    "sector": "-",
                    "firm_count": rng.randint(10, 500),
                    "stage": rng.choice(stages),
                    "created_at": created,
                    "updated_at": created,
                }
            )
        await s.execute(insert(ClusterRow), rows)
        cluster_rows = (await s.execute(select(ClusterRow.id, ClusterRow.stage))).all()
        cluster_ids = [c for c, _ in cluster_rows]
        running = [
            c for c, stage in cluster_rows if stage == ClusterStage.DEVELOPMENT_RUNNING.value
        ]
        subs = []
        for c in cluster_ids:
            for kind, status in (
                ("feasibility_plan", rng.choice(["in_review", "approved", "returned"])),
                ("development_program", rng.choice(["in_review", "approved"])),
            ):
                opened = NOW - datetime.timedelta(days=rng.randint(0, 60))
                subs.append(
                    {
                        "kind": kind,
                        "cluster_id": c,
                        "author_member_id": member_ids[0],
                        "title": f"{kind} {c}",
                        "summary": "-",
                        "details": {},
                        "status": status,
                        "stage_index": rng.randint(0, 1),
                        "stage_opened_at": opened,
                        "created_at": opened,
                        "decided_at": opened if status == "approved" else None,
                        "duration_months": 24,
                        "version": 1,
                    }
                )
        await s.execute(insert(SubmissionRow), subs)
        sub_ids = list((await s.execute(select(SubmissionRow.id))).scalars())
        events = [
            {
                "submission_id": sid,
                "at": NOW - datetime.timedelta(days=rng.randint(0, 40)),
                "actor_user_id": 1,
                "actor_name": "دبیر",
                "action": rng.choice(["submitted", "advanced", "approved", "returned"]),
                "stage_index": 0,
                "comment": None,
            }
            for sid in sub_ids
            for _ in range(2)
        ]
        await s.execute(insert(SubmissionEventRow), events)
        statuses = ["todo", "in_progress", "blocked", "done", "cancelled"]
        for start in range(0, tasks, BATCH):
            batch = []
            for _ in range(min(BATCH, tasks - start)):
                due = NOW.date() + datetime.timedelta(days=rng.randint(-120, 120))
                batch.append(
                    {
                        "title": f"وظیفه {start}",
                        "cluster_id": rng.choice(cluster_ids),
                        "status": rng.choice(statuses),
                        "due_on": due,
                        "start_on": due - datetime.timedelta(days=30),
                        "created_at": NOW - datetime.timedelta(days=200),
                        "created_by_user_id": 1,
                        "needs_assignee": False,
                        "version": 1,
                    }
                )
            await s.execute(insert(TaskRow), batch)
        task_rows = (await s.execute(select(TaskRow.id, TaskRow.status))).all()
        for start in range(0, len(task_rows), BATCH):
            await s.execute(
                insert(TaskAssigneeRow),
                [
                    {
                        "task_id": tid,
                        "member_id": rng.choice(member_ids),
                        "agency_code": rng.choice(
                            ["tpo", "banks", "chamber_commerce", "isipo", None]
                        ),
                        "status": status if status != "cancelled" else "todo",
                        "progress": rng.choice([0, 25, 50, 100]),
                        "updated_at": NOW,
                    }
                    for tid, status in task_rows[start : start + BATCH]
                ],
            )
        reports = []
        for c in running:
            base = {f: rng.randint(50, 5_000) for f in KPI_FIELDS}
            for month in range(1, 10):
                reports.append(
                    {
                        "cluster_id": c,
                        "period": f"1405-{month:02d}",
                        **{f: v + month * rng.randint(0, 20) for f, v in base.items()},
                        "reported_by_member_id": member_ids[0],
                        "reported_at": NOW,
                    }
                )
        if reports:
            await s.execute(insert(KpiReportRow), reports)
        await s.execute(
            insert(KpiTargetRow),
            [
                {
                    "cluster_id": c,
                    "field": f,
                    "horizon": "end",
                    "value": 10_000,
                    "set_by_user_id": 1,
                    "set_at": NOW,
                }
                for c in running
                for f in KPI_FIELDS
            ],
        )
        await s.commit()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(label: str, results: dict, step):  # type: ignore[no-untyped-def]
    """Wall-clock and CPU seconds of one step, and the process's peak RSS so far. The seeding
    ran in another process, so the peak is the reports' own (plus the interpreter's)."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    value = await step()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    results[label] = {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "peak_rss_mb": round(rss_mb(), 1),
    }
    print(
        f"{label:<12} {seconds:8.3f} s wall {cpu_seconds:8.3f} s CPU   peak RSS {rss_mb():7.1f} MB"
    )
    return value


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--clusters", type=int, default=1_000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database_url is None:
        folder = tempfile.mkdtemp(prefix="bench-reports-")
        args.database_url = f"sqlite:///{folder}/bench.db"
    url = async_database_url(args.database_url)
    if not args.seed_only:
        # Seeding builds large lists; in its own process it does not inflate the peak below.
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.reports",
                "--seed-only",
                "--database-url",
                args.database_url,
                "--clusters",
                str(args.clusters),
                "--tasks",
                str(args.tasks),
            ],
            check=True,
        )
        print(
            f"seeded {args.clusters} clusters, {args.tasks} tasks "
            f"in {time.perf_counter() - started:.1f} s"
        )
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    if args.seed_only:
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text

            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        await db.upgrade(engine)
        await seed(sessions, args.clusters, args.tasks)
        await engine.dispose()
        return
    results: dict = {}
    t = Catalogs(Platform.TELEGRAM).translator("fa")
    period = preset_period(Preset.THIS_YEAR, NOW.date())

    async def text_report():  # type: ignore[no-untyped-def]
        async with UnitOfWork(sessions, "telegram") as uow:
            report = await service.status_report(uow, None, period, NOW)
            return report, view.status_text(t, report)

    report, messages = await measure("text report", results, text_report)

    async def kpis():  # type: ignore[no-untyped-def]
        async with UnitOfWork(sessions, "telegram") as uow:
            table = await service.kpi_table(uow, None, NOW)
            view.kpi_text(t, table)
            return table

    table = await measure("kpi table", results, kpis)

    async def draw():  # type: ignore[no-untyped-def]
        figures = [
            charts.funnel(t, report.total, "کل کشور"),
            charts.overdue_by_agency(t, report.total, "کل کشور"),
            charts.provinces(t, report),
        ]
        followed = [c for c in table.clusters if c.series]
        if followed:
            figures.append(charts.kpi_trend(t, followed[0], "employment"))
        return [charts.png(f) for f in figures if f is not None]

    images = await measure("charts", results, draw)

    async def book():  # type: ignore[no-untyped-def]
        async with UnitOfWork(sessions, "telegram") as uow:
            return await workbook.build_workbook(t, uow.reports, report, table, None)

    data = await measure("workbook", results, book)
    results["sizes"] = {
        "messages": len(messages),
        "charts": len(images),
        "workbook_bytes": len(data),
        "clusters": args.clusters,
        "tasks": args.tasks,
    }
    results["backend"] = engine.dialect.name
    results["machine"] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    await engine.dispose()
    RESULTS.parent.mkdir(exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous[results["backend"]] = results
    RESULTS.write_text(json.dumps(previous, indent=2, ensure_ascii=False) + "\n")
    print(f"workbook {len(data) / 2**20:.1f} MB, {len(messages)} messages, {len(images)} charts")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    asyncio.run(main())
