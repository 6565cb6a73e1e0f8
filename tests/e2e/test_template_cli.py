"""Plan templates as a secretariat handles them: `python -m bot template import|list` in its own
process with only DATABASE_URL set, and what the database keeps (the repository and the shipped
templates loaded at start)."""

from __future__ import annotations

import asyncio
import datetime
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot.domain.templates import Template, load_shipped, parse_template
from bot.storage import db
from bot.storage.models import TaskRow
from bot.storage.templates import TemplateRepository

REPO = Path(__file__).resolve().parents[2]
NOW = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)

FIRST = """\
code = "demo-plan"
name = "برنامه نمونه"
kind = "phases"
source = "آزمون"

[[phases]]
number = 1
title = "مرحله اول"
start_month = 1
end_month = 3

[[items]]
code = "1-1"
title = "شناسایی بازیگران"
phase = 1
roles = ["cda"]
owner = "عامل توسعه خوشه"

[[items]]
code = "1-2"
title = "جلسه با ذینفعان"
phase = 1
agencies = ["tpo", "governorates"]
mechanism = "پانل"
"""


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "bot", "template", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _stored(tmp_path: Path, code: str) -> Template | None:
    async def read() -> Template | None:
        engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
        try:
            async with db.session_factory(engine)() as session:
                return await TemplateRepository(session).get(code)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_a_good_file_is_imported_and_listed_without_a_bot_token(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(FIRST, encoding="utf-8")
    imported = _cli(tmp_path, "import", "plan.toml")
    assert imported.returncode == 0, imported.stderr
    assert "template demo-plan imported: 2 items" in imported.stdout

    listed = _cli(tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    assert "demo-plan\tphases\t2 items\tبرنامه نمونه" in listed.stdout
    assert _stored(tmp_path, "demo-plan") == parse_template(FIRST)

    # Importing the same code again replaces it.
    second = FIRST.replace("جلسه با ذینفعان", "جلسه دوم با ذینفعان")
    (tmp_path / "plan.toml").write_text(second, encoding="utf-8")
    replaced = _cli(tmp_path, "import", "plan.toml")
    assert replaced.returncode == 0, replaced.stderr
    assert "template demo-plan replaced: 2 items" in replaced.stdout
    assert _stored(tmp_path, "demo-plan") == parse_template(second)


def test_a_bad_file_is_refused_with_its_line_and_leaves_the_old_version(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(FIRST, encoding="utf-8")
    assert _cli(tmp_path, "import", "plan.toml").returncode == 0

    # A new version of the same template: its first item is fine, the second is not.
    bad = FIRST.replace("شناسایی بازیگران", "عنوان تازه").replace(
        'agencies = ["tpo", "governorates"]', 'agencies = ["tpo", "foo"]'
    )
    (tmp_path / "bad.toml").write_text(bad, encoding="utf-8")
    refused = _cli(tmp_path, "import", "bad.toml")
    assert refused.returncode == 1
    assert "template error: bad.toml: line 19: unknown agency 'foo' in item 1-2" in refused.stderr
    assert refused.stdout == ""
    assert _stored(tmp_path, "demo-plan") == parse_template(FIRST)

    broken = FIRST.replace('title = "مرحله اول"', 'title = "مرحله اول')
    (tmp_path / "broken.toml").write_text(broken, encoding="utf-8")
    refused = _cli(tmp_path, "import", "broken.toml")
    assert refused.returncode == 1
    assert "template error: broken.toml: line 8: invalid TOML" in refused.stderr

    missing = _cli(tmp_path, "import", "nowhere.toml")
    assert missing.returncode == 1
    assert "template error: nowhere.toml: cannot read" in missing.stderr

    listed = _cli(tmp_path, "list")
    assert listed.stdout.splitlines() == sorted(
        ["demo-plan\tphases\t2 items\tبرنامه نمونه", *_shipped_lines()]
    )
    assert _stored(tmp_path, "demo-plan") == parse_template(FIRST)


def _shipped_lines() -> list[str]:
    return [f"{t.code}\t{t.kind}\t{len(t.items)} items\t{t.name}" for t in load_shipped()]


def test_on_a_fresh_database_list_shows_the_shipped_templates(tmp_path: Path) -> None:
    # Given a secretariat that has imported nothing, when it lists the templates before the
    # bot ever started, then it sees what /plan will offer: the shipped ones.
    listed = _cli(tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == sorted(_shipped_lines())
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [
        "export-cluster-matrix",
        "search-engine-plan",
    ]
    assert _stored(tmp_path, "search-engine-plan") == next(
        t for t in load_shipped() if t.code == "search-engine-plan"
    )


# --- the repository and the shipped templates ---------------------------------------------


async def test_shipped_templates_round_trip_through_the_database(database_url: str) -> None:
    engine = db.create_engine(database_url)
    try:
        await db.upgrade(engine)
        shipped = load_shipped()
        async with db.session_factory(engine)() as session, session.begin():
            for template in shipped:
                await TemplateRepository(session).save(template, NOW)
        async with db.session_factory(engine)() as session:
            repository = TemplateRepository(session)
            for template in shipped:
                assert await repository.get(template.code) == template
            assert await repository.list() == [
                ("export-cluster-matrix", "ماتریس وظایف توسعه خوشه های صادراتگرا", "matrix", 25),
                ("search-engine-plan", "برنامه توسعه خوشه جویشگر بومی (موتور جستجو)", "phases", 40),
            ]
            assert await repository.item_id("search-engine-plan", "1-2-7") is not None
            assert await repository.item_id("search-engine-plan", "F3-4") is None
            assert await repository.item_id("nothing", "1-2-7") is None
            assert await repository.get("nothing") is None
    finally:
        await engine.dispose()


async def test_replacing_a_template_keeps_the_items_tasks_were_made_from(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url)
    try:
        await db.upgrade(engine)
        sessions = db.session_factory(engine)
        async with sessions() as session, session.begin():
            repository = TemplateRepository(session)
            template_id = await repository.save(parse_template(FIRST), NOW)
            kept = await repository.item_id("demo-plan", "1-1")
            dropped = await repository.item_id("demo-plan", "1-2")
            for item_id in (kept, dropped):
                session.add(
                    TaskRow(
                        title="t", status="open", created_at=NOW, created_by_user_id=1,
                        template_item_id=item_id,
                    )
                )  # fmt: skip
        second = FIRST.replace('code = "1-2"', 'code = "1-3"')
        async with sessions() as session, session.begin():
            repository = TemplateRepository(session)
            assert await repository.save(parse_template(second), NOW) == template_id
        async with sessions() as session:
            repository = TemplateRepository(session)
            assert await repository.get("demo-plan") == parse_template(second)
            assert await repository.item_id("demo-plan", "1-1") == kept
            assert await repository.item_id("demo-plan", "1-2") is None
            links = set((await session.execute(select(TaskRow.template_item_id))).scalars())
            assert links == {kept, None}
    finally:
        await engine.dispose()


async def test_shipped_templates_are_loaded_once_and_never_over_a_secretariats_version(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url)
    try:
        await db.upgrade(engine)
        own = parse_template(FIRST.replace('code = "demo-plan"', 'code = "search-engine-plan"'))
        async with db.session_factory(engine)() as session, session.begin():
            await TemplateRepository(session).save(own, NOW)
        await db.sync_shipped_templates(engine)
        await db.sync_shipped_templates(engine)
        async with db.session_factory(engine)() as session:
            repository = TemplateRepository(session)
            assert await repository.get("search-engine-plan") == own
            listed = await repository.list()
        assert [(code, count) for code, _, _, count in listed] == [
            ("export-cluster-matrix", 25),
            ("search-engine-plan", 2),
        ]
    finally:
        await engine.dispose()
