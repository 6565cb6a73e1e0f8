// My submissions and where each one is: its timeline.

import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { empty } from "../ui.js";

export async function mySubmissions() {
  const data = await api.get("submissions/mine");
  const items = data.submissions || [];
  return [
    h("h2", {}, t("submissions.heading")),
    items.length
      ? items.map((item) => h("article", { class: "card submission", dataset: { submissionId: item.id } },
          h("div", { class: "title" }, item.title),
          h("div", { class: "meta" },
            h("span", {}, item.kind_label),
            h("span", { class: "badge" }, item.status_label),
            item.stage_label ? h("span", {}, item.stage_label) : null),
          (item.timeline || []).length
            ? h("ul", { class: "history" }, item.timeline.map((step) => h("li", {}, h("span", { class: "when" }, step.at_jalali), step.text)))
            : null))
      : empty(t("submissions.empty")),
  ];
}
