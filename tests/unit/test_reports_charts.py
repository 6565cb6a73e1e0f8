"""The report charts render as images a phone can show, with the plain Persian text handed to
matplotlib (it shapes Persian itself since 3.11; pre-shaped or reversed text would come out
backwards)."""

from __future__ import annotations

import datetime
import io
import re

import matplotlib
from matplotlib.image import imread

from bot.config import Platform
from bot.domain.reports import Preset, preset_period
from bot.i18n import Catalogs
from bot.services.reports import ClusterKpis, GroupReport
from bot.ui import charts

FA = Catalogs(Platform.TELEGRAM).translator("fa")
EN = Catalogs(Platform.TELEGRAM).translator("en")
# Arabic presentation forms: what arabic-reshaper produces instead of plain letters.
PRESHAPED = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
# Bidi controls that python-bidi's reordering or manual tricks leave behind.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
PIPELINE = GroupReport(
    "tehran",
    stages={"identified": 505, "feasibility_studied": 252, "licensed": 54, "finished": 124},
    overdue_by_agency=[("tpo", 12), ("chamber_commerce", 7), ("", 3)],
)


def texts(figure) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text) if t.get_text()]


def test_matplotlib_shapes_persian_itself() -> None:
    major, minor = (int(p) for p in matplotlib.__version__.split(".")[:2])
    assert (major, minor) >= (3, 11)


def test_the_funnel_has_a_bar_per_stage_and_plain_persian_labels() -> None:
    figure = charts.funnel(FA, PIPELINE, "تهران")
    ax = figure.axes[0]
    assert len(ax.patches) == 5
    assert [round(p.get_width()) for p in ax.patches] == [505, 252, 54, 0, 124]
    assert ax.get_title() == "خوشه‌ها بر پایه مرحله — تهران"
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == ["شناسایی‌شده", "طرح توجیهی بررسی‌شده", "دارای پروانه",
                      "در حال اجرای طرح توسعه", "پایان‌یافته"]  # fmt: skip
    every = texts(figure)
    assert "۵۰۵" in every and "505" not in every
    assert not any(PRESHAPED.search(t) or BIDI_CONTROLS.search(t) for t in every)
    image = imread(io.BytesIO(charts.png(figure)), format="png")
    height, width = image.shape[:2]
    assert (width, height) == (960, 600)
    # Not a blank canvas: the bars' blue is there
    assert (abs(image[..., :3] - [0x1B / 255, 0x6C / 255, 0xA8 / 255]).sum(axis=-1) < 0.05).any()


def test_overdue_by_agency_draws_one_bar_per_agency_or_nothing() -> None:
    figure = charts.overdue_by_agency(EN, PIPELINE, "Tehran")
    assert figure is not None
    assert len(figure.axes[0].patches) == 3
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()][-1] == "no agency"
    assert charts.overdue_by_agency(EN, GroupReport("fars"), "Fars") is None


def test_a_kpi_trend_has_a_point_per_period_and_the_target_line() -> None:
    from bot.domain.reports import kpi_progress

    series = [("1405-07", {"firms": 100}), ("1405-08", {"firms": 110}), ("1405-09", {"firms": 125})]
    progress = [kpi_progress("firms", 100, 125, 150, None, None, datetime.date(2026, 11, 23))]
    cluster = ClusterKpis(1, "مبلمان", "tehran", series, progress, "end", {"end": {"firms": 150}})
    figure = charts.kpi_trend(FA, cluster, "firms")
    assert figure is not None
    ax = figure.axes[0]
    actual, target = ax.get_lines()
    assert list(actual.get_ydata()) == [100, 110, 125]
    assert list(target.get_ydata()) == [150, 150]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["مهر ۱۴۰۵", "آبان ۱۴۰۵", "آذر ۱۴۰۵"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["گزارش‌شده", "هدف"]
    assert len(charts.png(figure)) > 10_000


def test_provinces_are_compared_by_score() -> None:
    from bot.domain.reports import GroupFigures, rank_groups
    from bot.services.reports import StatusReport

    ranking = rank_groups([
        GroupFigures("tehran", clusters=3, open_tasks=10, overdue_tasks=2),
        GroupFigures("fars", clusters=1, open_tasks=4, overdue_tasks=2),
    ])  # fmt: skip
    period = preset_period(Preset.THIS_MONTH, datetime.date(2026, 11, 23))
    report = StatusReport(period, datetime.datetime.now(datetime.UTC), GroupReport("country"),
                          [], ranking)  # fmt: skip
    figure = charts.provinces(FA, report)
    assert figure is not None
    assert [round(p.get_width()) for p in figure.axes[0].patches] == [80, 50]
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["۱. تهران", "۲. فارس"]
