// Articles: the search (filters in tabs, active filters as removable tags kept
// in the URL and this tab's session), chosen columns (remembered on this
// device), pages, the selection and the bulk actions. On a phone: cards, the
// selection and the sale only.

import { api } from "../api.js";
import { ACTIONS, actionsFor, openAction } from "../actions.js";
import { articleCard, articleColumns, basketToggle } from "../articlebits.js";
import { addFilter, addRefs, emptySelection, onSelection, selection } from "../basket.js";
import { CONDITIONS, PAYMENT_METHODS, STATUSES, VAT_RATES, money, partyName } from "../fr.js";
import { can, replaceQuery } from "../router.js";
import { scanBox } from "../scan.js";
import {
  append, clearErrors, dialog, field, fill, h, listAll, loading, notice, onSubmit, openDocument, options, pager,
  readForm, showError, table, title, uid,
} from "../ui.js";

const QUERY_KEY = "lotbook.articles.query";
const COLUMNS_KEY = "lotbook.articles.columns";
const PAGE_SIZES = ["25", "50", "100", "200", "500"];
const SORTS = [["", "Références récentes d'abord"], ["ref", "Références anciennes d'abord"],
  ["-purchase_date", "Achats récents d'abord"], ["purchase_date", "Achats anciens d'abord"],
  ["-sale_date", "Ventes récentes d'abord"], ["description", "Désignation (A → Z)"],
  ["label_price", "Prix étiquette croissant"], ["-label_price", "Prix étiquette décroissant"], ["status", "Statut"]];

function filterTabs(lists) {
  const parties = (items) => [["", "Tous"], ...items.map((p) => [p.id, partyName(p)])];
  return [
    ["Critères courants", [
      { name: "q", label: "Désignation contient", type: "search" },
      { name: "ref", label: "Référence" },
      { name: "status", label: "Statut", type: "select", options: options(STATUSES, { blank: "Tous" }) },
      { name: "in_selection", label: "Sélection", type: "select",
        options: [["", "Indifférent"], ["true", "Dans la sélection"], ["false", "Hors sélection"]] },
      { name: "sort", label: "Tri", type: "select", options: SORTS },
    ]],
    ["Article", [
      { name: "family_id", label: "Famille", type: "select",
        options: [["", "Toutes"], ...lists.families.map((f) => [f.id, f.label])] },
      { name: "condition", label: "État", type: "select", options: options(CONDITIONS, { blank: "Tous" }) },
      { name: "vat_rate", label: "TVA", type: "select", options: options(VAT_RATES, { blank: "Toutes" }) },
      { name: "weight_min", label: "Poids minimum (g)", type: "decimal" },
      { name: "weight_max", label: "Poids maximum (g)", type: "decimal" },
      { name: "price_min", label: "Prix minimum (€)", type: "decimal" },
      { name: "price_max", label: "Prix maximum (€)", type: "decimal" },
    ]],
    ["Achat", [
      { name: "supplier_id", label: "Fournisseur", type: "select", options: parties(lists.suppliers) },
      { name: "lot_ref", label: "Lot (référence)" },
      { name: "purchase_from", label: "Acheté à partir du", type: "date" },
      { name: "purchase_to", label: "Acheté jusqu'au", type: "date" },
    ]],
    ["Dépôt", [
      { name: "deposit_from", label: "Déposé à partir du", type: "date" },
      { name: "deposit_to", label: "Déposé jusqu'au", type: "date" },
    ]],
    ["Vente", [
      { name: "client_id", label: "Client (vente ou dépôt)", type: "select", options: parties(lists.clients) },
      { name: "sale_from", label: "Vendu à partir du", type: "date" },
      { name: "sale_to", label: "Vendu jusqu'au", type: "date" },
      { name: "payment_method", label: "Moyen de paiement", type: "select",
        options: options(PAYMENT_METHODS, { blank: "Tous" }) },
      { name: "transaction_ref", label: "Réf. transaction" },
      { name: "invoice_number", label: "N° de facture" },
    ]],
    ["Historique", [
      { name: "has_traces", label: "Traces internes", type: "select",
        options: [["", "Indifférent"], ["true", "Avec traces"], ["false", "Sans trace"]] },
    ]],
  ];
}

function initialQuery(query) {
  if (Object.keys(query).length) return query;
  try {
    return JSON.parse(sessionStorage.getItem(QUERY_KEY)) || {};
  } catch {
    return {};
  }
}

export default async function render(view, { query, me, phone }) {
  const backOffice = can(me, "see_purchase_data");
  view.append(title("Articles"));
  const [families, suppliers, clients] = await Promise.all([
    listAll("/families"), phone ? [] : listAll("/suppliers"), phone ? [] : listAll("/clients")]);
  const names = {
    families: new Map(families.map((f) => [f.id, f.label])),
    suppliers: new Map(suppliers.map((s) => [s.id, partyName(s)])),
    clients: new Map(clients.map((c) => [c.id, partyName(c)])),
  };
  const tabs = filterTabs({ families, suppliers, clients });
  const defs = new Map(tabs.flatMap(([, list]) => list.map((d) => [d.name, d])));
  const start = initialQuery(query);
  const filters = Object.fromEntries(Object.entries(start).filter(([k, v]) => defs.has(k) && v !== ""));
  let page = Number(start.page) || 1;
  let pageSize = PAGE_SIZES.includes(String(start.page_size)) ? String(start.page_size) : "50";
  let lastReply = null;

  // ---------------------------------------------------------------- filters in tabs
  const tablist = h("div", { role: "tablist", "aria-label": "Groupes de filtres", class: "tabs" });
  const panels = h("div", { class: "tab-panels" });
  tabs.forEach(([name, list], i) => {
    const tabId = uid("tab");
    const panelId = uid("panel");
    const tab = h("button", { type: "button", role: "tab", id: tabId, "aria-controls": panelId,
      "aria-selected": i === 0 ? "true" : "false", tabindex: i === 0 ? "0" : "-1" }, name);
    const panel = h("div", { role: "tabpanel", id: panelId, "aria-labelledby": tabId, hidden: i !== 0, class: "grid" },
      list.map((d) => field(d)));
    tab.addEventListener("click", () => selectTab(i));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: 1, ArrowLeft: -1 };
      if (event.key in moves) {
        event.preventDefault();
        selectTab((i + moves[event.key] + tabs.length) % tabs.length, true);
      }
    });
    tablist.append(tab);
    panels.append(panel);
  });
  function selectTab(index, focus) {
    [...tablist.children].forEach((tab, i) => {
      tab.setAttribute("aria-selected", String(i === index));
      tab.tabIndex = i === index ? 0 : -1;
      panels.children[i].hidden = i !== index;
    });
    if (focus) tablist.children[index].focus();
  }
  const filterForm = h("form", { class: "form filters", role: "search", "aria-label": "Recherche d'articles" },
    tablist, panels,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Chercher"),
      h("button", { type: "button", class: "button-quiet", onclick: () => { filterForm.reset(); search(); } },
        "Effacer les filtres")));
  fill(filterForm, filters);
  onSubmit(filterForm, async () => search());
  const searchPanel = h("details", { class: "search-panel", open: true },
    h("summary", {}, "Recherche / filtres"), filterForm);

  function search() {
    for (const key of Object.keys(filters)) delete filters[key];
    Object.assign(filters, readForm(filterForm));
    page = 1;
    return refresh();
  }

  // ---------------------------------------------------------------- active filters as tags
  const tags = h("div", { class: "active-filters", "aria-live": "polite" });
  function showTags() {
    const entries = Object.entries(filters);
    if (!entries.length) {
      tags.replaceChildren();
      return;
    }
    tags.replaceChildren(h("span", { class: "tags-title" }, `Filtres actifs (${entries.length}) :`),
      h("ul", { class: "tags" }, entries.map(([key, value]) => {
        const def = defs.get(key);
        const shown = def.options ? (def.options.find(([v]) => v === String(value))?.[1] ?? value) : value;
        return h("li", { class: "tag" }, `${def.label} : ${shown}`,
          h("button", { type: "button", class: "tag-remove", "aria-label": `Retirer le filtre ${def.label}`,
            onclick: () => {
              delete filters[key];
              fill(filterForm, { [key]: "" });
              page = 1;
              refresh();
            } }, "✕"));
      })));
  }

  // ---------------------------------------------------------------- columns
  const allColumns = articleColumns(names).filter((c) => backOffice || !c.purchase);
  let chosen;
  try {
    chosen = JSON.parse(localStorage.getItem(COLUMNS_KEY));
  } catch {
    chosen = null;
  }
  if (!Array.isArray(chosen)) chosen = allColumns.filter((c) => c.default).map((c) => c.key);
  const columnsPanel = h("details", { class: "columns-panel" }, h("summary", {}, "Colonnes affichées"),
    h("fieldset", { class: "columns" }, h("legend", { class: "visually-hidden" }, "Colonnes affichées"),
      allColumns.filter((c) => !c.fixed).map((c) => {
        const id = uid("col");
        const box = h("input", { type: "checkbox", id, checked: chosen.includes(c.key), "data-column": c.key });
        box.addEventListener("change", () => {
          chosen = box.checked ? [...chosen, c.key] : chosen.filter((k) => k !== c.key);
          localStorage.setItem(COLUMNS_KEY, JSON.stringify(chosen));
          if (lastReply) showResults(lastReply);
        });
        return h("label", { for: id, class: "check" }, box, ` ${c.label}`);
      })));

  // ---------------------------------------------------------------- selection toolbar
  const count = h("strong", { class: "selection-count" }, String(selection().count));
  const resultsCount = h("span", { class: "results-count" });
  const unsubscribe = onSelection((state) => { count.textContent = String(state.count); });
  const pageButton = h("button", { type: "button", onclick: async () => {
    if (!lastReply) return;
    try {
      await addRefs(lastReply.items.map((a) => a.ref));
      notice(`${lastReply.items.length} article(s) de la page ajoutés à la sélection.`);
    } catch (error) { notice(error.message, "error"); }
  } }, "Sélectionner la page");
  const allButton = h("button", { type: "button", onclick: async () => {
    try {
      await addFilter({ ...filters });
      notice(`Les ${lastReply ? lastReply.total : ""} résultats de la recherche ajoutés à la sélection.`);
    } catch (error) { notice(error.message, "error"); }
  } }, "Sélectionner tous les résultats");
  const resetButton = h("button", { type: "button", class: "button-quiet", onclick: async () => {
    try {
      await emptySelection();
      notice("Sélection vidée.");
    } catch (error) { notice(error.message, "error"); }
  } }, "Vider la sélection");

  const available = actionsFor(me, phone);
  const actionId = uid("action");
  const actionSelect = h("select", { id: actionId }, available.map(([key, a]) => h("option", { value: key }, a.label)));
  const refreshAfterAction = () => refresh();
  const actionBar = phone
    ? h("div", { class: "actions" }, h("button", { type: "button", class: "button-primary", "data-action": "sell",
      onclick: () => openAction("sell", { me, phone, onDone: refreshAfterAction })
        .catch((error) => notice(error.message, "error")) }, `${ACTIONS.sell.label} la sélection`))
    : h("form", { class: "action-menu", "aria-label": "Action groupée sur la sélection", onsubmit: (event) => {
      event.preventDefault();
      openAction(actionSelect.value, { me, phone, onDone: refreshAfterAction }).catch((error) => notice(error.message, "error"));
    } }, h("label", { for: actionId }, "Action groupée"), actionSelect,
    h("button", { type: "submit", class: "button-primary" }, "Appliquer à la sélection"));

  // the filters as the export and the PDFs take them (empty ones left out)
  const filterQuery = () => {
    const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== "" && v != null)).toString();
    return params ? `?${params}` : "";
  };
  const extras = !phone && backOffice ? h("div", { class: "actions" },
    h("button", { type: "button", onclick: summary, "aria-label": "Synthèse (Σ) des articles filtrés" }, "Σ Synthèse"),
    h("a", { href: "#", class: "button-link", onclick: (event) => {
      event.preventDefault();
      openDocument(`/articles/export.csv${filterQuery()}`, { download: "lotbook-articles.csv" });
    } }, "Exporter (CSV)"),
    h("a", { href: "#", class: "button-link", "data-document": "/articles/list.pdf", onclick: (event) => {
      event.preventDefault();
      openDocument(`/articles/list.pdf${filterQuery()}`);
    } }, "Liste des articles (PDF)"),
    h("a", { href: "#", class: "button-link", "data-document": "/articles/summary.pdf", onclick: (event) => {
      event.preventDefault();
      openDocument(`/articles/summary.pdf${filterQuery()}`);
    } }, "Synthèse (PDF)")) : null;

  const toolbar = h("div", { class: "toolbar", role: "group", "aria-label": "Sélection" },
    h("p", { class: "selection-status" }, "Sélection : ", count, " article(s) — ", h("a", { href: "#/selection" }, "voir")),
    h("div", { class: "actions" }, phone ? null : pageButton, phone ? null : allButton, resetButton),
    actionBar, extras);

  // ---------------------------------------------------------------- results
  const results = h("div", { class: "results", "aria-live": "polite" });
  const sizeId = uid("size");
  const sizeSelect = h("select", { id: sizeId }, PAGE_SIZES.map((s) => h("option", { value: s }, s)));
  sizeSelect.value = pageSize;
  sizeSelect.addEventListener("change", () => { pageSize = sizeSelect.value; page = 1; refresh(); });

  function showResults(reply) {
    lastReply = reply;
    resultsCount.textContent = `${reply.total} article(s) trouvé(s)`;
    const shown = allColumns.filter((c) => c.fixed || chosen.includes(c.key));
    const listing = phone
      ? (reply.items.length ? h("ul", { class: "cards", "aria-label": "Articles" }, reply.items.map(articleCard))
        : h("p", { class: "empty" }, "Aucun article."))
      : table([{ key: "select", label: h("span", { class: "visually-hidden" }, "Sélection"), header: false,
        render: (a) => basketToggle(a.ref) }, ...shown], reply.items,
      { caption: "Articles trouvés", empty: "Aucun article ne répond à ces filtres." });
    results.replaceChildren(listing, pager(reply, (p) => { page = p; refresh(); }));
  }

  async function refresh() {
    const state = { ...filters, page: page > 1 ? page : "", page_size: pageSize !== "50" ? pageSize : "" };
    replaceQuery(state);
    sessionStorage.setItem(QUERY_KEY, JSON.stringify(state));
    showTags();
    loading(results);
    try {
      showResults(await api.get("/articles", { query: { ...filters, page, page_size: pageSize } }));
      clearErrors(filterForm);
    } catch (error) {
      results.replaceChildren(h("p", { class: "form-alert alert-error", role: "alert" }, error.message));
      if (Object.keys(error.fieldErrors || {}).length) {
        searchPanel.open = true;
        showError(filterForm, error);
        const invalid = filterForm.querySelector("[aria-invalid]");
        const panel = invalid && invalid.closest("[role=tabpanel]");
        if (panel) {
          selectTab([...panels.children].indexOf(panel));
          invalid.focus();
        }
      }
    }
  }

  async function summary() {
    let reply;
    try {
      reply = await api.get("/articles/summary", { query: filters });
    } catch (error) {
      notice(error.message, "error");
      return;
    }
    dialog("Σ Synthèse des articles filtrés", () => h("div", {},
      h("dl", { class: "summary" },
        h("dt", {}, "Articles"), h("dd", {}, String(reply.count)),
        h("dt", {}, "Total des achats"), h("dd", {}, money(reply.purchase_total)),
        h("dt", {}, "Total des ventes"), h("dd", {}, money(reply.sale_total)),
        h("dt", {}, "Total des marges"), h("dd", {}, money(reply.margin_total))),
      table([
        { label: "Taux", render: ([rate]) => VAT_RATES[rate] || rate },
        { label: "Base", render: ([, v]) => money(v.base), class: "num" },
        { label: "TVA déductible", render: ([, v]) => money(v.deductible), class: "num" },
        { label: "TVA collectée", render: ([, v]) => money(v.collected), class: "num" },
      ], Object.entries(reply.vat || {}), { caption: "TVA par taux", empty: "Aucune TVA." })), { wide: true });
  }

  append(view, [
    scanBox({ onScanned: () => refresh(), autofocus: true }),
    phone ? null : searchPanel,
    tags,
    toolbar,
    h("div", { class: "list-head" }, resultsCount, phone ? null : columnsPanel,
      h("span", { class: "page-size" }, h("label", { for: sizeId }, "Par page "), sizeSelect)),
    results]);
  await refresh();
  return () => unsubscribe();
}
