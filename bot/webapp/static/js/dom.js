// Elements built from data with textContent only: nothing the API returns is parsed as HTML.

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

export function option(value, label, selected) {
  return h("option", { value, selected: selected ? true : undefined }, label);
}

// Telegram-style rich text (the report's <b>, <i>, <u>, <code>) shown with those tags only.
const KEEP = new Set(["B", "I", "U", "CODE", "STRONG", "EM"]);
export function richText(markup) {
  const parsed = new DOMParser().parseFromString(`<div>${markup}</div>`, "text/html");
  const copy = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.textContent);
    if (node.nodeType !== Node.ELEMENT_NODE) return null;
    const children = [...node.childNodes].map(copy).filter(Boolean);
    if (!KEEP.has(node.tagName)) return children;
    return h(node.tagName.toLowerCase(), {}, children);
  };
  return [...parsed.body.firstChild.childNodes].map(copy).filter(Boolean);
}
