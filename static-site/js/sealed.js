// What the compliance screens share: the sealed records of the vault (police
// register, receipts) as tables, their fingerprints, the stored content read back.

import { date, datetime, label, money, text } from "./fr.js";
import { api } from "./api.js";
import { replaceQuery } from "./router.js";
import { failure, field, fill, h, loading, onSubmit, pager, readForm, table } from "./ui.js";

export const POLICE_EVENTS = {
  lot_committed: "Enregistrement du lot",
  lot_corrected: "Correction",
  lot_retracted: "Rétractation / annulation",
};

export const CHAINS = {
  police_register: "Livre de police",
  receipt: "Tickets de caisse",
  closing: "Clôtures",
  inspection: "Rapports de contrôle",
  consultation: "Consultations du registre",
  chain_head: "Têtes de chaînes",
};

/** A fingerprint in full, breakable (its label is beside it: a column, a term). */
export function hash(value) {
  return value ? h("code", { class: "hash" }, value) : "—";
}

export function retention(item) {
  const storage = item.storage || {};
  return storage.retain_until ? date(storage.retain_until.slice(0, 10)) : "—";
}

/** The sealed versions of the police register: each links to its stored content. */
export function policeTable(items, caption) {
  return table([
    { label: "N°", render: (r) => h("a", { href: `#/conformite/livre-de-police/${encodeURIComponent(r.id)}`,
      "aria-label": `Enregistrement n° ${r.number} — lot ${r.lot_ref}, version ${text(r.version)}` }, r.number) },
    { label: "Lot", render: (r) => h("a", { href: `#/lots/${encodeURIComponent(r.lot_ref)}` }, r.lot_ref) },
    { label: "Version", render: (r) => text(r.version), class: "num" },
    { label: "Événement", render: (r) => label(POLICE_EVENTS, r.event || r.kind) },
    { label: "Scellé le", render: (r) => datetime(r.sealed_at) },
    { label: "SHA-256", render: (r) => hash(r.sha256) },
    { label: "Conservé jusqu'au", render: retention },
  ], items, { caption, empty: "Aucun enregistrement scellé." });
}

export function receiptTable(items, caption) {
  return table([
    { label: "Ticket", render: (r) => h("a", { href: `#/conformite/tickets/${encodeURIComponent(r.number)}` }, r.number) },
    { label: "Transaction", render: (r) => text(r.transaction_ref) },
    { label: "Total", render: (r) => money(r.total), class: "num" },
    { label: "Scellé le", render: (r) => datetime(r.sealed_at) },
    { label: "SHA-256", render: (r) => hash(r.sha256) },
    { label: "Conservé jusqu'au", render: retention },
  ], items, { caption, empty: "Aucun ticket scellé." });
}

/** The seal of one record: its place in the chain and where the vault keeps it. */
export function sealFacts(stored, item) {
  const storage = item?.storage || {};
  return h("dl", { class: "facts" },
    h("dt", {}, "Chaîne"), h("dd", {}, label(CHAINS, stored.chain)),
    h("dt", {}, "Rang"), h("dd", {}, text(stored.rank)),
    h("dt", {}, "Scellé le"), h("dd", {}, datetime(stored.sealed_at)),
    h("dt", {}, "SHA-256"), h("dd", {}, hash(item?.sha256)),
    h("dt", {}, "SHA-256 précédent"), h("dd", {}, hash(stored.prev_sha256)),
    h("dt", {}, "Conservé jusqu'au"), h("dd", {}, item ? retention(item) : "—"),
    storage.retention_mode ? [h("dt", {}, "Mode de rétention"), h("dd", {}, storage.retention_mode)] : null,
    storage.key ? [h("dt", {}, "Clé dans le coffre"), h("dd", {}, h("code", { class: "hash" }, storage.key))] : null);
}

/** The content exactly as stored, for whoever wants the bytes' meaning in full. */
export function rawContent(stored) {
  return h("details", { class: "raw" }, h("summary", {}, "Contenu scellé complet (JSON)"),
    h("pre", { class: "hash" }, JSON.stringify(stored, null, 2)));
}

/**
 * A list of sealed records with its filter form, paginated and kept in the URL:
 * the police register and the receipts share it.
 */
export async function sealedList(view, query, { path, filters, ariaLabel, caption, render: renderTable }) {
  const names = filters.map((f) => f.name);
  const state = Object.fromEntries(names.map((k) => [k, query[k] || ""]));
  let page = Number(query.page) || 1;
  const form = h("form", { class: "form filters", role: "search", "aria-label": ariaLabel },
    h("div", { class: "grid" }, filters.map((f) => field(f))),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Chercher"),
      h("button", { type: "button", class: "button-quiet", onclick: () => { form.reset(); search(); } }, "Effacer")));
  fill(form, state);
  const results = h("div", { "aria-live": "polite" });
  onSubmit(form, async () => search());

  function search() {
    Object.assign(state, Object.fromEntries(names.map((k) => [k, ""])), readForm(form));
    page = 1;
    return refresh();
  }

  async function refresh() {
    replaceQuery({ ...state, page: page > 1 ? page : "" });
    loading(results);
    try {
      const reply = await api.get(path, { query: { ...state, page, page_size: 50 } });
      results.replaceChildren(renderTable(reply.items, caption), pager(reply, (p) => { page = p; refresh(); }));
    } catch (error) {
      results.replaceChildren();
      failure(results, error);
    }
  }

  view.append(form, results);
  await refresh();
}
