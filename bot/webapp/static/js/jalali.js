// Jalali dates for the picker: conversion by the vendored jalaali-js (pinned, see
// vendor/README.md); names of months and weekdays from the texts.

import { jalaaliMonthLength, toGregorian, toJalaali } from "../vendor/jalaali-js-2.0.1/index.js";
import { digits, t } from "./i18n.js";

const pad = (n) => String(n).padStart(2, "0");

export function iso(gy, gm, gd) {
  return `${gy}-${pad(gm)}-${pad(gd)}`;
}

export function parseIso(value) {
  const [y, m, d] = value.split("-").map(Number);
  return { gy: y, gm: m, gd: d };
}

export function isoToJalali(value) {
  const { gy, gm, gd } = parseIso(value);
  return toJalaali(gy, gm, gd);
}

export function jalaliToIso(jy, jm, jd) {
  const { gy, gm, gd } = toGregorian(jy, jm, jd);
  return iso(gy, gm, gd);
}

export function formatIso(value) {
  if (!value) return "";
  const { jy, jm, jd } = isoToJalali(value);
  return digits(`${jy}/${pad(jm)}/${pad(jd)}`);
}

export function monthName(jm) {
  return t(`months.m${jm}`);
}

export function monthLength(jy, jm) {
  return jalaaliMonthLength(jy, jm);
}

// Today as people in Tehran see it (the bot's dates are Tehran dates).
export function todayIso() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tehran", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

// Column of a Gregorian date in a Persian week (Saturday first).
export function weekColumn(value) {
  const { gy, gm, gd } = parseIso(value);
  return (new Date(Date.UTC(gy, gm - 1, gd)).getUTCDay() + 1) % 7;
}
