"""Benchmark of the dashboard's API at national size: the seeded database of bench/seed.py
(32 provinces, members, clusters, tasks), then each read endpoint timed as a province's
secretary and as a superuser looking at the whole country.

    .venv/bin/python -m bench.dashboard [--database-url URL] [--tasks N] [--requests N]

Not a test: it prints its figures (median and slowest of N requests per endpoint, in ms) and
writes them to bench/results/dashboard-<backend>.json. The bot's web server is the real one
(`bot.web.build_web_app`), served on a free local port; no Bot API call is made.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import hashlib
import hmac
import json
import pathlib
import socket
import statistics
import tempfile
import time
from urllib.parse import quote, urlencode

import aiohttp
from aiohttp import web

from bench.seed import seed
from bot.app import create_app
from bot.config import Settings, async_database_url
from bot.web import build_web_app

TOKEN = "123456789:bench-token-for-the-dashboard-000"
ADMIN = 999_999
NOW = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)


def signed(user_id: int) -> str:
    fields = {
        "auth_date": str(int(NOW.timestamp())),
        "query_id": "bench",
        "user": json.dumps({"id": user_id, "first_name": "Bench"}, separators=(",", ":")),
    }
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def timed(session: aiohttp.ClientSession, url: str, user_id: int, n: int) -> dict[str, float]:
    headers = {"Authorization": f"tma {signed(user_id)}"}
    took = []
    for _ in range(n):
        started = time.perf_counter()
        async with session.get(url, headers=headers) as reply:
            await reply.read()
            assert reply.status == 200, (url, reply.status, await reply.text())
        took.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(took), 1), "max_ms": round(max(took), 1)}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = async_database_url(args.database_url or f"sqlite:///{tmp}/bench.db")
        today = NOW.date()
        seeded = await seed(
            url, members=args.members, clusters=args.clusters, tasks=args.tasks,
            applicants=100, today=today, now=NOW,
        )  # fmt: skip
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            database_url=url,
            admin_ids=frozenset({ADMIN}),
            web_host="127.0.0.1",
            web_port=free_port(),
        )
        app = create_app(settings, clock=lambda: NOW)
        runner = web.AppRunner(build_web_app(app, None), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", settings.web_port).start()
        base = f"http://127.0.0.1:{settings.web_port}/api"
        secretary, group = seeded.secretaries[0]
        cluster_id = 1 if group == "tehran" else None
        results: dict[str, object] = {
            "backend": url.split(":", 1)[0].split("+", 1)[0],
            "members": args.members,
            "clusters": args.clusters,
            "tasks": seeded.tasks,
            "requests_each": args.requests,
        }
        try:
            async with aiohttp.ClientSession() as session:
                # One request first: the first query of a connection pool costs its connect.
                await timed(session, f"{base}/me", secretary, 1)
                checks = {
                    f"secretary ({group}): /api/board": (f"{base}/board?status=all", secretary),
                    f"secretary ({group}): /api/board?overdue=1": (
                        f"{base}/board?overdue=1",
                        secretary,
                    ),
                    f"secretary ({group}): /api/pipeline": (f"{base}/pipeline", secretary),
                    f"secretary ({group}): /api/members": (f"{base}/members", secretary),
                    f"secretary ({group}): /api/reports": (f"{base}/reports", secretary),
                    "superuser: /api/board (country, first 200)": (
                        f"{base}/board?status=all",
                        ADMIN,
                    ),
                    "superuser: /api/country": (f"{base}/country", ADMIN),
                    "superuser: /api/matrix": (f"{base}/matrix?cluster={cluster_id or 1}", ADMIN),
                }
                for label, (target, user) in checks.items():
                    results[label] = await timed(session, target, user, args.requests)
                    print(f"{label:48} {results[label]}")
        finally:
            await runner.cleanup()
            await app.close()
    out = pathlib.Path(__file__).parent / "results" / f"dashboard-{results['backend']}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main())
