// What the article screens share: the selection checkbox, the columns, the
// phone card.

import { addRefs, onSelection, removeRefs, selection } from "./basket.js";
import { CONDITIONS, PAYMENT_METHODS, STATUSES, VAT_RATES, date, grams, label, money, text } from "./fr.js";
import { thumbnail } from "./media.js";
import { h, notice } from "./ui.js";

onSelection((state) => {
  for (const box of document.querySelectorAll("input[data-basket-ref]")) {
    box.checked = state.refs.has(box.dataset.basketRef);
    box.disabled = !state.available;
  }
});

export function basketToggle(ref) {
  const state = selection();
  const box = h("input", { type: "checkbox", class: "basket-toggle", "data-basket-ref": ref,
    "aria-label": `Sélectionner l'article ${ref}`, checked: state.refs.has(ref), disabled: !state.available });
  box.addEventListener("change", async () => {
    const wanted = box.checked;
    box.disabled = true;
    try {
      await (wanted ? addRefs([ref]) : removeRefs([ref]));
    } catch (error) {
      box.checked = !wanted;
      notice(error.message, "error");
    } finally {
      box.disabled = !selection().available;
    }
  });
  return box;
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}` }, label(STATUSES, status));
}

/** Every column the list can show; `fixed` ones cannot be hidden. */
export function articleColumns(names) {
  const family = (id) => names.families.get(id) || text(id);
  const party = (map, id) => (id ? map.get(id) || id : "—");
  return [
    { key: "thumbnail", label: "Photo", fixed: true, class: "cell-thumb",
      render: (a) => thumbnail(a.thumbnail_url, a.description, `Photo de l'article ${a.ref}`) },
    { key: "ref", label: "Référence", fixed: true,
      render: (a) => h("a", { href: `#/articles/${encodeURIComponent(a.ref)}` }, a.ref) },
    { key: "description", label: "Désignation", fixed: true, render: (a) => a.description },
    { key: "status", label: "Statut", fixed: true, render: (a) => statusBadge(a.status) },
    { key: "family_id", label: "Famille", render: (a) => family(a.family_id), default: true },
    { key: "lot_ref", label: "Lot", render: (a) => (a.lot_ref
      ? h("a", { href: `#/lots/${encodeURIComponent(a.lot_ref)}` }, a.lot_ref) : "—") },
    { key: "weight_g", label: "Poids", render: (a) => grams(a.weight_g), class: "num", default: true },
    { key: "fineness", label: "Titre", render: (a) => text(a.fineness), class: "num" },
    { key: "serial", label: "N° de série", render: (a) => text(a.serial) },
    { key: "condition", label: "État", render: (a) => label(CONDITIONS, a.condition) },
    { key: "vat_rate", label: "TVA", render: (a) => label(VAT_RATES, a.vat_rate) },
    { key: "purchase_price", label: "Prix d'achat", render: (a) => money(a.purchase_price), class: "num",
      purchase: true, default: true },
    { key: "reserve_price", label: "Prix de réserve", render: (a) => money(a.reserve_price), class: "num" },
    { key: "deposit_price", label: "Prix de dépôt", render: (a) => money(a.deposit_price), class: "num" },
    { key: "label_price", label: "Prix étiquette", render: (a) => money(a.label_price), class: "num", default: true },
    { key: "sale_price", label: "Prix de vente", render: (a) => money(a.sale_price), class: "num" },
    { key: "supplier_id", label: "Fournisseur", render: (a) => party(names.suppliers, a.supplier_id) },
    { key: "client_id", label: "Client", render: (a) => party(names.clients, a.client_id) },
    { key: "purchase_date", label: "Date d'achat", render: (a) => date(a.purchase_date), default: true },
    { key: "deposit_date", label: "Date de dépôt", render: (a) => date(a.deposit_date) },
    { key: "sale_date", label: "Date de vente", render: (a) => date(a.sale_date) },
    { key: "payment_method", label: "Paiement", render: (a) => label(PAYMENT_METHODS, a.payment_method) },
    { key: "transaction_ref", label: "Transaction", render: (a) => text(a.transaction_ref) },
    { key: "invoice_number", label: "Facture", render: (a) => text(a.invoice_number) },
    { key: "comment", label: "Commentaire", render: (a) => text(a.comment) },
    { key: "traces", label: "Traces", render: (a) => String((a.traces || []).length), class: "num" },
  ];
}

/** The phone's article line: thumbnail, reference, description, status, checkbox. */
export function articleCard(article) {
  return h("li", { class: "card" },
    h("label", { class: "card-check" }, basketToggle(article.ref)),
    thumbnail(article.thumbnail_url, article.description, `Photo de l'article ${article.ref}`),
    h("div", { class: "card-body" },
      h("a", { href: `#/articles/${encodeURIComponent(article.ref)}`, class: "card-ref" }, article.ref),
      h("span", { class: "card-desc" }, article.description),
      h("span", { class: "card-meta" }, statusBadge(article.status),
        article.label_price ? ` ${money(article.label_price)}` : "")));
}
