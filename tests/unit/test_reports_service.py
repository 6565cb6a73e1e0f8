# ruff: noqa: E501  -- the dataset below is laid out as a table, one row a line
"""The status report, the KPI table and the workbook over a known dataset, on every backend.

Today is Monday 1405/09/02 (2026-11-23) 10:00 Tehran; the report is for this month, Azar
1405 (2026-11-22 to 2026-12-21). Tehran and Fars have clusters; every figure below is
counted by hand from the rows `given_dataset` writes.
"""

from __future__ import annotations

import asyncio
import datetime
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.domain.jalali import from_jalali
from bot.domain.reports import Preset, preset_period
from bot.domain.submissions import ReviewLevel
from bot.i18n import Catalogs
from bot.platform import Platform
from bot.services import reports as service
from bot.storage import db
from bot.storage.models import (
    AuditEventRow,
    ClusterRow,
    KpiReportRow,
    LicenseRow,
    MeetingDecisionRow,
    MeetingRow,
    MemberRow,
    SubmissionEventRow,
    SubmissionRow,
    TaskAssigneeRow,
    TaskRow,
    WorkingGroupRow,
)
from bot.storage.uow import UnitOfWork
from bot.ui import reports as ui
from bot.ui import workbook

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
TODAY = datetime.date(2026, 11, 23)
IN_PERIOD = datetime.datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
BEFORE = datetime.datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
PERIOD = preset_period(Preset.THIS_MONTH, TODAY)

SEED_BEFORE = {"firms": 108_286, "networks": 214, "bdsps": 475, "employment": 1_045_858,
               "sales_million_rials": 1_572_066, "exports_usd": 1_997_298}  # fmt: skip
SEED_NOW = {"firms": 126_484, "networks": 511, "bdsps": 1_427, "employment": 1_223_015,
            "sales_million_rials": 2_351_214, "exports_usd": 2_100_580}  # fmt: skip


@dataclass
class Dataset:
    sessions: async_sessionmaker
    ids: dict[str, int]

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, "telegram")


@pytest.fixture
async def dataset(database_url: str) -> AsyncIterator[Dataset]:
    engine = db.create_engine(database_url)
    await db.upgrade(engine)
    sessions = db.session_factory(engine)
    ids = await given_dataset(sessions)
    yield Dataset(sessions, ids)
    await engine.dispose()


async def given_dataset(sessions: async_sessionmaker) -> dict[str, int]:
    ids: dict[str, int] = {}
    async with sessions() as s:
        rows = await s.execute(WorkingGroupRow.__table__.select())
        groups = {r.code: r.id for r in rows}
        author = MemberRow(platform="telegram", user_id=77, full_name="نگار", agency_code="tpo",
                           working_group_id=groups["tehran"], locale="fa", role="member",
                           status="approved", applied_at=BEFORE)  # fmt: skip
        helper = MemberRow(platform="telegram", user_id=78, full_name="امید", agency_code="chamber_commerce",
                           working_group_id=groups["tehran"], locale="fa", role="member",
                           status="approved", applied_at=BEFORE)  # fmt: skip
        s.add_all([author, helper])
        await s.flush()

        def cluster(key: str, group: str, stage: str, created: datetime.datetime) -> ClusterRow:
            row = ClusterRow(name=key, working_group_id=groups[group], product="-", sector="-",
                             stage=stage, created_at=created, updated_at=created)  # fmt: skip
            s.add(row)
            return row

        c = {
            "مبلمان": cluster("مبلمان", "tehran", "development_running", BEFORE),
            "فرش": cluster("فرش", "tehran", "identified", IN_PERIOD),
            "کاشی": cluster("کاشی", "tehran", "licensed", BEFORE),
            "چرم": cluster("چرم", "tehran", "feasibility_studied", BEFORE),
            "خرما": cluster("خرما", "fars", "development_running", BEFORE),
            "گلاب": cluster("گلاب", "fars", "identified", BEFORE),
        }
        await s.flush()
        ids.update({k: v.id for k, v in c.items()})
        # The leather cluster's stage was set by hand in the period; an earlier change and a
        # refused one do not count.
        s.add_all([
            AuditEventRow(actor_user_id=1, action="cluster.stage", outcome="done",
                          subject="cluster", subject_id=c["چرم"].id,
                          details={"stage": "feasibility_studied"}, at=IN_PERIOD),
            AuditEventRow(actor_user_id=1, action="cluster.stage", outcome="done",
                          subject="cluster", subject_id=c["گلاب"].id,
                          details={"stage": "identified"}, at=BEFORE),
            AuditEventRow(actor_user_id=1, action="cluster.stage", outcome="not_allowed",
                          subject="cluster", subject_id=c["فرش"].id,
                          details={"stage": "licensed"}, at=IN_PERIOD),
        ])  # fmt: skip

        def submission(key: str, kind: str, cluster_key: str, status: str, stage: int,
                       opened: datetime.datetime, **extra: object) -> SubmissionRow:  # fmt: skip
            row = SubmissionRow(kind=kind, cluster_id=c[cluster_key].id,
                                author_member_id=author.id, title=key, summary="-",
                                status=status, stage_index=stage, stage_opened_at=opened,
                                created_at=opened, **extra)  # fmt: skip
            s.add(row)
            return row

        days = datetime.timedelta(days=1)
        subs = {
            # waiting at the province: 10 and 3 days; at the centre: 5 days
            "طرح چرم": submission("طرح چرم", "feasibility_plan", "چرم", "in_review", 0, NOW - 10 * days),
            "برنامه کاشی": submission("برنامه کاشی", "development_program", "کاشی", "in_review", 0, NOW - 3 * days),
            "طرح فرش": submission("طرح فرش", "feasibility_plan", "فرش", "in_review", 1, NOW - 5 * days),
            "طرح خرما": submission("طرح خرما", "feasibility_plan", "گلاب", "in_review", 0, NOW - 20 * days),
            # decided: the tile plan (licensed in the period), furniture's running program
            "طرح کاشی": submission("طرح کاشی", "feasibility_plan", "کاشی", "approved", 1, BEFORE, decided_at=IN_PERIOD),
            "برنامه مبلمان": submission("برنامه مبلمان", "development_program", "مبلمان", "approved", 1,
                                        BEFORE, decided_at=datetime.datetime(2026, 3, 21, 8, tzinfo=UTC),
                                        duration_months=24),
            "برنامه خرما": submission("برنامه خرما", "development_program", "خرما", "approved", 1,
                                      BEFORE, decided_at=IN_PERIOD, duration_months=12),
            "طرح رد": submission("طرح رد", "feasibility_plan", "گلاب", "rejected", 0, BEFORE, decided_at=IN_PERIOD),
        }  # fmt: skip
        await s.flush()

        def event(key: str, action: str, at: datetime.datetime) -> None:
            s.add(SubmissionEventRow(submission_id=subs[key].id, at=at, actor_user_id=1,
                                     actor_name="دبیر", action=action, stage_index=0))  # fmt: skip

        event("طرح فرش", "submitted", BEFORE)
        event("طرح فرش", "advanced", IN_PERIOD)
        event("طرح کاشی", "advanced", BEFORE)
        event("طرح کاشی", "approved", IN_PERIOD)
        event("طرح چرم", "returned", BEFORE)
        event("برنامه خرما", "approved", IN_PERIOD)
        event("طرح رد", "rejected", IN_PERIOD)
        s.add(LicenseRow(number="EC-1405-0001", cluster_id=c["کاشی"].id,
                         submission_id=subs["طرح کاشی"].id, issued_at=IN_PERIOD))  # fmt: skip

        def task(title: str, cluster_key: str, status: str, due: datetime.date | None,
                 shares: list[tuple[str | None, str]]) -> None:  # fmt: skip
            row = TaskRow(title=title, cluster_id=c[cluster_key].id, status=status, due_on=due,
                          created_at=BEFORE, created_by_user_id=1)  # fmt: skip
            s.add(row)
            tasks.append((row, shares))

        tasks: list[tuple[TaskRow, list[tuple[str | None, str]]]] = []
        late = datetime.date(2026, 11, 1)
        task("t1", "مبلمان", "todo", late, [("tpo", "todo")])
        task(
            "t2",
            "مبلمان",
            "in_progress",
            late,
            [("tpo", "done"), ("chamber_commerce", "in_progress")],
        )
        task("t3", "فرش", "done", late, [("tpo", "done")])
        task("t4", "مبلمان", "todo", datetime.date(2026, 12, 10), [("tpo", "todo")])
        task("t5", "چرم", "todo", late, [])
        task("t6", "کاشی", "todo", TODAY, [("tpo", "todo")])  # due today: not late yet
        task("t7", "کاشی", "cancelled", late, [])
        task("f1", "خرما", "blocked", late, [("tpo", "blocked")])
        await s.flush()
        for row, shares in tasks:
            for member, (agency, status) in zip((author, helper), shares, strict=False):
                s.add(TaskAssigneeRow(task_id=row.id, member_id=member.id, agency_code=agency,
                                      status=status, updated_at=BEFORE))  # fmt: skip

        # Reports: furniture reported Mehr and Azar; the dates palm cluster nothing this month
        def kpi(cluster_key: str, period: str, figures: dict[str, int]) -> None:
            s.add(KpiReportRow(cluster_id=c[cluster_key].id, period=period, **figures,
                               reported_by_member_id=author.id, reported_at=IN_PERIOD))  # fmt: skip

        kpi("مبلمان", "1405-07", SEED_BEFORE)
        kpi("مبلمان", "1405-09", SEED_NOW)
        kpi("خرما", "1405-08", {**SEED_BEFORE, "firms": 50})
        # Meetings: one held in the period with two decisions, a cancelled one, one to come
        held = MeetingRow(working_group_id=groups["tehran"], starts_at=IN_PERIOD, place="-",
                          agenda="-", created_by_user_id=1, created_at=BEFORE)  # fmt: skip
        s.add_all([
            held,
            MeetingRow(working_group_id=groups["tehran"], starts_at=IN_PERIOD, place="-",
                       agenda="-", created_by_user_id=1, created_at=BEFORE, cancelled_at=BEFORE),
            MeetingRow(working_group_id=groups["tehran"], starts_at=NOW + 5 * days, place="-",
                       agenda="-", created_by_user_id=1, created_at=BEFORE),
        ])  # fmt: skip
        await s.flush()
        s.add_all([MeetingDecisionRow(meeting_id=held.id, position=i, text="-", created_at=IN_PERIOD)
                   for i in (1, 2)])  # fmt: skip
        await s.commit()
    return ids


async def test_a_provinces_report_counts_every_figure_of_the_period(dataset: Dataset) -> None:
    async with dataset.uow() as uow:
        report = await service.status_report(uow, ("tehran",), PERIOD, NOW)
    tehran = report.total
    assert not report.is_country and report.groups == [] and report.ranking == []
    assert tehran.stages == {"development_running": 1, "identified": 1, "licensed": 1,
                             "feasibility_studied": 1}  # fmt: skip
    # carpets identified in the period, leather studied by hand, tiles licensed
    assert tehran.entered == {"identified": 1, "feasibility_studied": 1, "licensed": 1}
    assert [(p.level, p.count, p.oldest_days, p.oldest_title, p.oldest_cluster)
            for p in tehran.pending] == [
        (ReviewLevel.PROVINCE, 2, 10, "طرح چرم", "چرم"),
        (ReviewLevel.CENTRE, 1, 5, "طرح فرش", "فرش"),
    ]  # fmt: skip
    assert tehran.decisions == {"advanced": 1, "approved": 1}
    assert tehran.licenses == 1
    assert tehran.tasks == {"todo": 4, "in_progress": 1, "done": 1, "cancelled": 1}
    assert tehran.open_tasks == 5
    assert tehran.overdue == 3
    assert tehran.overdue_by_cluster == [("tehran", "مبلمان", 2), ("tehran", "چرم", 1)]
    # t1 is late for the TPO, t2 for the chamber only (the TPO did its part), t5 has nobody
    assert tehran.overdue_by_agency == [("", 1), ("chamber_commerce", 1), ("tpo", 1)]
    assert (tehran.monitored, tehran.expected_reports, tehran.received_reports) == (1, 1, 1)
    assert (tehran.meetings, tehran.meeting_decisions) == (1, 2)


async def test_the_country_report_puts_provinces_side_by_side_and_ranks_them(
    dataset: Dataset,
) -> None:
    async with dataset.uow() as uow:
        report = await service.status_report(uow, None, PERIOD, NOW)
    assert report.is_country
    total = report.total
    assert sum(total.stages.values()) == 6
    assert total.entered == {"identified": 1, "feasibility_studied": 1, "licensed": 1,
                             "development_running": 1}  # fmt: skip
    assert [(p.level, p.count, p.oldest_days, p.oldest_title) for p in total.pending] == [
        (ReviewLevel.PROVINCE, 3, 20, "طرح خرما"),
        (ReviewLevel.CENTRE, 1, 5, "طرح فرش"),
    ]
    assert total.decisions == {"advanced": 1, "approved": 2, "rejected": 1}
    assert total.overdue == 4
    assert total.overdue_by_agency == [("tpo", 2), ("", 1), ("chamber_commerce", 1)]
    assert (total.monitored, total.expected_reports, total.received_reports) == (2, 2, 1)
    sections = {g.group: g for g in report.groups}
    assert sections["fars"].overdue == 1 and sections["fars"].received_reports == 0
    assert sections["qom"].clusters == 0
    # Tehran: 5 open, 3 overdue -> 40% on time; 1 of 1 report -> 100%; score 70.
    # Fars: f1 is its one open task and it is overdue -> 0%; 0 of 1 report -> 0%; score 0.
    ranked = [(r.rank, r.figures.group, r.figures.score) for r in report.ranking if r.rank]
    assert ranked == [(1, "tehran", 70), (2, "fars", 0)]
    assert all(r.figures.group != "central" for r in report.ranking)


async def test_a_quarterly_group_expects_one_report_a_season(dataset: Dataset) -> None:
    from bot.storage.models import GroupSettingsRow

    async with dataset.sessions() as s:
        fars = (await s.execute(WorkingGroupRow.__table__.select().where(
            WorkingGroupRow.code == "fars"))).one()  # fmt: skip
        s.add(GroupSettingsRow(working_group_id=fars.id, reminder_days=[7, 3, 1],
                               quiet_start="21:00", quiet_end="08:00", morning="09:00",
                               approval_days=3, monitoring="quarterly"))  # fmt: skip
        await s.commit()
    season = preset_period(Preset.THIS_SEASON, TODAY)
    async with dataset.uow() as uow:
        report = await service.status_report(uow, ("tehran", "fars"), season, NOW)
    sections = {g.group: g for g in report.groups}
    # Tehran is monthly: Mehr, Aban, Azar expected, Mehr and Azar came
    assert (sections["tehran"].expected_reports, sections["tehran"].received_reports) == (3, 2)
    # Fars is quarterly: one report for autumn, none under "1405-Q3"
    assert (sections["fars"].expected_reports, sections["fars"].received_reports) == (1, 0)


async def test_the_kpi_table_shows_seed_001s_achievements_and_targets(dataset: Dataset) -> None:
    async with dataset.uow() as uow:
        actor = _superuser()
        done = await service.set_targets(
            uow, actor, dataset.ids["مبلمان"], "end",
            {**SEED_NOW, "firms": 144_682, "networks": 511}, NOW,
        )  # fmt: skip
        assert done == "done"
        await uow.commit()
    async with dataset.uow() as uow:
        table = await service.kpi_table(uow, None, NOW)
    furniture = next(c for c in table.clusters if c.name == "مبلمان")
    assert [a.increase for a in table.by_group["tehran"]] == [17, 139, 200, 17, 50, 5]
    assert table.by_group["fars"][0].increase == 0  # one report: baseline and latest the same
    assert table.total[0].baseline == 108_286 + 50
    progress = {p.field: p for p in furniture.progress}
    # firms: 108,286 -> 126,484 of a planned 144,682 is half way (18,198 of 36,396)
    assert (progress["firms"].baseline, progress["firms"].target, progress["firms"].latest) == (
        108_286, 144_682, 126_484,
    )  # fmt: skip
    assert progress["firms"].achievement == 50
    assert progress["networks"].achievement == 100
    # the program was approved on 1405/01/01 for 24 months, to 1406/12/29: 247 of 729 days
    assert progress["firms"].expected == 34
    assert not furniture.behind
    dates = next(c for c in table.clusters if c.name == "خرما")
    assert dates.horizon is None and not dates.behind


async def test_targets_are_the_secretariats_to_set(dataset: Dataset) -> None:
    from bot.domain.members import Actor, Member, MemberStatus, Role

    fars_secretary = Actor(
        user_id=9, display_name="مینا", is_superuser=False,
        member=Member(id=99, user_id=9, full_name="مینا", agency_code="tpo", agency_other=None,
                      working_group="fars", phone=None, locale="fa", role=Role.SECRETARY,
                      status=MemberStatus.APPROVED, applied_at=BEFORE),
    )  # fmt: skip
    async with dataset.uow() as uow:
        refused = await service.set_targets(
            uow, fars_secretary, dataset.ids["مبلمان"], "1405", {"firms": 5}, NOW
        )
        allowed = await service.set_targets(
            uow, fars_secretary, dataset.ids["خرما"], "1405", {"firms": 70}, NOW
        )
        await uow.commit()
    assert (refused, allowed) == ("not_allowed", "done")
    async with dataset.uow() as uow:
        table = await service.kpi_table(uow, ("fars",), NOW)
    dates = table.clusters[0]
    assert dates.horizon == "1405" and dates.targets == {"1405": {"firms": 70}}


async def test_the_weekly_trend_compares_overdue_tasks_with_a_week_ago(dataset: Dataset) -> None:
    async with dataset.uow() as uow:
        trends = await service.weekly_trends(uow, ["tehran", "fars"], NOW)
    # A week ago (16 Nov) t1, t2, t5 were already overdue and t3 too: its share was done on
    # 1 Sep, before the week began, so it was closed by then -> 3 then, 3 now.
    assert (trends["tehran"].overdue_now, trends["tehran"].overdue_week_ago) == (3, 3)
    assert trends["tehran"].trend.value == "same"
    assert (trends["fars"].overdue_now, trends["fars"].overdue_week_ago) == (1, 1)


def _superuser():  # type: ignore[no-untyped-def]
    from bot.domain.members import Actor

    return Actor(user_id=1, display_name="Admin", member=None, is_superuser=True)


def test_the_program_dates_of_this_story() -> None:
    assert from_jalali(1405, 1, 1) == datetime.date(2026, 3, 21)
    assert PERIOD.start == datetime.date(2026, 11, 22) and PERIOD.end == datetime.date(2026, 12, 21)


# --- the views over the same dataset -----------------------------------------------------------

CATALOGS = Catalogs(Platform.TELEGRAM)


async def test_the_text_report_says_every_figure_in_persian(dataset: Dataset) -> None:
    t = CATALOGS.translator("fa")
    async with dataset.uow() as uow:
        report = await service.status_report(uow, ("tehran",), PERIOD, NOW)
    (text,) = ui.status_text(t, report)
    assert "گزارش وضعیت برنامه توسعه خوشه‌ها — تهران" in text
    assert "دوره: این ماه (۱۴۰۵/۰۹/۰۱ تا ۱۴۰۵/۰۹/۳۰)" in text
    assert "(همه: ۴)" in text
    assert "• شناسایی‌شده: ۱ (+۱ در این دوره)" in text
    assert "• در حال اجرای طرح توسعه: ۱\n" in text
    assert "• بررسی کارگروه استان: ۲ مورد؛ قدیمی‌ترین «طرح چرم» (چرم) از ۱۰ روز پیش" in text
    assert "• بررسی دبیرخانه مرکز: ۱ مورد؛ قدیمی‌ترین «طرح فرش» (فرش) از ۵ روز پیش" in text
    assert "تأیید استان ۱، تأیید نهایی ۱، برگشت ۰، رد ۰؛ پروانه صادرشده ۱" in text
    assert "انجام‌نشده ۴، در حال انجام ۱، ⛔ متوقف ۰، ✅ انجام شد ۱، لغو شده ۱" in text
    assert "معوق: ۳" in text
    assert "معوق به تفکیک خوشه: مبلمان (۲)، چرم (۱)" in text
    assert "۱ گزارش از ۱ گزارش مورد انتظار رسیده است (۱۰۰٪)" in text
    assert "۱ جلسه برگزار شد و ۲ مصوبه ثبت شد" in text
    assert not any(c.isascii() and c.isdigit() for c in text.replace("<b>", ""))


async def test_the_country_report_ranks_provinces_in_english_too(dataset: Dataset) -> None:
    t = CATALOGS.translator("en")
    async with dataset.uow() as uow:
        report = await service.status_report(uow, None, PERIOD, NOW)
    text = "\n".join(ui.status_text(t, report))
    assert "the whole country" in text
    assert "1. Tehran: score 70%" in text
    assert "2. Fars: score 0%" in text
    assert "— Qom" not in text  # a province without clusters is left out


async def test_the_kpi_text_shows_the_achievements_table(dataset: Dataset) -> None:
    t = CATALOGS.translator("fa")
    async with dataset.uow() as uow:
        table = await service.kpi_table(uow, ("tehran",), NOW)
    text = "\n".join(ui.kpi_text(t, table))
    assert "• تعداد بنگاه‌ها: ۱۰۸٬۲۸۶ ← ۱۲۶٬۴۸۴ (۱۷٪)" in text
    assert "• صادرات (دلار): ۱٬۹۹۷٬۲۹۸ ← ۲٬۱۰۰٬۵۸۰ (۵٪)" in text


async def test_the_workbook_reads_back_right_to_left_with_frozen_filtered_headers(
    dataset: Dataset,
) -> None:
    t = CATALOGS.translator("fa")
    async with dataset.uow() as uow:
        await service.set_targets(uow, _superuser(), dataset.ids["مبلمان"], "end",
                                  {"firms": 144_682}, NOW)  # fmt: skip
        await uow.commit()
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    async with dataset.uow() as uow:
        report = await service.status_report(uow, ("tehran",), PERIOD, NOW)
        kpis = await service.kpi_table(uow, ("tehran",), NOW)
        data = await workbook.build_workbook(t, uow.reports, report, kpis, ("tehran",), progress)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["خلاصه", "خوشه‌ها", "طرح‌ها و تصمیم‌ها", "وظایف", "شاخص‌ها و اهداف"]
    for sheet in book.worksheets:
        assert sheet.sheet_view.rightToLeft
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{get_column_letter(sheet.max_column)}{sheet.max_row}"
    clusters = list(book["خوشه‌ها"].iter_rows(values_only=True))
    assert clusters[0][-2:] == ("تاریخ ثبت", "تاریخ ثبت (ISO)")
    assert len(clusters) == 1 + 4
    carpets = next(r for r in clusters if r[1] == "فرش")
    assert carpets[6] == "شناسایی‌شده"
    assert carpets[7:] == ("۱۴۰۵/۰۹/۰۱", "2026-11-22")
    tasks = list(book["وظایف"].iter_rows(values_only=True))
    assert len(tasks) == 1 + 7  # Tehran's seven tasks, open ones first
    t1 = next(r for r in tasks if r[1] == "t1")
    assert t1[4] == "انجام‌نشده" and t1[7:9] == ("۱۴۰۵/۰۸/۱۰", "2026-11-01")
    assert tasks[-1][4] in ("✅ انجام شد", "لغو شده")
    history = list(book["طرح‌ها و تصمیم‌ها"].iter_rows(values_only=True))
    # the period's events of Tehran's items: carpets advanced, tiles approved
    assert sorted((r[2], r[9]) for r in history[1:]) == [
        ("طرح فرش", "در استان تأیید و به مرکز فرستاده شد"),
        ("طرح کاشی", "تأیید شد"),
    ]
    kpi_rows = list(book["شاخص‌ها و اهداف"].iter_rows(values_only=True))
    firms = [r for r in kpi_rows if r[2] == "تعداد بنگاه‌ها"]
    assert [(r[3], r[4], r[5], r[6], r[7], r[9]) for r in firms] == [
        ("مهر ۱۴۰۵", "2026-09-23", 108_286, 108_286, 144_682, 50),
        ("آذر ۱۴۰۵", "2026-11-22", 126_484, 108_286, 144_682, 50),
    ]
    summary = dict(book["خلاصه"].iter_rows(min_row=2, values_only=True))
    assert summary["وظایف معوق"] == 3
    assert summary["دارای پروانه"] == 1
    assert summary["گزارش‌های پایش رسیده"] == 1
    assert seen == []  # seven rows are no long export


async def test_a_long_workbook_export_says_how_far_it_has_come(
    dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "PROGRESS_EVERY", 3)
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    async with dataset.uow() as uow:
        report = await service.status_report(uow, None, PERIOD, NOW)
        kpis = await service.kpi_table(uow, None, NOW)
        await workbook.build_workbook(CATALOGS.translator("en"), uow.reports, report, kpis,
                                      None, progress)  # fmt: skip
    # eight tasks in the country: told after the third and the sixth row
    assert seen == [(3, 8), (6, 8)]


async def test_an_abandoned_export_stops_writing_and_leaves_the_session_usable(
    dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "PROGRESS_EVERY", 3)
    seen: list[tuple[int, int]] = []
    export: asyncio.Task[bytes] | None = None

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))
        assert export is not None
        export.cancel()  # the chat's update is cancelled (shutdown, timeout) mid-export
        await asyncio.sleep(0)  # the export hears of it before this report returns

    async with dataset.uow() as uow:
        report = await service.status_report(uow, None, PERIOD, NOW)
        kpis = await service.kpi_table(uow, None, NOW)
        en = CATALOGS.translator("en")
        export = asyncio.create_task(
            workbook.build_workbook(en, uow.reports, report, kpis, None, progress)
        )
        with pytest.raises(asyncio.CancelledError):
            await export
        # the writer thread stopped at its next report instead of writing on for nobody
        assert seen == [(3, 8)]
        # and it let go of the database before the streams were closed
        assert await uow.reports.task_total(None) == 8
