// Bulk actions (actions groupées) on the selection: one form per action, sent to
// POST /api/actions/{action} with an idempotency key. The API owns every rule:
// statuses, defaults (label price, article VAT), invoice numbers, totals.

import { api, idempotencyKey } from "./api.js";
import { refreshSelection } from "./basket.js";
import { can } from "./router.js";
import { PAYMENT_METHODS, CHOSEN_VAT_RATES, VAT_RATES, label, money, partyName, today } from "./fr.js";
import {
  alertBox, dialog, documentLink, field, h, listAll, onSubmit, options, readForm, showError, table,
} from "./ui.js";

const DATE = { name: "date", label: "Date", type: "date", required: true };
const CLIENT = { name: "client_id", label: "Client", client: true };
const REASON = { name: "reason", label: "Motif", type: "textarea", required: true, wide: true };

/** name → label, fields, per-article prices (which price, its default); who may run one is GET /api/me's
 *  `action:<name>` permission (the API's one table). */
export const ACTIONS = {
  sell: { label: "Vendre", fields: [DATE, { name: "payment_method", label: "Moyen de paiement", type: "select",
    required: true, options: options(PAYMENT_METHODS, { blank: "— choisir —" }) },
  { ...CLIENT, label: "Client (facultatif)" }, { name: "invoice_number", label: "N° de facture", manualInvoice: true }],
  prices: { label: "Prix de vente (€)", placeholder: "label_price", hint: "Vide : prix étiquette." }, vat: true,
  phone: true },
  deposit: { label: "Mettre en dépôt", fields: [{ ...CLIENT, required: true }, DATE],
    prices: { label: "Prix de dépôt (€)", placeholder: "label_price" } },
  deposit_update: { label: "Modifier le dépôt", fields: [{ ...CLIENT, label: "Client (si changement)" },
    { ...DATE, required: false }],
    prices: { label: "Prix de dépôt (€)", placeholder: "deposit_price" } },
  deposit_list: { label: "Liste de dépôt", fields: [] },
  deposit_return: { label: "Retour de dépôt (remise en stock)", fields: [DATE] },
  customer_return: { label: "Retour client (remise en stock)", fields: [DATE, REASON] },
  reserve_price: { label: "Modifier le prix de réserve", fields: [],
    prices: { label: "Nouveau prix de réserve (€)", placeholder: "reserve_price", required: true } },
  return_to_owner: { label: "Rendre à leur propriétaire", fields: [DATE] },
  buy_consigned: { label: "Acheter les articles en confié", fields: [DATE],
    prices: { label: "Prix d'achat (€)", placeholder: "reserve_price", hint: "Vide : prix de réserve." } },
  declare_lost: { label: "Déclarer perdus, volés ou cassés", fields: [DATE, REASON] },
  labels: { label: "Imprimer les étiquettes", fields: [] },
  melt_deposit: { label: "Déposer pour fonte", fields: [{ ...CLIENT, label: "Affineur (client)", required: true }, DATE] },
  melt_return: { label: "Retour de fonte (remise en stock)", fields: [DATE] },
  melt_sell: { label: "Vendre pour fonte", fields: [DATE],
    prices: { label: "Prix de vente (€)", placeholder: "label_price", required: true } },
};

/** The actions whose result is a document: its PDF, on the articles acted on. */
const PRINTS = {
  labels: { label: "Étiquettes (PDF)", path: "/selection/labels.pdf" },
  deposit_list: { label: "Liste de dépôt (PDF)", path: "/selection/deposit-list.pdf" },
};

export function actionsFor(me, phone) {
  return Object.entries(ACTIONS).filter(([name, a]) => can(me, `action:${name}`) && (!phone || a.phone));
}

function documentLinks(reply) {
  const links = [];
  const visit = (value, key) => {
    if (typeof value === "string" && /^(https?:|\/api\/)/.test(value) && /url|pdf|link/i.test(key)) {
      links.push(h("a", { href: value, target: "_blank", rel: "noopener", class: "button-link" }, "Ouvrir le document"));
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(reply, "");
  return links;
}

function saleSummary(sale, phone) {
  const tr = encodeURIComponent(sale.transaction_ref);
  return h("div", { class: "sale-result" },
    sale.training ? h("p", { class: "receipt-training" }, sale.mention || "FICTIF — MODE FORMATION") : null,
    h("p", { class: "sale-total" }, "Total : ", h("strong", {}, money(sale.total))),
    h("dl", { class: "facts" },
      h("dt", {}, "Transaction"), h("dd", {}, sale.transaction_ref),
      h("dt", {}, "Facture"), h("dd", {}, sale.invoice_number || "—"),
      h("dt", {}, "Ticket de caisse"), h("dd", {}, sale.receipt_number || "—")),
    h("div", { class: "actions" },
      h("a", { href: `#/ventes/${tr}`, class: "button-link button-primary", "data-receipt": sale.receipt_number },
        "Voir le ticket de caisse"),
      phone || sale.training ? null : documentLink("Facture (PDF)", `/sales/${tr}/invoice.pdf`)));
}

/**
 * Opens the action's form on the selection. onDone(reply) runs after success.
 */
export async function openAction(name, { me, phone, onDone }) {
  const action = ACTIONS[name];
  const needsClients = action.fields.some((f) => f.client);
  const manualInvoice = action.fields.some((f) => f.manualInvoice);
  const [articles, clients, company] = await Promise.all([
    action.prices || action.vat
      ? api.get("/articles", { query: { in_selection: "true", page_size: 500 } }).then((r) => r.items)
      : Promise.resolve(null),
    needsClients ? listAll("/clients") : Promise.resolve([]),
    manualInvoice ? api.get("/company").catch(() => null) : Promise.resolve(null),
  ]);
  // one key per intent: a double click acts once; a refused request frees the key
  let key = idempotencyKey();
  dialog(`${action.label} — sélection`, (close) => {
    const result = h("div", { "aria-live": "polite" });
    const defs = action.fields.filter((f) => !f.manualInvoice || !company || company.invoicing?.auto === false)
      .map((f) => (f.client ? { ...f, type: "select",
        options: [["", f.required ? "— choisir —" : "— aucun —"], ...clients.map((c) => [c.id, partyName(c)])] } : f));
    const form = h("form", { class: "form", "aria-label": action.label },
      h("div", { class: "grid" },
        defs.map((d) => field(d, d.name === "date" && d.required !== false ? today() : undefined))));
    if (articles) {
      if (!articles.length) form.append(alertBox("La sélection est vide.", [], "warn"));
      form.append(table([
        { label: "Référence", render: (a) => a.ref },
        { label: "Désignation", render: (a) => a.description },
        action.prices ? { label: action.prices.label, header: false, render: (a) => {
          const wrap = field({ name: `prices.${a.ref}`, label: `${action.prices.label} — ${a.ref}`, type: "decimal",
            placeholder: a[action.prices.placeholder] ?? "" });
          wrap.querySelector("label").classList.add("visually-hidden");
          return wrap;
        } } : null,
        action.vat ? { label: "TVA", render: (a) => {
          const wrap = field({ name: `vat_rates.${a.ref}`, label: `TVA — ${a.ref}`, type: "select",
            options: [["", `Celle de l'article (${label(VAT_RATES, a.vat_rate)})`], ...options(CHOSEN_VAT_RATES)] });
          wrap.querySelector("label").classList.add("visually-hidden");
          return wrap;
        } } : null,
      ].filter(Boolean), articles, { caption: "Articles de la sélection" }));
      if (action.prices?.hint) form.append(h("p", { class: "hint" }, action.prices.hint));
    }
    form.append(h("div", { class: "actions" },
      h("button", { type: "submit", class: "button-primary" }, `${action.label} (${articles ? articles.length : "sélection"})`),
      h("button", { type: "button", class: "button-quiet", onclick: close }, "Annuler")));
    onSubmit(form, async () => {
      const body = readForm(form);
      const reply = await api.post(`/actions/${name}`, body, { headers: { "Idempotency-Key": key } });
      await refreshSelection().catch(() => {});
      form.replaceWith(result);
      result.append(alertBox(`${action.label} : c'est fait${reply?.articles ? ` (${reply.articles.length} article(s))` : ""}.`,
        [], "success"));
      if (reply?.sale) result.append(saleSummary(reply.sale, phone));
      if (reply?.credit_note_number) {
        const note = encodeURIComponent(reply.credit_note_number);
        result.append(h("p", {}, `Avoir n° ${reply.credit_note_number} `,
          phone ? null : [documentLink("Avoir (PDF)", `/sales/${note}/credit-note.pdf`), " ",
            documentLink("Ticket de remboursement (PDF)", `/sales/${note}/receipt.pdf`)]));
      }
      const printed = PRINTS[reply?.document];
      if (printed && !phone) {
        const refs = (reply.articles || []).map((a) => a.ref).filter(Boolean).join(",");
        result.append(h("div", { class: "actions" }, documentLink(printed.label,
          `${printed.path}${refs ? `?refs=${encodeURIComponent(refs)}` : ""}`)));
      }
      result.append(...documentLinks(reply),
        h("div", { class: "actions" }, h("button", { type: "button", onclick: close }, "Fermer")));
      for (const link of result.querySelectorAll('a[href^="#/"]')) link.addEventListener("click", close);
      (result.querySelector("a") || result.querySelector("button")).focus();
      if (onDone) onDone(reply);
    }, { onError: (error) => {
      if (error.status) key = idempotencyKey();
      showError(form, error);
    } });
    return form;
  }, { wide: !phone });
}
