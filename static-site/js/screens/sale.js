// Une vente: the receipt as the API sealed it (ticket number, time, lines, VAT,
// running totals), printable on the 68 mm roll; the PDFs when they exist.

import { api } from "../api.js";
import { PAYMENT_METHODS, VAT_RATES, date, label, marginMention, money, partyName, text } from "../fr.js";
import { emptySelection } from "../basket.js";
import { navigate } from "../router.js";
import { documentLink, h, loading, notice, title } from "../ui.js";

async function newSale() {
  try {
    await emptySelection();
    navigate("/selection");
  } catch (error) {
    notice(error.message, "error");
  }
}

// Used goods sold under the margin scheme (not exempt): their VAT and excl.-VAT figure are
// never shown to the buyer, who could work out the margin (art. 297 E CGI).
function isMargin(condition, rate) {
  return (condition || "used") === "used" && rate !== "exempt_melt" && rate !== "exempt_export";
}

/** The margin-scheme mention of each used line: the category the sale recorded in the line;
 *  for a sale recorded without it, its article's family's today. */
async function marginMentions(lines) {
  if (!lines.length) return [];
  const recorded = lines.filter((l) => l.margin_category).map((l) => l.margin_category);
  const others = lines.filter((l) => !l.margin_category).map((l) => l.ref);
  let found = [];
  if (others.length) {
    const families = await api.get("/families", { query: { page_size: 500 } }).catch(() => ({ items: [] }));
    const category = Object.fromEntries((families.items || []).map((f) => [f.id, f.margin_category]));
    found = await Promise.all(others.map((ref) => api.get(`/articles/${encodeURIComponent(ref)}`)
      .then((a) => category[a.family_id]).catch(() => undefined)));
  }
  return [...new Set([...recorded, ...found].map((c) => marginMention(c)))];
}

function percent(value) {
  // "20.00" → "20 %", "5.500" → "5,5 %", "0" → "0 %": only a decimal part's trailing zeros go.
  if (value === undefined || value === null || value === "") return "—";
  return `${String(value).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "").replace(".", ",")} %`;
}

export default async function render(view, { params, phone }) {
  const tr = params.tr;
  view.append(title(/^T\d{6}-/.test(tr) ? `Vente fictive ${tr}` : `Vente ${tr}`));
  const body = h("div");
  view.append(body);
  loading(body);
  const sale = await api.get(`/sales/${encodeURIComponent(tr)}`);
  const receipt = sale.receipt || {};
  const company = receipt.company || {};
  let client = null;
  if (sale.client_id) client = await api.get(`/clients/${encodeURIComponent(sale.client_id)}`).catch(() => null);
  const lines = receipt.lines || sale.lines || [];
  const address = [[company.street_number, company.street_type, company.street_name].filter(Boolean).join(" "),
    [company.postcode, company.city].filter(Boolean).join(" ")].filter(Boolean);
  const running = receipt.running_totals || {};
  const conditions = Object.fromEntries((sale.lines || []).map((l) => [l.ref, l.condition]));
  const margin = (l) => isMargin(conditions[l.ref], l.vat_rate);
  const showExcl = lines.some((l) => !margin(l));
  const vat = {};
  for (const l of lines.filter((line) => !margin(line))) {
    const entry = vat[l.vat_rate] ??= { base: 0, vat: 0 };
    entry.base += Math.round(Number(l.total_excl_vat) * 100);
    entry.vat += Math.round(Number(l.vat || 0) * 100);
  }
  const mentions = await marginMentions(lines.filter(margin));

  const ticket = h("article", { class: "receipt", "aria-label": `Ticket de caisse ${receipt.ticket_number || sale.receipt_number}` },
    sale.training ? h("p", { class: "receipt-training" }, sale.mention || "FICTIF — MODE FORMATION") : null,
    h("header", {}, h("strong", {}, company.company_name || ""), address.map((l) => h("div", {}, l)),
      company.siret ? h("div", {}, `SIRET ${company.siret}`) : null,
      company.vat_number ? h("div", {}, `TVA ${company.vat_number}`) : null),
    h("p", {}, h("strong", {}, `Ticket n° ${receipt.ticket_number || sale.receipt_number}`), h("br"),
      `Caisse ${text(receipt.register || sale.register)} — ${date(receipt.at || sale.at)}`, h("br"),
      `Transaction ${sale.transaction_ref}`, sale.invoice_number ? [h("br"), `Facture ${sale.invoice_number}`] : null),
    h("table", { class: "receipt-lines" },
      h("caption", { class: "visually-hidden" }, "Lignes du ticket"),
      h("thead", {}, h("tr", {}, ["Article", "Qté", "Prix", showExcl ? "HT" : null, "TVA"].filter(Boolean)
        .map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, lines.map((l) => h("tr", {},
        h("td", {}, h("span", { class: "receipt-ref" }, l.ref), " ", l.label),
        h("td", { class: "num" }, String(l.quantity ?? 1)),
        h("td", { class: "num" }, money(l.unit_price)),
        showExcl ? h("td", { class: "num" }, margin(l) ? "" : money(l.total_excl_vat)) : null,
        h("td", { class: "num" }, margin(l) ? "marge" : percent(l.vat_rate_percent)))))),
    h("dl", { class: "summary" },
      Object.entries(vat).map(([rate, v]) => [
        h("dt", {}, `TVA ${label(VAT_RATES, rate)} sur ${money((v.base / 100).toFixed(2))}`),
        h("dd", {}, money((v.vat / 100).toFixed(2)))]),
      h("dt", {}, h("strong", {}, "Total TTC")), h("dd", { class: "receipt-total" }, money(receipt.total || sale.total)),
      h("dt", {}, "Paiement"), h("dd", { class: "receipt-payment" },
        `${label(PAYMENT_METHODS, receipt.payment?.method || sale.payment_method)}`
        + ` ${money(receipt.payment?.amount || sale.total)}`)),
    mentions.map((m) => h("p", { class: "receipt-mention" }, m)),
    running.day ? h("p", { class: "hint" }, `Total du jour ${money(running.day_total)} · `
      + `exercice ${running.period} ${money(running.period_total)} · cumul perpétuel ${money(running.perpetual_total)}`) : null,
    client ? h("p", {}, `Client : ${partyName(client)}`) : null);

  const enc = encodeURIComponent(tr);
  body.replaceChildren(ticket, phone ? h("div", { class: "actions" },
    h("button", { type: "button", class: "button-primary", onclick: newSale }, "Nouvelle vente (vider la sélection)"))
    : h("div",
    { class: "actions no-print" },
    h("button", { type: "button", class: "button-primary", onclick: () => window.print() }, "Imprimer le ticket"),
    documentLink("Ticket 68 mm (PDF)", `/sales/${enc}/receipt.pdf`),
    sale.training ? null : documentLink("Facture (PDF)", `/sales/${enc}/invoice.pdf`),
    h("button", { type: "button", onclick: newSale }, "Nouvelle vente (vider la sélection)")));
}
