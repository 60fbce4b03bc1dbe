// One sealed receipt, read back from the vault as stored.

import { api } from "../api.js";
import { PAYMENT_METHODS, VAT_RATES, datetime, label, money, text } from "../fr.js";
import { rawContent, sealFacts } from "../sealed.js";
import { h, loading, section, table, title } from "../ui.js";

const KEYS = {
  ticket_number: "N° de ticket", register: "Caisse", at: "Le", kind: "Nature", transaction_ref: "Transaction",
  invoice_number: "Facture", total: "Total TTC", by: "Par", period: "Exercice", company: "Société",
  payment: "Paiement", running_totals: "Cumuls", vat: "TVA", lines: "Lignes", client: "Client",
  label: "Désignation", quantity: "Quantité", ref: "Référence", total_excl_vat: "Total HT", unit_price: "Prix unitaire",
  vat_rate: "Taux de TVA", vat_rate_percent: "Taux (%)", amount: "Montant", method: "Moyen", day: "Jour",
  day_total: "Total du jour", period_total: "Total de l'exercice", perpetual_total: "Cumul perpétuel",
  company_name: "Raison sociale", city: "Ville", postcode: "Code postal", siret: "SIRET", vat_number: "N° de TVA",
  street_number: "N°", street_type: "Type de voie", street_name: "Voie", base: "Base HT",
  normal: "Taux normal", reduced: "Taux réduit", intermediate: "Taux intermédiaire", margin: "Marge", exempt: "Exonéré",
};
const MONEY = /(total|price|amount|vat|base)$/;

function scalar(key, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string" && /T\d{2}:\d{2}/.test(value)) return datetime(value);
  if (MONEY.test(key) && /^-?\d+(\.\d+)?$/.test(String(value))) return money(value);
  if (key === "vat_rate") return label(VAT_RATES, value);
  if (key === "method") return label(PAYMENT_METHODS, value);
  if (typeof value === "object") return facts(value);
  return String(value);
}

/** An object's values as facts, nested objects inside (a company, a payment, the VAT by rate). */
function facts(object) {
  const entries = Object.entries(object).filter(([, v]) => !(Array.isArray(v) && v.length && typeof v[0] === "object"));
  return h("dl", { class: "facts" }, entries.map(([k, v]) => [h("dt", {}, KEYS[k] || k), h("dd", {}, scalar(k, v))]));
}

/** Top-level values as facts, lists of objects as tables: the record readable without its JSON. */
function readable(content) {
  const entries = Object.entries(content).filter(([k]) => k !== "record");
  const lists = entries.filter(([, v]) => Array.isArray(v) && v.length && typeof v[0] === "object");
  return [facts(Object.fromEntries(entries)),
    lists.map(([k, rows]) => {
      const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      return table(keys.map((key) => ({ label: KEYS[key] || key, render: (r) => scalar(key, r[key]),
        class: MONEY.test(key) ? "num" : undefined })), rows, { caption: KEYS[k] || k });
    })];
}

export default async function render(view, { params }) {
  const number = params.number;
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite/tickets" }, "‹ Tickets de caisse scellés")),
    title(`Ticket de caisse n° ${number}`));
  const body = h("div");
  view.append(body);
  loading(body);
  const stored = await api.get(`/compliance/receipts/${encodeURIComponent(number)}`);
  const listed = await api.get("/compliance/receipts", { query: { page_size: 500 } })
    .then((reply) => reply.items.find((item) => item.number === number)).catch(() => null);
  body.replaceChildren(
    section("Le ticket", readable(stored.content || {})),
    section("Scellement", sealFacts(stored, listed), rawContent(stored)),
    listed?.transaction_ref ? h("p", {}, h("a", { href: `#/ventes/${encodeURIComponent(listed.transaction_ref)}` },
      `Voir la vente ${text(listed.transaction_ref)}`)) : null);
}
