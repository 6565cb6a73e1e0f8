// The submission pipeline: a column per stage, each card's age, and the decision buttons the
// reader may press (the server applies the chat's rules and decides exactly once).

import { api } from "../api.js";
import { h } from "../dom.js";
import { digits, t } from "../i18n.js";
import { askNote, confirmSheet, empty, showError, toast } from "../ui.js";

// Past this many days a card's age is shown as late.
const OLD_DAYS = 14;

function scope(ctx) {
  return ctx.me.can_see_all ? { group: ctx.group } : {};
}

async function decide(item, decision, ctx) {
  let note;
  if (decision === "approve") {
    if (!(await confirmSheet(t("pipeline.approve_confirm", { title: item.title })))) return;
  } else {
    note = await askNote({ title: t(`pipeline.${decision}_title`), required: true });
    if (note === null) return;
  }
  try {
    // The version the reader saw: a card changed meanwhile (decided in the chat) is refused,
    // exactly as a press on an out-of-date chat card.
    const body = { decision, version: item.version };
    if (note !== undefined) body.note = note;
    const result = await api.post(`submissions/${item.id}/decision`, body);
    toast(result.message || t("pipeline.decided"));
  } catch (error) {
    showError(error);
  }
  ctx.rerender();
}

function card(item, ctx) {
  return h("article", { class: "card submission", dataset: { submissionId: item.id } },
    h("div", { class: "title" }, item.title),
    h("div", { class: "meta" },
      h("span", {}, item.kind_label),
      h("span", {}, item.cluster_name),
      h("span", {}, item.submitted_jalali)),
    h("div", { class: `age${item.age_days >= OLD_DAYS ? " old" : ""}` }, t("pipeline.age", { count: item.age_days ?? 0 })),
    item.can_decide
      ? h("div", { class: "actions" }, (item.decisions || []).map((decision) => h("button", {
          type: "button",
          class: decision === "reject" ? "danger" : decision === "return" ? "secondary" : "",
          dataset: { decision },
          onclick: () => decide(item, decision, ctx),
        }, t(`pipeline.${decision}`))))
      : null);
}

export async function pipeline(ctx) {
  const stages = (await api.get("pipeline", scope(ctx))).stages || [];
  if (!stages.length) return [h("h2", {}, t("pipeline.heading")), empty(t("pipeline.empty"))];
  return [
    h("h2", {}, t("pipeline.heading")),
    h("div", { class: "columns", id: "pipeline" }, stages.map((stage) => h("section", { class: "column", dataset: { stage: stage.stage } },
      h("h3", {}, h("span", {}, stage.label), h("span", { class: "muted" }, digits((stage.submissions || []).length))),
      (stage.submissions || []).length ? stage.submissions.map((item) => card(item, ctx)) : h("p", { class: "muted small" }, t("pipeline.column_empty"))))),
  ];
}
