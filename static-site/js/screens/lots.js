// Lots: purchases and consignments, filtered; the Σ summary of the filter.

import { api } from "../api.js";
import { LOT_KINDS, LOT_STATUSES, date, label, money, partyName } from "../fr.js";
import { can, replaceQuery } from "../router.js";
import {
  dialog, field, fill, h, listAll, loading, onSubmit, openDocument, options, pager, readForm, table, title,
} from "../ui.js";

const FILTERS = ["q", "kind", "status", "supplier_id", "purchase_from", "purchase_to", "has_traces"];

export default async function render(view, { query, me }) {
  view.append(title("Lots d'achat et prises en confié"),
    h("p", {}, h("a", { class: "button-link button-primary", href: "#/saisie" }, "Saisir un lot"),
      can(me, "receive_transfers") ? [" ", h("a", { class: "button-link", href: "#/lots/en-attente", "data-pending": "" },
        "Lots en attente de finition")] : null));
  const suppliers = await listAll("/suppliers");
  const state = Object.fromEntries(FILTERS.map((k) => [k, query[k] || ""]));
  let page = Number(query.page) || 1;

  const form = h("form", { class: "form filters", role: "search", "aria-label": "Filtres des lots" },
    h("div", { class: "grid" },
      field({ name: "q", label: "Référence (début)", type: "search" }),
      field({ name: "kind", label: "Type", type: "select", options: options(LOT_KINDS, { blank: "Tous" }) }),
      field({ name: "status", label: "Statut", type: "select", options: options(LOT_STATUSES, { blank: "Tous" }) }),
      field({ name: "supplier_id", label: "Fournisseur", type: "select",
        options: [["", "Tous"], ...suppliers.map((s) => [s.id, partyName(s)])] }),
      field({ name: "purchase_from", label: "Acheté à partir du", type: "date" }),
      field({ name: "purchase_to", label: "Acheté jusqu'au", type: "date" }),
      field({ name: "has_traces", label: "Corrections", type: "select",
        options: [["", "Indifférent"], ["true", "Avec traces"], ["false", "Sans trace"]] })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Chercher"),
      h("button", { type: "button", class: "button-quiet", onclick: () => { form.reset(); search(); } }, "Effacer"),
      can(me, "see_purchase_data") ? h("button", { type: "button", onclick: summary, "aria-label": "Synthèse (Σ) des lots filtrés" },
        "Σ Synthèse") : null,
      can(me, "print_back_office") ? [printButton("Liste des lots (PDF)", "/lots/list.pdf"),
        printButton("Fiches du livre de police (PDF)", "/lots/police-sheets.pdf")] : null));
  // the PDFs of the lots the filters keep
  function printButton(text, path) {
    return h("button", { type: "button", "data-document": path, onclick: () => {
      const params = new URLSearchParams(Object.entries(state).filter(([, v]) => v)).toString();
      openDocument(`${path}${params ? `?${params}` : ""}`);
    } }, text);
  }
  fill(form, state);
  const results = h("div", { "aria-live": "polite" });
  onSubmit(form, async () => search());

  function search() {
    Object.assign(state, Object.fromEntries(FILTERS.map((k) => [k, ""])), readForm(form));
    page = 1;
    return refresh();
  }

  async function refresh() {
    replaceQuery({ ...state, page: page > 1 ? page : "" });
    loading(results);
    const reply = await api.get("/lots", { query: { ...state, page, page_size: 50 } });
    const seesPrices = reply.items.some((lot) => "purchase_price" in lot);
    results.replaceChildren(table([
      { label: "Référence", render: (l) => h("a", { href: `#/lots/${encodeURIComponent(l.ref)}` }, l.ref) },
      { label: "Date d'achat", render: (l) => date(l.purchase_date) },
      { label: "Type", render: (l) => label(LOT_KINDS, l.kind) },
      { label: "Fournisseur", render: (l) => partyName(l.supplier) },
      { label: "Articles", render: (l) => String(l.article_count ?? "—"), class: "num" },
      seesPrices ? { label: "Prix d'achat", render: (l) => money(l.purchase_price), class: "num" } : null,
      { label: "Statut", render: (l) => label(LOT_STATUSES, l.status) },
      { label: "Traces", render: (l) => String((l.traces || []).length), class: "num" },
    ].filter(Boolean), reply.items, { caption: "Lots", empty: "Aucun lot." }),
    pager(reply, (p) => { page = p; refresh(); }));
  }

  async function summary() {
    const reply = await api.get("/lots/summary", { query: state }).catch((error) => ({ error }));
    dialog("Σ Synthèse des lots filtrés", () => (reply.error ? h("p", {}, reply.error.message) : h("dl", { class: "summary" },
      h("dt", {}, "Lots"), h("dd", {}, String(reply.count)),
      h("dt", {}, "Articles"), h("dd", {}, String(reply.article_count)),
      h("dt", {}, "Total des achats"), h("dd", {}, money(reply.purchase_total)),
      h("dt", {}, "Total taxe incluse (TMP)"), h("dd", {}, money(reply.price_incl_tmp_total)),
      h("dt", {}, "TMP due"), h("dd", {}, money(reply.tmp_due)))));
  }

  view.append(form, results);
  await refresh();
}
