// A Jalali date picker: month grids Saturday to Friday, official holidays (GET /api/holidays)
// marked with their names, days before `min` not offered. Resolves with an ISO date or null.

import { api } from "./api.js";
import { h, clear } from "./dom.js";
import { digits, t } from "./i18n.js";
import { formatIso, isoToJalali, jalaliToIso, monthLength, monthName, todayIso, weekColumn } from "./jalali.js";
import { openSheet, showError } from "./ui.js";

const WEEKDAYS = ["sat", "sun", "mon", "tue", "wed", "thu", "fri"];

export function pickDate({ value = "", min = "" } = {}) {
  const today = todayIso();
  const start = isoToJalali(value || (min && min > today ? min : today));
  let jy = start.jy;
  let jm = start.jm;
  let chosen = value;
  return openSheet((close) => {
    const title = h("strong", { class: "picker-title" });
    const grid = h("div", { class: "picker-grid" });
    const note = h("div", { class: "picker-note" });
    const ok = h("button", { type: "button", class: "pick", disabled: !chosen, onclick: () => close(chosen) }, t("common.choose"));
    let holidays = new Map();

    const draw = () => {
      title.textContent = `${monthName(jm)} ${digits(jy)}`;
      clear(grid);
      for (const day of WEEKDAYS) grid.append(h("span", { class: "wd" }, t(`weekdays.${day}`)));
      const first = jalaliToIso(jy, jm, 1);
      for (let i = 0; i < weekColumn(first); i++) grid.append(h("span"));
      for (let jd = 1; jd <= monthLength(jy, jm); jd++) {
        const day = jalaliToIso(jy, jm, jd);
        const holiday = holidays.get(day);
        const friday = weekColumn(day) === 6;
        const classes = [holiday || friday ? "holiday" : "", day === today ? "today" : "", day === chosen ? "chosen" : ""];
        grid.append(h("button", {
          type: "button",
          class: classes.filter(Boolean).join(" "),
          dataset: { date: day },
          title: holiday || undefined,
          disabled: min && day < min ? true : undefined,
          onclick: () => {
            chosen = day;
            ok.disabled = false;
            note.textContent = holiday ? t("picker.holiday", { name: holiday }) : friday ? t("picker.friday") : formatIso(day);
            note.classList.toggle("off-day", Boolean(holiday || friday));
            draw();
          },
        }, digits(jd)));
      }
    };

    const load = async () => {
      const from = jalaliToIso(jy, jm, 1);
      const to = jalaliToIso(jy, jm, monthLength(jy, jm));
      holidays = new Map();
      draw();
      try {
        const data = await api.get("holidays", { from, to });
        for (const day of data.days || []) holidays.set(day.on, day.name);
      } catch (error) {
        showError(error);
      }
      draw();
    };

    const move = (step) => {
      jm += step;
      if (jm < 1) { jm = 12; jy -= 1; }
      if (jm > 12) { jm = 1; jy += 1; }
      load();
    };

    load();
    // Time runs from the start side: right to left in Persian.
    const rtl = document.documentElement.dir === "rtl";
    return [
      h("div", { class: "picker-head" },
        h("button", { type: "button", class: "secondary prev-month", "aria-label": t("picker.previous"), onclick: () => move(-1) }, rtl ? "›" : "‹"),
        title,
        h("button", { type: "button", class: "secondary next-month", "aria-label": t("picker.next"), onclick: () => move(1) }, rtl ? "‹" : "›")),
      grid,
      note,
      h("div", { class: "actions" }, ok, h("button", { type: "button", class: "secondary", onclick: () => close(null) }, t("common.cancel"))),
    ];
  });
}

// A button that shows the chosen Jalali date and opens the picker; `get()` gives the ISO date.
export function dateField({ label, min = "", onchange } = {}) {
  let value = "";
  const shown = h("output", {}, t("picker.none"));
  const button = h("button", {
    type: "button",
    class: "secondary date-button",
    onclick: async () => {
      const picked = await pickDate({ value, min });
      if (picked) {
        value = picked;
        shown.textContent = formatIso(picked);
        onchange?.(picked);
      }
    },
  }, t("picker.open"));
  const element = h("label", { class: "field" }, label, h("span", { class: "date-field" }, button, shown));
  return { element, get: () => value };
}
