"""How monitoring looks: button data, period names, figures and their changes, the report
tables, and the scheduler's prompts, reminders and escalations."""

from __future__ import annotations

from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from bot.domain import jalali
from bot.domain import monitoring as rules
from bot.domain.clusters import Cluster
from bot.domain.monitoring import KPI_FIELDS, KpiReport
from bot.i18n import Markup, Translator
from bot.ui.builder import InlineKeyboardBuilder

MAX_CLUSTER_BUTTONS = 30
# Reports shown by /kpis: a year of quarters, or the last four months.
SHOWN_REPORTS = 4
SHOWN_NARRATIVE = 500


class KpiStart(CallbackData, prefix="ks"):
    cluster_id: int
    period: str


class KpiStep(CallbackData, prefix="kn"):
    action: str  # yes | no (a jump) | save | cancel (the preview)


class KpiView(CallbackData, prefix="kv"):
    cluster_id: int


# --- lines ----------------------------------------------------------------------------------------


def period_name(t: Translator, period: str) -> Markup:
    year, month, quarter = rules.period_parts(period)
    if month is not None:
        months = jalali.FA_MONTHS if t.locale == "fa" else jalali.EN_MONTHS
        return t("monitoring.period_month", month=months[month - 1], year=year)
    return t("monitoring.period_quarter", quarter=quarter, year=year)


def number(t: Translator, value: int) -> Markup:
    """A figure with thousands separators, in the reader's digits."""
    return t.digits(rules.group_thousands(value, "٬" if t.locale == "fa" else ","))


def figure_line(t: Translator, field: str, value: int, previous: int | None) -> Markup:
    return t(
        "monitoring.figure_line",
        field=t(f"kpi_fields.{field}"),
        value=number(t, value),
        change=_change(t, previous, value),
    )


def _change(t: Translator, previous: int | None, value: int) -> Markup:
    if previous is None:
        return Markup("")
    percent = rules.change_percent(previous, value)
    if percent is None:
        return t("monitoring.change_new") if value else Markup("")
    if percent > 0:
        return t("monitoring.change_up", percent=percent)
    if percent < 0:
        return t("monitoring.change_down", percent=-percent)
    return t("monitoring.change_none")


def question(
    t: Translator, index: int, previous: dict[str, int] | None, previous_period: str | None
) -> Markup:
    """The dialog's question for the `index`-th figure, with the previous period's value."""
    field = KPI_FIELDS[index]
    if previous and previous_period:
        before = t(
            "monitoring.previous_value",
            period=period_name(t, previous_period),
            value=number(t, int(previous[field])),
        )
    else:
        before = t("monitoring.no_previous")
    return t(
        "monitoring.ask_figure",
        number=index + 1,
        total=len(KPI_FIELDS),
        field=t(f"kpi_fields.{field}"),
        previous=before,
    )


def intro(t: Translator, cluster: Cluster, period: str, existing: KpiReport | None) -> Markup:
    lines = [t("monitoring.intro", cluster=cluster.name, period=period_name(t, period))]
    if existing is not None:
        lines.append(
            t(
                "monitoring.replaces",
                name=existing.reported_by_name,
                at=t.moment(existing.reported_at),
            )
        )
    return t.join(lines)


def jump_question(t: Translator, reason: str, field: str, previous: int, value: int) -> Markup:
    return t(
        f"monitoring.jump_{reason}",
        field=t(f"kpi_fields.{field}"),
        previous=number(t, previous),
        value=number(t, value),
    )


def preview(
    t: Translator,
    cluster_name: str,
    period: str,
    figures: dict[str, int],
    previous: dict[str, int] | None,
    narrative: str,
) -> Markup:
    lines = [
        t(
            "monitoring.preview_header",
            cluster=cluster_name,
            period=period_name(t, period),
        )
    ]
    for field in KPI_FIELDS:
        before = int(previous[field]) if previous else None
        lines.append(figure_line(t, field, int(figures[field]), before))
    lines.append(t("monitoring.narrative", text=narrative))
    return t.join(lines)


def history_table(t: Translator, cluster: Cluster, history: list[KpiReport]) -> Markup:
    """The last reports of a cluster, each figure with its change against the period before,
    and the latest narrative."""
    lines = [
        t(
            "monitoring.table_header",
            cluster=cluster.name,
            province=t(f"working_groups.{cluster.working_group}"),
            count=len(history),
        )
    ]
    for i, report in enumerate(history[:SHOWN_REPORTS]):
        before = history[i + 1] if i + 1 < len(history) else None
        lines.append("")
        lines.extend(_report_lines(t, report, before))
    latest = history[0]
    if latest.narrative:
        text = latest.narrative
        if len(text) > SHOWN_NARRATIVE:
            text = text[:SHOWN_NARRATIVE] + "…"
        lines += ["", t("monitoring.narrative", text=text)]
    return t.join(lines)


def _report_lines(t: Translator, report: KpiReport, before: KpiReport | None) -> list[Markup]:
    lines = [
        t(
            "monitoring.table_period",
            period=period_name(t, report.period),
            name=report.reported_by_name,
            at=t.moment(report.reported_at),
        )
    ]
    for field in KPI_FIELDS:
        previous = before.figures[field] if before else None
        lines.append(figure_line(t, field, report.figures[field], previous))
    return lines


# --- keyboards ----------------------------------------------------------------------------------


def report_button(t: Translator, cluster_id: int, period: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("monitoring.report_now"),
        callback_data=KpiStart(cluster_id=cluster_id, period=period),
    )
    return builder.as_markup()


def _cluster_keyboard(
    t: Translator, clusters: list[tuple[Cluster, CallbackData]]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for cluster, data in clusters[:MAX_CLUSTER_BUTTONS]:
        builder.button(
            text=t.plain(
                "dialog.cluster_button",
                name=cluster.name,
                province=t(f"working_groups.{cluster.working_group}"),
            ),
            callback_data=data,
        )
    builder.adjust(1)
    return builder.as_markup()


def report_clusters_keyboard(
    t: Translator, clusters: list[tuple[Cluster, str]]
) -> InlineKeyboardMarkup:
    """/report with several clusters: one button per (cluster, its current period)."""
    return _cluster_keyboard(
        t, [(c, KpiStart(cluster_id=c.id, period=period)) for c, period in clusters]
    )


def view_clusters_keyboard(t: Translator, clusters: list[Cluster]) -> InlineKeyboardMarkup:
    return _cluster_keyboard(t, [(c, KpiView(cluster_id=c.id)) for c in clusters])


def jump_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("monitoring.sure_yes"), callback_data=KpiStep(action="yes"))
    builder.button(text=t("monitoring.sure_no"), callback_data=KpiStep(action="no"))
    return builder.as_markup()


def preview_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("monitoring.save"), callback_data=KpiStep(action="save"))
    builder.button(text=t("monitoring.cancel"), callback_data=KpiStep(action="cancel"))
    return builder.as_markup()


# --- the scheduler's notices --------------------------------------------------------------------


def notice(
    t: Translator, kind: str, cluster: Cluster, period: str, *, has_cda: bool = True
) -> Markup:
    """The scheduler's message: kind is "prompt", "reminder" or "escalation"."""
    values: dict[str, Any] = {
        "cluster": cluster.name,
        "province": t(f"working_groups.{cluster.working_group}"),
        "period": period_name(t, period),
    }
    if kind == "prompt":
        text = t("monitoring.prompt", **values)
    elif kind == "reminder":
        text = t("monitoring.reminder", **values)
    else:
        cda = cluster.cda_name if has_cda and cluster.cda_name else t("monitoring.no_cda_name")
        text = t("monitoring.escalation", cda=cda, **values)
    if not has_cda and kind != "escalation":
        text = t.join([t("monitoring.no_cda_flag", cluster=cluster.name), text])
    return text
