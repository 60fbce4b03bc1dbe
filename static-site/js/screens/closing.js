// One sealed cash-register closing, read back from the vault: its totals, and the
// period total broken down per VAT rate and per payment method.

import { api } from "../api.js";
import { PAYMENT_METHODS, VAT_RATES, label, money, text } from "../fr.js";
import { rawContent, sealFacts } from "../sealed.js";
import { documentLinks, h, loading, section, table, title } from "../ui.js";
import { CLOSING_KINDS, periodLabel } from "./closings.js";

// Codes the site's lists do not hold: a refund ticket, an amount no line gives a rate to.
const METHODS = { ...PAYMENT_METHODS, refund: "Remboursement (retour client)", unknown: "Non précisé" };
const RATES = { ...VAT_RATES, unallocated: "Non ventilé" };

function totals(content) {
  const row = (term, value) => [h("dt", {}, term), h("dd", {}, value)];
  return h("dl", { class: "facts" },
    row("Nature", label(CLOSING_KINDS, content.kind)),
    row("Période", periodLabel(content.period)),
    row("Caisse", text(content.register)),
    row("Nombre de tickets", text(content.tickets)),
    row("Premier ticket", text(content.first_ticket)),
    row("Dernier ticket", text(content.last_ticket)),
    content.late_tickets?.length
      ? row("Tickets datés d'une période déjà clôturée", content.late_tickets.join(", ")) : null,
    row("Total de la période (TTC)", money(content.period_total)),
    row(`Grand total de l'exercice ${text(content.fiscal_period)}`, money(content.period_grand_total)),
    row("Grand total perpétuel", money(content.perpetual_total)));
}

function byRate(content) {
  const rows = Object.entries(content.by_vat_rate || {}).map(([rate, v]) => ({ rate, ...v }));
  return table([
    { label: "Taux de TVA", render: (r) => label(RATES, r.rate) },
    { label: "Total HT", render: (r) => money(r.total_excl_vat), class: "num" },
    { label: "TVA", render: (r) => money(r.vat), class: "num" },
    { label: "Total TTC", render: (r) => money(r.total), class: "num" },
  ], rows, { caption: "Ventilation par taux de TVA", empty: "Aucune ventilation par taux." });
}

function byMethod(content) {
  const rows = Object.entries(content.by_payment_method || {}).map(([method, amount]) => ({ method, amount }));
  return table([
    { label: "Moyen de paiement", render: (r) => label(METHODS, r.method) },
    { label: "Montant", render: (r) => money(r.amount), class: "num" },
  ], rows, { caption: "Ventilation par moyen de paiement", empty: "Aucune ventilation par moyen de paiement." });
}

export default async function render(view, { params }) {
  const number = params.number;
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite/clotures" }, "‹ Clôtures de caisse")),
    title(`Clôture de caisse n° ${number}`),
    h("div", { class: "actions" }, documentLinks("Imprimer la clôture (PDF)",
      `/compliance/closings/${encodeURIComponent(number)}.pdf`, `cloture-${number}.pdf`)));
  const body = h("div");
  view.append(body);
  loading(body);
  const stored = await api.get(`/compliance/closings/${encodeURIComponent(number)}`);
  const listed = await api.get("/compliance/closings", { query: { page_size: 500 } })
    .then((reply) => reply.items.find((item) => item.number === number)).catch(() => null);
  const content = stored.content || {};
  body.replaceChildren(
    section("Totaux", totals(content)),
    section("Par taux de TVA", byRate(content)),
    section("Par moyen de paiement", byMethod(content)),
    section("Scellement", sealFacts(stored, listed), rawContent(stored)));
}
