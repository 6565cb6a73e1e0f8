// The country: every province's working group side by side; a card opens that group's board.

import { api } from "../api.js";
import { h } from "../dom.js";
import { digits, t } from "../i18n.js";

const FIGURES = ["clusters", "open_tasks", "overdue", "pending"];

// The provinces ranked as in the country report: score, tasks on time, monitoring reported.
function ranking(rows) {
  if (!Array.isArray(rows) || !rows.length) return null;
  return h("ol", { class: "card history", id: "ranking" }, rows.map((row) => h("li", {},
    h("strong", {}, `${digits(row.rank)}. ${row.name}`),
    h("span", { class: "muted small" }, " — ", t("country.rank_line", {
      score: digits(row.score ?? 0),
      on_time: digits(row.on_time_percent ?? 0),
      reporting: digits(row.reporting_percent ?? 0),
    })))));
}

export async function country(ctx) {
  const data = await api.get("country");
  // Provinces with work in hand first (stable: the API's order among equals).
  const busy = (g) => (g.open_tasks || 0) + (g.pending || 0) + (g.clusters || 0);
  const groups = [...(data.groups || [])].sort((a, b) => busy(b) - busy(a));
  const select = document.getElementById("group");
  return [
    h("h2", {}, t("country.heading")),
    h("div", { class: "country", id: "country" }, groups.map((group) => h("article", {
      class: "card clickable province",
      dataset: { group: group.code },
      onclick: () => {
        if (select) {
          select.value = group.code;
          select.dispatchEvent(new Event("change"));
        }
        window.location.hash = "#/board";
      },
    },
      h("div", { class: "title" }, group.name),
      h("div", { class: "stats" }, FIGURES.map((name) => [h("span", { class: "muted" }, t(`country.${name}`)), h("strong", {}, digits(group[name] ?? 0))]))))),
    data.ranking?.length ? h("h3", {}, t("country.ranking")) : null,
    ranking(data.ranking),
  ];
}
