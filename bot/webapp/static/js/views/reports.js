// The reports of a Jalali period: presets or a custom range, the report's text and its charts.

import { api } from "../api.js";
import { h, option, richText } from "../dom.js";
import { t } from "../i18n.js";
import { dateField } from "../datepicker.js";
import { showError, toast } from "../ui.js";

const PRESETS = ["this_month", "last_month", "this_season", "last_season", "this_year", "last_year", "custom"];
const CHARTS = ["funnel", "kpi", "overdue", "provinces"];
const chosen = { period: "this_month", from: "", to: "" };
// Object URLs of the last charts, released when new ones replace them.
let shown = [];

function scope(ctx) {
  return ctx.me.can_see_all ? { group: ctx.group } : {};
}

async function chart(name, params) {
  const figure = h("figure", { class: "card chart", dataset: { chart: name } });
  try {
    const blob = await api.blob(`reports/chart/${name}.png`, params);
    const link = URL.createObjectURL(blob);
    shown.push(link);
    figure.append(h("img", { src: link, alt: t(`reports.chart_${name}`) }), h("figcaption", { class: "muted small" }, t(`reports.chart_${name}`)));
  } catch (error) {
    // A chart the period has no data for (or the reader may not see) is left out.
    if (error?.status === 401) throw error;
    return null;
  }
  return figure;
}

export async function reports(ctx) {
  const period = h("select", { id: "report-period", name: "period" }, PRESETS.map((p) => option(p, t(`reports.preset_${p}`), p === chosen.period)));
  const from = dateField({ label: t("reports.from") });
  const to = dateField({ label: t("reports.to") });
  const custom = h("div", { class: "filters", hidden: chosen.period !== "custom" }, from.element, to.element,
    h("button", {
      type: "button",
      id: "report-custom",
      onclick: () => {
        if (!from.get() || !to.get()) {
          toast(t("reports.pick_range"), { error: true });
          return;
        }
        chosen.from = from.get();
        chosen.to = to.get();
        ctx.rerender();
      },
    }, t("reports.show")));
  period.addEventListener("change", () => {
    chosen.period = period.value;
    custom.hidden = period.value !== "custom";
    if (period.value !== "custom") ctx.rerender();
  });

  const head = [h("h2", {}, t("reports.heading")), h("div", { class: "filters" }, h("label", { class: "field" }, t("reports.period"), period)), custom];
  if (chosen.period === "custom" && (!chosen.from || !chosen.to)) return [...head, h("p", { class: "muted" }, t("reports.pick_range"))];

  const params = { period: chosen.period, ...(chosen.period === "custom" ? { from: chosen.from, to: chosen.to } : {}), ...scope(ctx) };
  let report;
  try {
    report = await api.get("reports", params);
  } catch (error) {
    if (error?.status === 401) throw error;
    showError(error);
    return head;
  }
  for (const link of shown) URL.revokeObjectURL(link);
  shown = [];
  const names = CHARTS.filter((name) => name !== "provinces" || ctx.me.can_see_all);
  const charts = (await Promise.all(names.map((name) => chart(name, params)))).filter(Boolean);
  return [
    ...head,
    h("article", { class: "card report-text", id: "report-text" }, richText(report.text || "")),
    charts.length ? h("div", { class: "charts", id: "report-charts" }, charts) : null,
  ];
}
