// Why the police register is read (arrêté of 15 May 2020, art. 3: every consultation is logged
// with who, when and why). What the user types in « Motif de la consultation » is kept for this
// tab and sent as `?purpose=` with every read of the register the site makes (api.js); without
// it the API logs « Gestion courante ». docs/consultations.md lists the routes.

// No import: api.js uses this module, and ui.js uses api.js.

const KEY = "lotbook.purpose";
export const PURPOSE_MAX = 200;

// The API's reads of the register, paths after /api: GET /api/me's `register_reads` (regular
// expressions built from the routes' own declarations, chalicelib/api/routing.py), set by app.js
// once it has loaded the user. No copy here.
let registerReads = [];

export function setRegisterReads(patterns) {
  registerReads = (patterns || []).map((pattern) => new RegExp(pattern));
}

export function currentPurpose() {
  try {
    return sessionStorage.getItem(KEY) || "";
  } catch {
    return "";
  }
}

export function setPurpose(value) {
  const text = (value || "").replace(/\s+/g, " ").trim().slice(0, PURPOSE_MAX);
  try {
    if (text) sessionStorage.setItem(KEY, text);
    else sessionStorage.removeItem(KEY);
  } catch {
    // private mode without storage: the purpose is simply not kept
  }
  return text;
}

/** The query of a GET, with the purpose added when the path reads the register. */
export function withPurpose(method, path, query) {
  const purpose = currentPurpose();
  if (method !== "GET" || !purpose) return query;
  const bare = path.split("?")[0];
  if (!registerReads.some((pattern) => pattern.test(bare))) return query;
  return { ...(query || {}), purpose };
}

let fields = 0;

function element(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** The optional « Motif de la consultation » field of the register screens. */
export function purposeField() {
  fields += 1;
  const id = `purpose-${fields}`;
  const input = element("input", { id, type: "text", name: "purpose", maxlength: String(PURPOSE_MAX),
    autocomplete: "off", "aria-describedby": `${id}-hint`, placeholder: "Gestion courante" });
  input.value = currentPurpose();
  input.addEventListener("input", () => { setPurpose(input.value); });
  input.addEventListener("change", () => { input.value = setPurpose(input.value); });
  return element("div", { class: "field purpose-field" },
    element("label", { for: id }, "Motif de la consultation (facultatif)"), input,
    element("p", { class: "hint", id: `${id}-hint` }, "Chaque consultation du livre de police est journalisée avec "
      + "son auteur, sa date et son motif. Ce motif accompagne vos consultations jusqu'à la fermeture de l'onglet ; "
      + "sans motif : « Gestion courante »."));
}
