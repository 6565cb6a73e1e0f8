"""Report charts as PNG images: the pipeline funnel, KPI trends against the target line,
overdue tasks by agency, provinces compared.

matplotlib 3.11 and later shapes Persian and Arabic itself (its bundled libraqm lays text out
right to left with joined letters), so the strings handed to it are the plain text: passing
them through arabic-reshaper and python-bidi as well would reverse them again. The font is
Vazirmatn (SIL OFL, bot/assets/fonts), registered at chart time. The Agg backend draws without
a display; each chart is its own Figure, never pyplot's global state, so charts drawn at once
on several threads do not mix.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from bot.domain import reports as rules
from bot.domain.digits import to_persian_digits
from bot.domain.monitoring import group_thousands
from bot.i18n import Translator
from bot.services.reports import ClusterKpis, GroupReport, StatusReport
from bot.ui import reports as view

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT_FILES = ("Vazirmatn-Regular.ttf", "Vazirmatn-Bold.ttf")
FONT_FAMILY = "Vazirmatn"
# A phone shows an image about 1000 pixels wide at best; 8 x 5 inches at 120 dpi.
SIZE_INCHES = (8.0, 5.0)
DPI = 120
# Bars a chart shows at most; the workbook has every row.
MAX_BARS = 12
COLOURS = ("#1b6ca8", "#f29e4c", "#2a9d8f", "#e76f51", "#6d597a")


@cache
def register_fonts() -> str:
    """Add the shipped Vazirmatn files to matplotlib's font list, once per process.

    matplotlib (with numpy, PIL and fontTools, tens of MB) is imported here, at the first chart,
    not when the bot starts: most processes never draw one."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    folder = resources.files("bot.assets.fonts")
    for name in FONT_FILES:
        with resources.as_file(folder / name) as path:
            font_manager.fontManager.addfont(str(path))
    # The bot draws only its own charts: Vazirmatn for every text (it has Latin letters too).
    matplotlib.rcParams["font.family"] = FONT_FAMILY
    return FONT_FAMILY


def _figure() -> Figure:
    register_fonts()
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    figure.set_facecolor("white")
    return figure


def _digits(t: Translator, text: str) -> str:
    return to_persian_digits(text) if t.locale == "fa" else text


def _number(t: Translator, value: float) -> str:
    return _digits(t, group_thousands(round(value), "٬" if t.locale == "fa" else ","))


def title(figure: Figure) -> str:
    """The chart's title as drawn: the photo's caption repeats it for search and for readers
    of the chat list."""
    return figure.axes[0].get_title() if figure.axes else ""


def png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _bars(
    t: Translator,
    title: str,
    axis: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    percent: bool = False,
) -> Figure:
    """Horizontal bars, first label on top; the value written at each bar's end."""
    figure = _figure()
    ax = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]
    bars = ax.barh(positions, values, color=COLOURS[0])
    ax.set_yticks(positions, labels=list(labels), fontsize=11)
    ax.set_title(title, fontsize=14, fontweight="bold")
    ax.set_xlabel(axis, fontsize=11)
    top = max(values, default=0) or 1
    ax.set_xlim(0, top * 1.15)
    ax.xaxis.set_major_formatter(lambda x, _pos: _number(t, x))
    for bar, value in zip(bars, values, strict=True):
        sign = ("٪" if t.locale == "fa" else "%") if percent else ""
        middle = bar.get_y() + bar.get_height() / 2
        ax.annotate(_number(t, value) + sign, (bar.get_width(), middle), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=10)  # fmt: skip
    ax.spines[["top", "right"]].set_visible(False)
    return figure


def funnel(t: Translator, report: GroupReport, scope: str) -> Figure:
    """Clusters in each lifecycle stage, from identified to finished."""
    stages = rules.funnel(report.stages)
    return _bars(
        t,
        t.plain("report_charts.funnel_title", scope=scope),
        t.plain("report_charts.funnel_axis"),
        [t.plain(f"cluster_stages.{s.value}") for s, _ in stages],
        [n for _, n in stages],
    )


def overdue_by_agency(t: Translator, report: GroupReport, scope: str) -> Figure | None:
    rows = report.overdue_by_agency[:MAX_BARS]
    if not rows:
        return None
    return _bars(
        t,
        t.plain("report_charts.overdue_title", scope=scope),
        t.plain("report_charts.overdue_axis"),
        [t.plain(f"agencies.{a}") if a else t.plain("tasks.no_agency") for a, _ in rows],
        [n for _, n in rows],
    )


def provinces(t: Translator, report: StatusReport) -> Figure | None:
    ranked = [r for r in report.ranking if r.rank is not None][:MAX_BARS]
    if not ranked:
        return None
    return _bars(
        t,
        t.plain("report_charts.provinces_title", period=t.plain(
            f"report_presets.{report.period.preset.value}")),
        t.plain("report_charts.provinces_axis"),
        [_digits(t, f"{r.rank}. ") + t.plain(f"working_groups.{r.figures.group}") for r in ranked],
        [r.figures.score or 0 for r in ranked],
        percent=True,
    )  # fmt: skip


def of_report(t: Translator, which: str, report: StatusReport, scope: str) -> Figure | None:
    """The chart of a status report a person chose (in chat or on the dashboard): "funnel",
    "overdue" or "provinces"."""
    if which == "funnel":
        return funnel(t, report.total, scope)
    if which == "overdue":
        return overdue_by_agency(t, report.total, scope)
    return provinces(t, report)


def kpi_trend(t: Translator, cluster: ClusterKpis, field: str) -> Figure | None:
    """One KPI of one cluster per monitoring period, with the target as a dashed line."""
    if not cluster.series:
        return None
    figure = _figure()
    ax = figure.add_subplot()
    labels = [view.period_label(t, period) for period, _ in cluster.series]
    values = [figures[field] for _, figures in cluster.series]
    positions = list(range(len(values)))
    ax.plot(positions, values, marker="o", color=COLOURS[0], linewidth=2,
            label=t.plain("report_charts.trend_actual"))  # fmt: skip
    target = next((p.target for p in cluster.progress if p.field == field), None)
    if target is not None:
        ax.axhline(target, color=COLOURS[3], linestyle="--", linewidth=1.5,
                   label=t.plain("report_charts.trend_target"))  # fmt: skip
    ax.set_xticks(positions, labels=labels, fontsize=10, rotation=30 if len(labels) > 6 else 0)
    ax.yaxis.set_major_formatter(lambda y, _pos: _number(t, y))
    title = t.plain("report_charts.trend_title", field=t.plain(f"kpi_fields.{field}"),
                    cluster=cluster.name)  # fmt: skip
    ax.set_title(title, fontsize=14, fontweight="bold")
    ax.legend(fontsize=11, loc="best")
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return figure
