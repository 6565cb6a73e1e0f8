// A cluster's task matrix: agencies down the side, sub-processes across, each cell coloured by
// the state of its tasks; a cell opens its task.

import { api } from "../api.js";
import { h, option } from "../dom.js";
import { digits, t } from "../i18n.js";
import { empty, openSheet } from "../ui.js";

const STATES = ["none", "open", "in_progress", "overdue", "blocked", "done"];
let chosen = "";

function scope(ctx) {
  return ctx.me.can_see_all ? { group: ctx.group } : {};
}

function openCell(cell) {
  const ids = cell.task_ids || [];
  if (ids.length === 1) {
    window.location.hash = `#/task/${ids[0]}`;
  } else if (ids.length > 1) {
    openSheet((close) => [
      h("h2", {}, t("matrix.cell_tasks")),
      h("div", { class: "actions" }, ids.map((id) => h("a", { class: "button", href: `#/task/${id}`, onclick: () => close() }, digits(`#${id}`)))),
    ]);
  }
}

export async function matrix(ctx) {
  const clusters = (await api.get("clusters", scope(ctx))).clusters || [];
  if (!clusters.length) return [h("h2", {}, t("matrix.heading")), empty(t("matrix.no_clusters"))];
  if (!clusters.some((c) => String(c.id) === String(chosen))) chosen = String(clusters[0].id);
  const picker = h("select", { id: "matrix-cluster", name: "cluster" },
    clusters.map((c) => option(c.id, c.stage_label ? `${c.name} (${c.stage_label})` : c.name, String(c.id) === chosen)));
  picker.addEventListener("change", () => {
    chosen = picker.value;
    ctx.rerender();
  });

  const data = await api.get("matrix", { cluster: chosen, ...scope(ctx) });
  const cells = new Map((data.cells || []).map((cell) => [`${cell.agency}|${cell.subprocess}`, cell]));
  const legend = h("div", { class: "legend" }, STATES.map((s) => h("span", { class: `cell ${s}` }, t(`matrix.status_${s}`))));
  const table = h("table", { class: "matrix", id: "matrix" },
    h("thead", {}, h("tr", {}, h("th", { class: "agency" }, t("matrix.agency")),
      (data.subprocesses || []).map((sp) => h("th", { scope: "col", title: sp.label }, sp.label)))),
    h("tbody", {}, (data.agencies || []).map((agency) => h("tr", {},
      h("th", { class: "agency", scope: "row" }, agency.label),
      (data.subprocesses || []).map((sp) => {
        const cell = cells.get(`${agency.code}|${sp.code}`) || { status: "none", task_ids: [] };
        const count = (cell.task_ids || []).length;
        return h("td", {
          class: `cell ${STATES.includes(cell.status) ? cell.status : "none"}`,
          title: `${agency.label} — ${sp.label}: ${t(`matrix.status_${STATES.includes(cell.status) ? cell.status : "none"}`)}`,
          dataset: { status: cell.status, agency: agency.code, subprocess: sp.code },
          tabindex: count ? 0 : undefined,
          onclick: () => openCell(cell),
          onkeydown: (event) => event.key === "Enter" && openCell(cell),
        }, count ? digits(count) : "");
      })))));
  return [
    h("h2", {}, t("matrix.heading")),
    h("label", { class: "field" }, t("matrix.cluster"), picker),
    legend,
    h("div", { class: "matrix-wrap" }, table),
  ];
}
