// The dashboard: who is reading (GET /api/me), their texts, the tabs their role sees, and a
// hash router (#/tasks, #/task/12, #/board, ...) over the views.

import { api, setInitData } from "./api.js";
import { bootText, setBootLanguage } from "./boot.js";
import { clear, h, option } from "./dom.js";
import { setTexts, t } from "./i18n.js";
import { applyTheme, launchLanguage, loadNativeScript, nativeApp, readLaunch, startNative } from "./launch.js";
import { fatal, loading, showError } from "./ui.js";
import { myTasks, taskDetail } from "./views/tasks.js";
import { mySubmissions } from "./views/submissions.js";
import { board } from "./views/board.js";
import { matrix } from "./views/matrix.js";
import { pipeline } from "./views/pipeline.js";
import { reports } from "./views/reports.js";
import { members } from "./views/members.js";
import { country } from "./views/country.js";

// Who sees a tab: everyone, the group's managers (and the central group), the central group.
const ROUTES = {
  tasks: { view: myTasks, tab: true, who: "member" },
  submissions: { view: mySubmissions, tab: true, who: "member" },
  board: { view: board, tab: true, who: "manager" },
  matrix: { view: matrix, tab: true, who: "manager" },
  pipeline: { view: pipeline, tab: true, who: "manager" },
  reports: { view: reports, tab: true, who: "manager" },
  members: { view: members, tab: true, who: "manager" },
  country: { view: country, tab: true, who: "central" },
  task: { view: taskDetail, tab: false, who: "member" },
};

const state = { me: null, group: "", render: 0 };

function allowed(route) {
  if (route.who === "central") return state.me.can_see_all;
  if (route.who === "manager") return state.me.can_manage || state.me.can_see_all;
  return true;
}

// The messenger's own back button (Telegram and Bale have one) on a task, where the page's
// "back" link is also shown.
function nativeBackButton(visible) {
  const button = nativeApp()?.BackButton;
  if (!button) return;
  try {
    if (visible) {
      button.onClick?.(goBack);
      button.show();
    } else {
      button.offClick?.(goBack);
      button.hide();
    }
  } catch {
    // An older client without a back button: the page's own link remains.
  }
}

function goBack() {
  window.history.back();
}

function parseHash() {
  const [path, query = ""] = window.location.hash.replace(/^#\/?/, "").split("?");
  const [name, ...rest] = path.split("/");
  return { name: name || "tasks", args: rest, query: new URLSearchParams(query) };
}

function renderTabs(current) {
  const nav = document.getElementById("tabs");
  clear(nav);
  for (const [name, route] of Object.entries(ROUTES)) {
    if (!route.tab || !allowed(route)) continue;
    nav.append(h("a", { href: `#/${name}`, id: `tab-${name}`, "aria-current": name === current ? "page" : undefined }, t(`nav.${name}`)));
  }
  nav.hidden = false;
}

async function render() {
  const { name, args, query } = parseHash();
  const route = ROUTES[name] && allowed(ROUTES[name]) ? ROUTES[name] : ROUTES.tasks;
  const routeName = ROUTES[name] && allowed(ROUTES[name]) ? name : "tasks";
  renderTabs(routeName === "task" ? "" : routeName);
  nativeBackButton(routeName === "task");
  const view = document.getElementById("view");
  const ticket = ++state.render;
  clear(view).append(loading());
  view.dataset.view = routeName;
  const ctx = {
    me: state.me,
    group: state.group,
    args,
    query,
    // A view that answers after the reader moved on must not draw over the new one.
    current: () => ticket === state.render,
    rerender: render,
  };
  try {
    const content = await route.view(ctx);
    if (!ctx.current()) return;
    clear(view).append(...[content].flat(Infinity).filter(Boolean));
    view.dataset.ready = routeName;
  } catch (error) {
    if (!ctx.current()) return;
    clear(view);
    showError(error);
  }
}

async function groupSwitcher() {
  if (!state.me.can_see_all) return;
  const select = document.getElementById("group");
  try {
    const data = await api.get("country");
    clear(select);
    for (const group of data.groups || []) {
      select.append(option(group.code, group.name, group.code === state.group));
    }
  } catch (error) {
    showError(error);
    return;
  }
  document.getElementById("group-label").textContent = t("common.group");
  select.parentElement.hidden = false;
  select.addEventListener("change", () => {
    state.group = select.value;
    render();
  });
}

function setLanguage(language, dir) {
  document.documentElement.lang = language;
  document.documentElement.dir = dir;
}

async function start() {
  let launch = readLaunch();
  if (!launch?.initData && (await loadNativeScript())) launch = readLaunch();
  const language = launchLanguage(launch);
  setBootLanguage(language);
  setLanguage(language, language === "en" ? "ltr" : "rtl");
  document.getElementById("boot-message").textContent = bootText("webapp.boot.loading");
  applyTheme(launch?.theme);
  startNative();
  if (!launch?.initData) {
    fatal(bootText("webapp.errors.no_launch_data"));
    return;
  }
  setInitData(launch.initData);
  // Our own routes take the fragment's place; the launch data is kept (see launch.js).
  if (window.location.hash.includes("tgWebAppData=")) {
    history.replaceState(null, "", `${window.location.pathname}${window.location.search}#/tasks`);
  }
  try {
    const [me, texts] = await Promise.all([api.get("me"), api.get("texts")]);
    state.me = me;
    state.group = me.working_group;
    setBootLanguage(texts.language);
    setTexts(texts.language, texts.texts);
    setLanguage(texts.language, texts.dir || me.dir);
  } catch (error) {
    showError(error);
    if (error?.status !== 401) fatal(error?.body?.message || bootText("webapp.errors.network"));
    return;
  }
  document.title = t("title");
  document.getElementById("who").textContent = state.me.full_name;
  document.getElementById("where").textContent = [state.me.role_label, state.me.working_group_name].filter(Boolean).join(" – ");
  window.addEventListener("hashchange", render);
  await groupSwitcher();
  await render();
}

start();
