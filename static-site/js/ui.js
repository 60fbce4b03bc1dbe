// DOM helpers shared by the screens: elements, form fields with their error
// slot, API errors shown beside the fields, dialogs, notices, documents.

import { api, ApiError, request } from "./api.js";

// ------------------------------------------------------------ elements

const PROPS = new Set(["value", "checked", "disabled", "selected", "hidden", "required", "multiple",
  "readOnly", "open", "indeterminate"]);

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "text") {
      el.textContent = value;
    } else if (PROPS.has(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let counter = 0;
export function uid(prefix = "id") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A screen's title: focused on arrival so screen readers announce it. */
export function title(text, ...extra) {
  document.title = `${text} — Lotbook`;
  return h("h1", { tabindex: "-1" }, text, ...extra);
}

export function section(heading, ...children) {
  const id = uid("section");
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, heading), ...children);
}

// ------------------------------------------------------------ fields

/**
 * A labelled control with its hint and its error slot.
 * def: {name, label, type (text|email|password|tel|date|decimal|int|select|textarea|checkbox|file|search),
 *       options: [[value, label]], hint, required (shown only), autocomplete, placeholder, list, wide}
 */
export function field(def, value) {
  const id = def.id || uid(`f-${def.name.replace(/\W/g, "-")}`);
  const errorId = `${id}-error`;
  const hintId = def.hint ? `${id}-hint` : null;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ");
  let control;
  const common = { id, name: def.name, "aria-describedby": describedBy, autocomplete: def.autocomplete,
    placeholder: def.placeholder, disabled: def.disabled, inputmode: def.inputmode,
    "data-type": def.type || "text" };
  if (def.type === "select") {
    control = h("select", common, (def.options || []).map(([v, l]) => h("option", { value: v }, l)));
    control.value = value ?? (def.options?.[0]?.[0] ?? "");
  } else if (def.type === "textarea") {
    control = h("textarea", { ...common, rows: def.rows || 2 });
    control.value = value ?? "";
  } else if (def.type === "checkbox") {
    control = h("input", { ...common, type: "checkbox", checked: Boolean(value) });
  } else {
    const types = { decimal: "text", int: "text", search: "search" };
    const input = { ...common, type: types[def.type] || def.type || "text", list: def.list, accept: def.accept };
    if (def.type === "decimal") input.inputmode = "decimal";
    if (def.type === "int") input.inputmode = "numeric";
    control = h("input", input);
    if (def.type !== "file") control.value = value ?? "";
  }
  const labelText = [def.label, def.required ? h("span", { class: "required" }, " (obligatoire)") : null];
  const wrapper = h("div", { class: `field field-${def.type || "text"}${def.wide ? " field-wide" : ""}`,
    "data-field": def.name });
  if (def.type === "checkbox") {
    append(wrapper, [h("label", { for: id, class: "check" }, control, " ", labelText)]);
  } else {
    append(wrapper, [h("label", { for: id }, labelText), control]);
  }
  if (hintId) wrapper.append(h("p", { class: "hint", id: hintId }, def.hint));
  wrapper.append(h("p", { class: "field-error", id: errorId, hidden: true }));
  return wrapper;
}

export function options(map, { blank } = {}) {
  const list = Object.entries(map);
  return blank !== undefined ? [["", blank], ...list] : list;
}

export function fieldset(legend, defs, values = {}) {
  return h("fieldset", {}, h("legend", {}, legend), defs.map((d) => field(d, get(values, d.name))));
}

function get(values, name) {
  return name.split(".").reduce((obj, key) => (obj == null ? undefined : obj[key]), values);
}

function put(target, name, value) {
  const keys = name.split(".");
  let obj = target;
  for (const key of keys.slice(0, -1)) obj = obj[key] ??= {};
  obj[keys.at(-1)] = value;
}

/** The value a control gives the API: numbers only where the API wants integers. */
export function controlValue(control) {
  const type = control.dataset.type;
  if (type === "checkbox") return control.checked;
  const raw = control.value.trim();
  if (raw === "") return null;
  if (type === "int") return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  return raw;
}

/**
 * The form's values as the API's JSON (dotted names nest). empty: "omit" drops
 * empty fields, "null" sends them as null (clears them).
 */
export function readForm(form, { empty = "omit", only } = {}) {
  const out = {};
  for (const control of form.querySelectorAll("[name][data-type]")) {
    if (control.disabled || control.dataset.type === "file") continue;
    if (only && !only.includes(control.name)) continue;
    const value = controlValue(control);
    if (value === null && empty === "omit") continue;
    put(out, control.name, value);
  }
  return out;
}

export function fill(form, values) {
  for (const control of form.querySelectorAll("[name][data-type]")) {
    const value = get(values, control.name);
    if (value === undefined || control.dataset.type === "file") continue;
    if (control.dataset.type === "checkbox") control.checked = Boolean(value);
    else control.value = value ?? "";
  }
}

// ------------------------------------------------------------ errors beside the fields

export function clearErrors(scope) {
  for (const slot of scope.querySelectorAll(".field-error")) {
    slot.textContent = "";
    slot.hidden = true;
  }
  for (const control of scope.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  for (const box of scope.querySelectorAll(".form-alert")) box.remove();
}

export function setFieldError(scope, name, message) {
  const control = scope.querySelector(`[name="${CSS.escape(name)}"]`);
  if (!control) return false;
  const slot = document.getElementById(`${control.id}-error`);
  control.setAttribute("aria-invalid", "true");
  if (slot) {
    slot.textContent = message;
    slot.hidden = false;
  }
  return true;
}

/**
 * Shows an API error in a form: each detail beside its field, the message and
 * whatever has no field at the top. Focuses the first field in error.
 */
export function showError(scope, error, { labels = {} } = {}) {
  clearErrors(scope);
  const err = error instanceof ApiError ? error : new ApiError(0, { message: String(error?.message || error) });
  const orphans = [];
  for (const [name, message] of Object.entries(err.fieldErrors)) {
    if (!setFieldError(scope, name, message)) orphans.push(`${labels[name] || name} : ${message}`);
  }
  const refs = err.details && Array.isArray(err.details.refs) ? err.details.refs : [];
  if (refs.length) orphans.push(`Articles concernés : ${refs.join(", ")}`);
  const box = alertBox(err.message, orphans);
  scope.prepend(box);
  const first = scope.querySelector("[aria-invalid]");
  (first || box).focus();
  return err;
}

export function alertBox(message, items = [], kind = "error") {
  return h("div", { class: `form-alert alert-${kind}`, role: "alert", tabindex: "-1" },
    h("p", {}, message),
    items.length ? h("ul", {}, items.map((item) => h("li", {}, item))) : null);
}

/** Runs an async submit with the button disabled; errors go beside the fields. */
export function onSubmit(form, handler, options = {}) {
  form.noValidate = true;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const buttons = [...form.querySelectorAll("button[type=submit]")];
    buttons.forEach((b) => { b.disabled = true; });
    form.setAttribute("aria-busy", "true");
    clearErrors(form);
    try {
      await handler(event);
    } catch (error) {
      if (options.onError) options.onError(error);
      else showError(form, error, options);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      form.removeAttribute("aria-busy");
    }
  });
  return form;
}

// ------------------------------------------------------------ notices

const FLASH_KEY = "lotbook.flash";

/** A message for the next screen (after a navigation). */
export function flashNext(message, kind = "success", items = []) {
  sessionStorage.setItem(FLASH_KEY, JSON.stringify({ message, kind, items }));
}

export function takeFlash() {
  const raw = sessionStorage.getItem(FLASH_KEY);
  sessionStorage.removeItem(FLASH_KEY);
  return raw ? JSON.parse(raw) : null;
}

export function notice(message, kind = "success", items = []) {
  const area = document.getElementById("flash");
  clear(area);
  if (!message) return;
  const close = h("button", { type: "button", class: "button-quiet close", "aria-label": "Fermer le message",
    onclick: () => clear(area) }, "✕");
  area.append(h("div", { class: `flash alert-${kind}` }, h("div", {}, h("p", {}, message),
    items.length ? h("ul", {}, items.map((i) => h("li", {}, i))) : null), close));
}

export function loading(container, text = "Chargement…") {
  clear(container).append(h("p", { class: "loading", role: "status" }, text));
}

export function failure(container, error) {
  container.append(alertBox(error.message || "Erreur."));
}

// ------------------------------------------------------------ dialogs

export function dialog(heading, build, { wide } = {}) {
  const headingId = uid("dialog");
  const body = h("div", { class: "dialog-body" });
  const closeButton = h("button", { type: "button", class: "button-quiet close", "aria-label": "Fermer" }, "✕");
  const el = h("dialog", { class: `dialog${wide ? " dialog-wide" : ""}`, "aria-labelledby": headingId },
    h("div", { class: "dialog-head" }, h("h2", { id: headingId }, heading), closeButton), body);
  const close = () => el.close();
  closeButton.addEventListener("click", close);
  el.addEventListener("close", () => el.remove());
  document.body.append(el);
  append(body, [build(close)]);
  el.showModal();
  const first = body.querySelector("input:not([type=hidden]), select, textarea, button");
  if (first) first.focus();
  return { el, close, body };
}

export function confirmDialog(question, confirmLabel = "Confirmer") {
  return new Promise((resolve) => {
    let answer = false;
    const { el } = dialog("Confirmation", (close) => h("div", {},
      h("p", {}, question),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "button-danger", onclick: () => { answer = true; close(); } },
          confirmLabel),
        h("button", { type: "button", class: "button-quiet", onclick: close }, "Annuler"))));
    el.addEventListener("close", () => resolve(answer));
  });
}

// ------------------------------------------------------------ documents (PDF, CSV)

/**
 * A link to an API document: fetched with the token (a plain link would carry
 * none), then opened in a new tab or downloaded.
 */
export function documentLink(text, path, { download, className = "button-link" } = {}) {
  return h("a", { href: `api${path}`, class: className, "data-document": path,
    "data-download": download || null, onclick: (event) => {
      event.preventDefault();
      openDocument(path, { download });
    } }, text);
}

/** A PDF's two ways: opened in a new tab, or downloaded under its file name. */
export function documentLinks(text, path, filename) {
  return [documentLink(text, path),
    documentLink(h("span", {}, "Télécharger", h("span", { class: "visually-hidden" }, ` le fichier ${filename}`)), path,
      { download: filename, className: "button-link button-quiet" })];
}

export async function openDocument(path, { download } = {}) {
  const target = download ? null : window.open("", "_blank");
  if (target) {
    target.document.title = "Document";
    target.document.body.textContent = "Préparation du document…";
  }
  try {
    // the PDF routes answer bytes only to a request that accepts them (API Gateway's binary rule)
    const headers = /\.pdf(\?|$)/.test(path) ? { Accept: "application/pdf" } : {};
    const blob = await request("GET", path, { as: "blob", headers });
    const href = URL.createObjectURL(blob);
    if (download) {
      const link = h("a", { href, download });
      document.body.append(link);
      link.click();
      link.remove();
      notice(`Fichier « ${download} » téléchargé.`);
    } else if (target) {
      target.location.href = href;
    } else {
      window.location.assign(href);
    }
    setTimeout(() => URL.revokeObjectURL(href), 60_000);
  } catch (error) {
    if (target) target.close();
    notice(error.status === 404 && error.code === "route_not_found"
      ? "Ce document n'est pas encore disponible." : error.message, "error");
  }
}

// ------------------------------------------------------------ tables and pages

/** columns: [{key, label, render(row) → node|string, class}] */
export function table(columns, rows, { caption, rowAttrs, empty = "Aucun élément." } = {}) {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption || "Tableau" },
    h("table", {},
      caption ? h("caption", { class: "visually-hidden" }, caption) : null,
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.class }, c.label)))),
      h("tbody", {}, rows.map((row) => h("tr", rowAttrs ? rowAttrs(row) : {},
        columns.map((c, i) => h(i === 0 && c.header !== false ? "th" : "td",
          i === 0 && c.header !== false ? { scope: "row", class: c.class } : { class: c.class },
          c.render ? c.render(row) : (row[c.key] ?? "—"))))))));
}

/** "Page 2 sur 7" with previous/next; go(page) is called on a change. */
export function pager(reply, go) {
  const pages = Math.max(1, Math.ceil(reply.total / reply.page_size));
  if (pages <= 1) return h("p", { class: "pager-info" }, `${reply.total} résultat(s)`);
  return h("nav", { class: "pager", "aria-label": "Pagination" },
    h("button", { type: "button", disabled: reply.page <= 1, onclick: () => go(reply.page - 1) }, "‹ Précédente"),
    h("span", { "aria-current": "page" }, `Page ${reply.page} sur ${pages} — ${reply.total} résultat(s)`),
    h("button", { type: "button", disabled: reply.page >= pages, onclick: () => go(reply.page + 1) }, "Suivante ›"));
}

/** Every page of a list route, for pickers (suppliers, clients, families). */
export async function listAll(path, query = {}) {
  const first = await api.get(path, { query: { ...query, page_size: 500 } });
  return first.items;
}

export function isPhone() {
  return window.matchMedia("(max-width: 480px)").matches;
}
