// The group's members and the applications waiting for a decision.

import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { askNote, empty, showError, toast } from "../ui.js";

function scope(ctx) {
  return ctx.me.can_see_all ? { group: ctx.group } : {};
}

async function decide(application, decision, ctx) {
  const body = { decision };
  if (decision === "reject") {
    const note = await askNote({ title: t("members.reject_title"), required: true });
    if (note === null) return;
    body.note = note;
  }
  try {
    const result = await api.post(`applications/${application.id}/decision`, body);
    toast(result.message || t("members.decided"));
  } catch (error) {
    showError(error);
  }
  ctx.rerender();
}

export async function members(ctx) {
  const data = await api.get("members", scope(ctx));
  const applications = data.applications || [];
  const people = data.members || [];
  return [
    h("h2", {}, t("members.applications")),
    applications.length
      ? applications.map((a) => h("article", { class: "card application", dataset: { applicationId: a.id } },
          h("div", { class: "title" }, a.full_name),
          h("div", { class: "meta" }, h("span", {}, a.agency_label), h("span", {}, a.applied_jalali)),
          h("div", { class: "actions" },
            h("button", { type: "button", dataset: { decision: "approve" }, onclick: () => decide(a, "approve", ctx) }, t("members.approve")),
            h("button", { type: "button", class: "danger", dataset: { decision: "reject" }, onclick: () => decide(a, "reject", ctx) }, t("members.reject")))))
      : empty(t("members.no_applications")),
    h("h2", {}, t("members.heading")),
    people.length
      ? h("div", { class: "tasks-grid", id: "members" }, people.map((m) => h("article", { class: "card member" },
          h("div", { class: "title" }, m.full_name),
          h("div", { class: "meta" }, [m.role_label, m.agency_label, m.working_group_name].filter(Boolean).map((x) => h("span", {}, x))))))
      : empty(t("members.empty")),
  ];
}
