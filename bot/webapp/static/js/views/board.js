// The group's task board: filters (status, agency, cluster, assignee, overdue), and a
// selection of tasks to reassign or give a new due date (the Jalali picker) in one go.

import { api } from "../api.js";
import { h, option } from "../dom.js";
import { digits, t } from "../i18n.js";
import { dateField } from "../datepicker.js";
import { empty, openSheet, showError, taskCard, toast } from "../ui.js";
import { todayIso } from "../jalali.js";

const LIMIT = 200;
// Kept while the reader moves between tabs.
const filters = { status: "open", agency: "", cluster: "", assignee: "", overdue: "" };

function scope(ctx) {
  return ctx.me.can_see_all ? { group: ctx.group } : {};
}

function select(name, choices, withAll = true) {
  const element = h("select", { name, id: `filter-${name}` },
    withAll ? option("", t("board.any"), !filters[name]) : null,
    (choices || []).map((c) => option(c.value, c.label, String(c.value) === String(filters[name]))));
  return h("label", { class: "field" }, t(`board.filter_${name}`), element);
}

function summarise(results) {
  const refused = results.filter((r) => !r.ok);
  const done = results.length - refused.length;
  toast(t("board.bulk_result", { done, refused: refused.length }), { error: refused.length > 0 });
  return refused;
}

// Pick an assignee and reassign the tasks; true when anything changed.
export async function reassign(ids, ctx) {
  let choices;
  try {
    choices = (await api.get("members/assignable", scope(ctx))).members || [];
  } catch (error) {
    showError(error);
    return false;
  }
  const chosen = await openSheet((close) => {
    const list = h("select", { name: "assignee_id", id: "bulk-assignee" }, choices.map((c) => option(c.value, c.label)));
    return [
      h("h2", {}, t("board.reassign_title", { count: ids.length })),
      h("label", { class: "field" }, t("board.assignee"), list),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "apply", onclick: () => close(list.value) }, t("common.apply")),
        h("button", { type: "button", class: "secondary", onclick: () => close(null) }, t("common.cancel"))),
    ];
  });
  if (!chosen) return false;
  try {
    const data = await api.post("board/bulk", { task_ids: ids, action: "reassign", assignee_id: Number(chosen) }, scope(ctx));
    showRefusals(summarise(data.results || []));
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

function showRefusals(refused) {
  if (!refused.length) return;
  openSheet((close) => [
    h("h2", {}, t("board.refused_title")),
    h("ul", { class: "history" }, refused.map((r) => h("li", {}, digits(`#${r.id}`), " — ", r.message || t("errors.generic")))),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: () => close() }, t("common.close"))),
  ]);
}

export async function board(ctx) {
  const data = await api.get("board", { ...filters, ...scope(ctx), limit: LIMIT });
  const facets = data.facets || {};
  const tasks = data.tasks || [];
  const selected = new Set();

  const count = h("span", { id: "selected-count" });
  const bulk = h("div", { class: "bulk", id: "bulk", hidden: true });
  const refresh = () => {
    count.textContent = t("board.selected", { count: selected.size });
    bulk.hidden = selected.size === 0;
  };

  const form = h("form", { class: "filters", id: "board-filters", onsubmit: (e) => e.preventDefault() },
    select("status", facets.statuses, false),
    select("agency", facets.agencies),
    select("cluster", facets.clusters),
    select("assignee", facets.assignees),
    h("label", { class: "check" },
      h("input", { type: "checkbox", name: "overdue", id: "filter-overdue", checked: filters.overdue ? true : undefined }),
      t("board.filter_overdue")));
  form.addEventListener("change", (event) => {
    const field = event.target;
    filters[field.name] = field.type === "checkbox" ? (field.checked ? "1" : "") : field.value;
    ctx.rerender();
  });

  const due = dateField({ label: t("board.new_due"), min: todayIso() });
  const applyDue = async () => {
    const value = due.get();
    if (!value) {
      toast(t("board.pick_date_first"), { error: true });
      return;
    }
    try {
      const result = await api.post("board/bulk", { task_ids: [...selected], action: "due", due_on: value }, scope(ctx));
      showRefusals(summarise(result.results || []));
      ctx.rerender();
    } catch (error) {
      showError(error);
    }
  };
  bulk.append(
    count,
    h("button", { type: "button", id: "bulk-reassign", onclick: async () => (await reassign([...selected], ctx)) && ctx.rerender() }, t("board.reassign")),
    due.element,
    h("button", { type: "button", id: "bulk-due", onclick: applyDue }, t("board.change_due")),
  );

  const allBox = h("input", { type: "checkbox", id: "select-all", "aria-label": t("board.select_all") });
  allBox.addEventListener("change", () => {
    for (const box of document.querySelectorAll("input.pick-task")) {
      box.checked = allBox.checked;
      const id = Number(box.value);
      if (allBox.checked) selected.add(id);
      else selected.delete(id);
    }
    refresh();
  });

  const cards = tasks.map((task) => {
    const box = h("input", { type: "checkbox", class: "pick-task", value: task.id, "aria-label": task.title });
    box.addEventListener("change", () => {
      if (box.checked) selected.add(task.id);
      else selected.delete(task.id);
      refresh();
    });
    return taskCard(task, { leading: box });
  });
  refresh();

  const total = data.total ?? tasks.length;
  return [
    h("h2", {}, t("board.heading")),
    form,
    h("div", { class: "board-head" },
      h("label", { class: "check" }, allBox, t("board.select_all")),
      h("span", { class: "muted small", id: "board-total" },
        total > tasks.length ? t("board.showing", { shown: tasks.length, total }) : t("board.total", { count: total }))),
    tasks.length ? h("div", { class: "tasks-grid", id: "board-tasks" }, cards) : empty(t("board.empty")),
    bulk,
  ];
}
