"""Reports as text: the status report, the KPI table, the achievements table, the digest's
trend and ranking lines. Shared by the /report dialog, the scheduler and a future dashboard."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from bot.domain import jalali
from bot.domain import monitoring as monitoring_rules
from bot.domain import reports as rules
from bot.domain.monitoring import KPI_FIELDS, group_thousands
from bot.domain.reports import Preset, Ranked, ReportPeriod
from bot.domain.submissions import Outcome
from bot.domain.tasks import TaskStatus
from bot.i18n import Markup, Translator
from bot.services.reports import COUNTRY, ClusterKpis, GroupReport, KpiTable, StatusReport
from bot.ui.builder import InlineKeyboardBuilder

# Lines of overdue clusters and agencies a chat message shows; the workbook has them all.
SHOWN_OVERDUE = 5
SHOWN_CLUSTERS = 15
# Telegram's limit is 4096 characters; leave room for markup.
MESSAGE_LIMIT = 3800


class ReportPick(CallbackData, prefix="rp"):
    preset: str  # a Preset value


class ReportMore(CallbackData, prefix="rm"):
    what: str  # kpis | charts | workbook
    preset: str
    start: str  # ISO dates: the period the first answer was about
    end: str


class ReportChart(CallbackData, prefix="rc"):
    """One chart of the report's period; a KPI trend is chosen by KPI, then by cluster."""

    chart: str  # one of CHARTS
    preset: str
    start: str
    end: str
    field: str = ""  # trend: the KPI
    cluster: int = 0  # trend: the cluster


# The charts the /report chooser offers; "provinces" only for the country's report.
CHARTS = ("funnel", "overdue", "provinces", "trend")
# Clusters offered by name for a KPI trend, those falling behind first.
SHOWN_TREND_CLUSTERS = 10


def number(t: Translator, value: int) -> Markup:
    return t.digits(group_thousands(value, "٬" if t.locale == "fa" else ","))


def pct(t: Translator, value: int | None) -> Markup:
    if value is None:
        return t("reports.no_percent")
    return t("reports.percent", value=value)


def group_name(t: Translator, group: str) -> Markup:
    if group == COUNTRY:
        return t("reports.country")
    if "+" in group:
        return Markup("، ".join(t(f"working_groups.{g}") for g in group.split("+")))
    return t(f"working_groups.{group}")


def period_label(t: Translator, period: str) -> str:
    """A monitoring period as people say it: "Azar 1405", "quarter 3 of 1405" (plain text)."""
    year, month, quarter = monitoring_rules.period_parts(period)
    if month is not None:
        months = jalali.FA_MONTHS if t.locale == "fa" else jalali.EN_MONTHS
        return t.plain("monitoring.period_month", month=months[month - 1], year=year)
    return t.plain("monitoring.period_quarter", quarter=quarter, year=year)


def period_line(t: Translator, period: ReportPeriod) -> Markup:
    return t(
        "reports.period",
        name=t(f"report_presets.{period.preset.value}"),
        start=t.date(period.start),
        end=t.date(period.end),
    )


def presets_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for preset in Preset:
        builder.button(
            text=t.plain(f"report_presets.{preset.value}"),
            callback_data=ReportPick(preset=preset.value),
        )
    builder.adjust(2)
    return builder.as_markup()


def more_keyboard(t: Translator, period: ReportPeriod) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for what in ("kpis", "charts", "workbook"):
        builder.button(
            text=t.plain(f"reports.more_{what}"),
            callback_data=ReportMore(
                what=what,
                preset=period.preset.value,
                start=period.start.isoformat(),
                end=period.end.isoformat(),
            ),
        )
    builder.adjust(3)
    return builder.as_markup()


def _chart_data(period: ReportPeriod, chart: str, field: str = "", cluster: int = 0) -> ReportChart:
    return ReportChart(chart=chart, preset=period.preset.value, start=period.start.isoformat(),
                       end=period.end.isoformat(), field=field, cluster=cluster)  # fmt: skip


def charts_keyboard(t: Translator, period: ReportPeriod, *, country: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for chart in CHARTS:
        if chart == "provinces" and not country:
            continue
        builder.button(text=t.plain(f"report_charts.button_{chart}"),
                       callback_data=_chart_data(period, chart))  # fmt: skip
    builder.adjust(1)
    return builder.as_markup()


def trend_fields_keyboard(t: Translator, period: ReportPeriod) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for field in KPI_FIELDS:
        builder.button(text=t.plain(f"kpi_fields.{field}"),
                       callback_data=_chart_data(period, "trend", field))  # fmt: skip
    builder.adjust(2)
    return builder.as_markup()


def trend_clusters_keyboard(
    t: Translator, period: ReportPeriod, field: str, clusters: list[ClusterKpis]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for cluster in clusters[:SHOWN_TREND_CLUSTERS]:
        mark = t.plain("reports.behind_mark") if cluster.behind else ""
        data = _chart_data(period, "trend", field, cluster.cluster_id)
        builder.button(text=f"{cluster.name}{mark}", callback_data=data)
    builder.adjust(1)
    return builder.as_markup()


def trend_clusters(table: KpiTable) -> list[ClusterKpis]:
    """The clusters a KPI trend can be drawn for: those with reports, falling behind first."""
    return sorted((c for c in table.clusters if c.series), key=lambda c: (not c.behind, c.name))


# --- the status report --------------------------------------------------------------------------


def _section(t: Translator, report: GroupReport, *, heading: bool) -> list[str]:
    lines: list[str] = []
    if heading:
        lines.append(t("reports.group_heading", group=group_name(t, report.group)))
    lines.append(t("reports.stages_heading", total=number(t, report.clusters)))
    for stage, count in rules.funnel(report.stages):
        entered = report.entered.get(stage.value, 0)
        lines.append(
            t(
                "reports.stage_line",
                stage=t(f"cluster_stages.{stage.value}"),
                count=number(t, count),
                entered=t("reports.entered", count=number(t, entered)) if entered else "",
            )
        )
    lines.append(t("reports.pending_heading"))
    if not report.pending:
        lines.append(t("reports.pending_none"))
    for item in report.pending:
        lines.append(
            t(
                "reports.pending_line",
                level=t(f"review_levels.{item.level.value}"),
                count=number(t, item.count),
                title=item.oldest_title,
                cluster=item.oldest_cluster,
                days=number(t, item.oldest_days),
            )
        )
    lines.append(
        t(
            "reports.decisions_line",
            advanced=number(t, report.decisions.get(Outcome.ADVANCED.value, 0)),
            approved=number(t, report.decisions.get(Outcome.APPROVED.value, 0)),
            returned=number(t, report.decisions.get(Outcome.RETURNED.value, 0)),
            rejected=number(t, report.decisions.get(Outcome.REJECTED.value, 0)),
            licenses=number(t, report.licenses),
        )
    )
    lines.append(
        t(
            "reports.tasks_line",
            statuses="، ".join(
                t(
                    "reports.status_count",
                    status=t(f"task_statuses.{s.value}"),
                    count=number(t, report.tasks.get(s.value, 0)),
                )
                for s in TaskStatus
            ),
            overdue=number(t, report.overdue),
        )
    )
    if report.overdue_by_agency:
        agencies = [
            t(
                "reports.count_item",
                name=t(f"agencies.{a}") if a else t("tasks.no_agency"),
                count=number(t, n),
            )
            for a, n in report.overdue_by_agency[:SHOWN_OVERDUE]
        ]
        lines.append(t("reports.overdue_agencies", items="، ".join(agencies)))
    if report.overdue_by_cluster:
        clusters = [
            t("reports.count_item", name=name, count=number(t, n))
            for _g, name, n in report.overdue_by_cluster[:SHOWN_OVERDUE]
        ]
        lines.append(t("reports.overdue_clusters", items="، ".join(clusters)))
    lines.append(
        t(
            "reports.monitoring_line",
            received=number(t, report.received_reports),
            expected=number(t, report.expected_reports),
            percent=pct(t, rules.percent(report.received_reports, report.expected_reports)),
            monitored=number(t, report.monitored),
        )
    )
    lines.append(
        t(
            "reports.meetings_line",
            meetings=number(t, report.meetings),
            decisions=number(t, report.meeting_decisions),
        )
    )
    return lines


def ranking_line(t: Translator, ranked: Ranked) -> Markup:
    f = ranked.figures
    values = {
        "group": t(f"working_groups.{f.group}"),
        "score": pct(t, f.score),
        "clusters": number(t, f.clusters),
        "overdue": number(t, f.overdue_tasks),
        "open": number(t, f.open_tasks),
        "received": number(t, f.received_reports),
        "expected": number(t, f.expected_reports),
    }
    if ranked.rank is None:
        return t("reports.unranked_line", **values)
    return t("reports.ranking_line", rank=number(t, ranked.rank), **values)


def status_text(t: Translator, report: StatusReport) -> list[Markup]:
    """The report as messages under Telegram's length limit: the whole first, then each
    province's section (country view), then the ranking."""
    head = [
        t("reports.title", scope=group_name(t, report.total.group)),
        period_line(t, report.period),
        t("reports.generated", at=t.moment(report.generated_at)),
        "",
    ]
    parts: list[list[str]] = [head + _section(t, report.total, heading=False)]
    if report.ranking:
        ranked = [r for r in report.ranking if r.figures.clusters or r.rank is not None]
        lines = [t("reports.ranking_heading")]
        lines += [ranking_line(t, r) for r in ranked] or [t("reports.ranking_empty")]
        lines.append(t("reports.ranking_rule"))
        parts.append(lines)
    for section in report.groups:
        if section.clusters:
            parts.append(_section(t, section, heading=True))
    return _pack(t, parts)


def _pack(t: Translator, parts: list[list[str]]) -> list[Markup]:
    """Join sections into as few messages as fit under the limit."""
    messages: list[str] = []
    current = ""
    for part in parts:
        text = "\n".join(part)
        candidate = f"{current}\n\n{text}" if current else text
        if current and len(candidate) > MESSAGE_LIMIT:
            messages.append(current)
            current = text
        else:
            current = candidate
    if current:
        messages.append(current)
    return [Markup(m) for m in messages]


# --- KPIs ---------------------------------------------------------------------------------------


def achievements_lines(t: Translator, rows: list[rules.Achievement]) -> list[Markup]:
    return [
        t(
            "reports.achievement_line",
            field=t(f"kpi_fields.{a.field}"),
            baseline=number(t, a.baseline),
            latest=number(t, a.latest),
            increase=pct(t, a.increase),
        )
        for a in rows
    ]


def cluster_kpi_lines(t: Translator, cluster: ClusterKpis) -> list[Markup]:
    flag = t("reports.behind_flag") if cluster.behind else ""
    lines = [
        t(
            "reports.kpi_cluster",
            cluster=cluster.name,
            group=t(f"working_groups.{cluster.group}"),
            flag=flag,
        )
    ]
    if cluster.horizon is None:
        lines.append(t("reports.no_targets"))
    else:
        horizon = (
            t("reports.horizon_end")
            if cluster.horizon == rules.PROGRAM_END
            else t("reports.horizon_year", year=int(cluster.horizon))
        )
        lines.append(t("reports.kpi_horizon", horizon=horizon))
    for p in cluster.progress:
        if p.target is None:
            continue
        lines.append(
            t(
                "reports.kpi_line",
                field=t(f"kpi_fields.{p.field}"),
                baseline=number(t, p.baseline) if p.baseline is not None else "—",
                target=number(t, p.target),
                latest=number(t, p.latest) if p.latest is not None else "—",
                achievement=pct(t, p.achievement),
                expected=pct(t, p.expected),
                flag=t("reports.behind_mark") if p.behind else "",
            )
        )
    return lines


def kpi_text(t: Translator, table: KpiTable) -> list[Markup]:
    parts: list[list[str]] = []
    if not table.clusters:
        return [t("reports.kpis_empty")]
    total = [t("reports.achievements_heading", scope=t("reports.total"))]
    parts.append(total + achievements_lines(t, table.total))
    if len(table.by_group) > 1:
        for group, rows in table.by_group.items():
            heading = t("reports.achievements_heading", scope=t(f"working_groups.{group}"))
            parts.append([heading, *achievements_lines(t, rows)])
    behind = [c for c in table.clusters if c.behind]
    with_targets = sorted(
        (c for c in table.clusters if c.horizon is not None), key=lambda c: (not c.behind, c.name)
    )
    parts.append(
        [
            t(
                "reports.targets_heading",
                behind=number(t, len(behind)),
                total=number(t, len(with_targets)),
            )
        ]
    )
    for cluster in with_targets[:SHOWN_CLUSTERS]:
        parts.append(cluster_kpi_lines(t, cluster))
    if len(with_targets) > SHOWN_CLUSTERS:
        parts.append(
            [t("reports.more_in_workbook", count=number(t, len(with_targets) - SHOWN_CLUSTERS))]
        )
    return _pack(t, parts)


def targets_refusal(t: Translator, refused: rules.TargetsRefused) -> Markup:
    """Why typed targets were refused, naming the word or the KPI at fault."""
    field = t(f"kpi_fields.{refused.field}") if refused.field else ""
    return t(f"report_errors.{refused.reason}", text=refused.text, field=field)


def fields_prompt(t: Translator) -> Markup:
    return t.join([t(f"kpi_fields.{f}") for f in KPI_FIELDS], "، ")


# --- the Saturday digest ------------------------------------------------------------------------


def trend_line(t: Translator, now: int, week_ago: int, trend: rules.Trend) -> Markup:
    return t(f"reports.trend_{trend.value}", now=number(t, now), before=number(t, week_ago))


def digest_ranking(t: Translator, ranking: list[Ranked]) -> Markup:
    ranked = [r for r in ranking if r.rank is not None]
    if not ranked:
        return t("reports.ranking_empty")
    lines = [t("reports.digest_ranking_heading")]
    lines += [
        t(
            "reports.digest_ranking_line",
            rank=number(t, r.rank or 0),
            group=t(f"working_groups.{r.figures.group}"),
            score=pct(t, r.figures.score),
        )
        for r in ranked
    ]
    return t.join(lines)
