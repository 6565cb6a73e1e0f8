// The country: every province's working group side by side; a card opens that group's board.

import { api } from "../api.js";
import { h, richText } from "../dom.js";
import { digits, t } from "../i18n.js";

const FIGURES = ["clusters", "open_tasks", "overdue", "pending"];

function ranking(value) {
  if (!value) return null;
  if (typeof value === "string") return h("article", { class: "card report-text" }, richText(value));
  if (Array.isArray(value) && value.length) {
    return h("ol", { class: "card history", id: "ranking" }, value.map((item) =>
      h("li", {}, typeof item === "object" ? [item.name ?? item.label ?? item.code ?? "", item.value !== undefined ? ` — ${digits(item.value)}` : ""] : String(item))));
  }
  return null;
}

export async function country(ctx) {
  const data = await api.get("country");
  const groups = data.groups || [];
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
    data.ranking ? h("h3", {}, t("country.ranking")) : null,
    ranking(data.ranking),
  ];
}
