// Pieces every view shares: status badges, task cards, the toast, sheets, error display.

import { h, clear } from "./dom.js";
import { digits, t } from "./i18n.js";
import { bootText } from "./boot.js";

let toastTimer = null;

export function toast(message, { error = false } = {}) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = error ? "toast error" : "toast";
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), error ? 6000 : 3000);
}

export function fatal(message) {
  document.getElementById("tabs").hidden = true;
  clear(document.getElementById("view")).append(h("div", { class: "fatal", id: "fatal" }, message));
}

// What a failed call shows: 401 ends the session (the launch data is stale or forged), a
// refusal shows the API's own text (the same as the chat's), anything else says so plainly.
export function showError(error) {
  if (error?.status === 401) {
    fatal(bootText("webapp.errors.unauthorized"));
    return;
  }
  if (error?.status === 0) {
    toast(bootText("webapp.errors.network"), { error: true });
    return;
  }
  const message = error?.body?.message || (error?.status === 403 ? t("errors.forbidden") : t("errors.generic"));
  toast(message, { error: true });
}

export function loading() {
  return h("p", { class: "muted" }, t("common.loading"));
}

export function empty(text) {
  return h("div", { class: "empty" }, text);
}

export function statusBadge(task) {
  const badges = [h("span", { class: `badge st-${task.status}` }, task.status_label)];
  if (task.overdue) badges.push(h("span", { class: "badge overdue" }, t("tasks.overdue")));
  return badges;
}

export function dueText(task) {
  if (!task.due_jalali) return t("tasks.no_due");
  if (task.overdue && typeof task.days_left === "number") {
    return t("tasks.due_overdue", { date: task.due_jalali, count: Math.abs(task.days_left) });
  }
  if (typeof task.days_left === "number" && task.status !== "done") {
    return t("tasks.due_in", { date: task.due_jalali, count: task.days_left });
  }
  return t("tasks.due", { date: task.due_jalali });
}

export function progressBar(value) {
  const width = Math.max(0, Math.min(100, Number(value) || 0));
  const fill = h("span");
  // Through the CSSOM: the Content-Security-Policy refuses inline style attributes.
  fill.style.width = `${width}%`;
  return h("div", { class: "progress", role: "progressbar", "aria-valuenow": width, "aria-valuemin": 0, "aria-valuemax": 100 }, fill);
}

export function taskSummary(task, { leading } = {}) {
  return h("div", { class: "row" },
    leading,
    h("div", { class: "grow" },
      h("div", { class: "title" }, task.title),
      h("div", { class: "meta" },
        h("span", {}, task.cluster_name),
        task.assignee_name ? h("span", {}, task.assignee_name) : null,
        task.agency_name ? h("span", {}, task.agency_name) : null,
        h("span", { class: "due" }, dueText(task)),
        h("span", {}, t("tasks.progress", { value: digits(task.progress ?? 0) })),
      ),
      h("div", { class: "actions badges" }, statusBadge(task)),
      progressBar(task.progress),
    ));
}

export function taskCard(task, { leading } = {}) {
  return h("article", {
    class: "card clickable task",
    dataset: { taskId: task.id },
    onclick: (event) => {
      if (event.target.closest("input, button, label")) return;
      window.location.hash = `#/task/${task.id}`;
    },
  }, taskSummary(task, { leading }));
}

// A sheet over the page; resolves with what `build(close)` passes to close().
export function openSheet(build) {
  const sheet = document.getElementById("sheet");
  return new Promise((resolve) => {
    const close = (value = null) => {
      sheet.hidden = true;
      clear(sheet);
      document.removeEventListener("keydown", onKey);
      resolve(value);
    };
    const onKey = (event) => event.key === "Escape" && close(null);
    const panel = h("div", { class: "panel", role: "dialog", "aria-modal": "true" });
    clear(sheet).append(panel);
    sheet.onclick = (event) => event.target === sheet && close(null);
    document.addEventListener("keydown", onKey);
    panel.append(...[build(close)].flat());
    sheet.hidden = false;
    panel.querySelector("textarea, input, select, button")?.focus();
  });
}

// A note for an action (evidence for "done", the reason for "blocked", a comment).
export function askNote({ title, hint, required = true, submit }) {
  return openSheet((close) => {
    const text = h("textarea", { name: "note", "aria-label": title, required: required || undefined });
    const problem = h("div", { class: "picker-note" });
    const send = () => {
      const value = text.value.trim();
      if (required && !value) {
        problem.textContent = t("errors.note_required");
        return;
      }
      close(value);
    };
    return [
      h("h2", {}, title),
      hint ? h("p", { class: "muted small" }, hint) : null,
      text,
      problem,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "send", onclick: send }, submit || t("common.send")),
        h("button", { type: "button", class: "secondary", onclick: () => close(null) }, t("common.cancel"))),
    ];
  });
}

export function confirmSheet(question) {
  return openSheet((close) => [
    h("p", {}, question),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "yes", onclick: () => close(true) }, t("common.yes")),
      h("button", { type: "button", class: "secondary", onclick: () => close(false) }, t("common.no"))),
  ]);
}
