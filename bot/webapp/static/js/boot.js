// Texts shown before the API answers (or when it refuses the launch data), put into the page
// by the server from the same locale files (see BOOT_TEXTS in bot/webapp/pages.py).

let table = null;
let language = "fa";

export function setBootLanguage(lang) {
  language = lang === "en" ? "en" : "fa";
}

export function bootText(key) {
  if (!table) {
    try {
      table = JSON.parse(document.getElementById("boot-texts").textContent);
    } catch {
      table = {};
    }
  }
  return table[language]?.[key] ?? table.fa?.[key] ?? key;
}
