// Texts come from /api/texts (bot/locales/<lang>/webapp.toml); numbers in the reader's digits.

const PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
let texts = {};
let language = "fa";

export function setTexts(lang, table) {
  language = lang;
  texts = table || {};
}

export function lang() {
  return language;
}

export function digits(value) {
  const text = String(value ?? "");
  return language === "fa" ? text.replace(/[0-9]/g, (d) => PERSIAN[Number(d)]) : text;
}

// t("tasks.empty") finds "webapp.tasks.empty" (or the key as it is); {name} blanks are filled
// with values, numbers in the reader's digits.
export function t(key, values = {}) {
  let text = texts[`webapp.${key}`] ?? texts[key];
  if (text === undefined) {
    console.warn("missing text", key);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in values)) return whole;
    const value = values[name];
    return typeof value === "number" ? digits(value) : String(value);
  });
}

export function has(key) {
  return `webapp.${key}` in texts || key in texts;
}
