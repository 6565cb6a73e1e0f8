// My tasks, and one task: its history and the same actions as its chat card.

import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { pickDate } from "../datepicker.js";
import { todayIso } from "../jalali.js";
import { askNote, confirmSheet, empty, showError, taskCard, taskSummary, toast } from "../ui.js";

export async function myTasks() {
  const data = await api.get("tasks/mine");
  const tasks = data.tasks || [];
  return [
    h("h2", {}, t("tasks.heading")),
    tasks.length ? h("div", { class: "tasks-grid", id: "my-tasks" }, tasks.map((task) => taskCard(task))) : empty(t("tasks.empty")),
  ];
}

// The actions that take a note, and what the note is.
const NOTES = {
  done: { title: "actions.done_title", hint: "actions.done_hint" },
  blocked: { title: "actions.blocked_title", hint: "actions.blocked_hint" },
  comment: { title: "actions.comment_title", hint: null },
  cancel: { title: "actions.cancel_title", hint: null },
};

async function perform(task, action, ctx) {
  try {
    if (action === "reassign") {
      const { reassign } = await import("./board.js");
      if (await reassign([task.id], ctx)) ctx.rerender();
      return;
    }
    if (action === "due") {
      const due = await pickDate({ value: task.due_on || "", min: todayIso() });
      if (!due) return;
      const result = await api.post("board/bulk", { task_ids: [task.id], action: "due", due_on: due }, groupParam(ctx));
      const outcome = (result.results || [])[0];
      if (outcome && !outcome.ok) toast(outcome.message || t("errors.generic"), { error: true });
      else toast(t("tasks.saved"));
      ctx.rerender();
      return;
    }
    let note;
    if (NOTES[action]) {
      const spec = NOTES[action];
      note = await askNote({ title: t(spec.title), hint: spec.hint ? t(spec.hint) : null, required: true });
      if (note === null) return;
    } else if (action === "reopen" && !(await confirmSheet(t("actions.reopen_confirm")))) {
      return;
    }
    await api.post(`tasks/${task.id}/actions`, note === undefined ? { action } : { action, note });
    toast(t("tasks.saved"));
    ctx.rerender();
  } catch (error) {
    showError(error);
  }
}

// Back to wherever the task was opened from (my tasks, the board, the matrix).
function goBack(event) {
  if (window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
}

function groupParam(ctx) {
  return ctx.me.can_see_all ? { group: ctx.group } : {};
}

export async function taskDetail(ctx) {
  const id = Number(ctx.args[0]);
  const data = await api.get(`tasks/${id}`);
  const task = data.task;
  const actions = data.actions || [];
  return [
    h("p", {}, h("a", { href: "#/tasks", class: "back", onclick: goBack }, t("common.back"))),
    h("article", { class: "card task-detail", dataset: { taskId: task.id } },
      taskSummary(task),
      task.details ? h("p", { class: "details" }, task.details) : null,
      h("div", { class: "actions task-actions" },
        actions.map((action) => h("button", {
          type: "button",
          class: ["blocked", "cancel"].includes(action) ? "danger" : action === "comment" ? "secondary" : "",
          dataset: { action },
          onclick: () => perform(task, action, ctx),
        }, t(`actions.${action}`))))),
    h("h3", {}, t("tasks.history")),
    (data.history || []).length
      ? h("ul", { class: "history card" }, data.history.map((item) => h("li", {},
          h("span", { class: "when" }, item.at_jalali),
          item.actor_name ? h("strong", {}, `${item.actor_name}: `) : null,
          item.text)))
      : empty(t("tasks.no_history")),
  ];
}
