// One article: its data, the selection, its traces and history, a correction.

import { api } from "../api.js";
import { basketToggle, statusBadge } from "../articlebits.js";
import { articleCorrectionForm } from "../correction.js";
import {
  CONDITIONS, FIELD_LABELS, PAYMENT_METHODS, VAT_RATES, date, datetime, fieldValue, grams, label, money, partyName,
  text,
} from "../fr.js";
import { mediaSection } from "../media.js";
import { can, navigate } from "../router.js";
import { documentLinks, flashNext, h, listAll, loading, section, table, title } from "../ui.js";
import { tracesTable } from "./lot.js";

const EVENTS = {
  lot_committed: "Entrée (lot enregistré)",
  correction: "Correction",
  sell: "Vente",
  deposit: "Mise en dépôt",
  deposit_update: "Dépôt modifié",
  deposit_return: "Retour de dépôt",
  customer_return: "Retour client",
  reserve_price: "Prix de réserve modifié",
  return_to_owner: "Rendu au propriétaire",
  buy_consigned: "Acheté au déposant",
  declare_lost: "Déclaré perdu, volé ou cassé",
  melt_deposit: "Déposé pour fonte",
  melt_return: "Retour de fonte",
  melt_sell: "Vendu pour fonte",
  retract: "Rétractation",
};

function detailsText(details) {
  if (!details || typeof details !== "object") return "—";
  const parts = Object.entries(details).filter(([, v]) => v !== null && v !== undefined && typeof v !== "object")
    .map(([k, v]) => {
      if (k === "field") return `${FIELD_LABELS.field} : ${FIELD_LABELS[v] || v}`;
      // a correction's old and new values read as the corrected field's
      const as = (k === "old" || k === "new") && details.field ? details.field : k;
      return `${FIELD_LABELS[k] || k} : ${fieldValue(as, v)}`;
    });
  return parts.join(" · ") || "—";
}

function historyTable(events) {
  return table([
    { label: "Quand", render: (e) => datetime(e.at) },
    { label: "Évènement", render: (e) => EVENTS[e.event] || text(e.event) },
    { label: "Date", render: (e) => date(e.date) },
    { label: "Utilisateur", render: (e) => text(e.user) },
    { label: "Détails", render: (e) => detailsText(e.details) },
  ], events, { caption: "Historique de l'article", empty: "Aucun évènement." });
}

export default async function render(view, { params, me, phone }) {
  const ref = params.ref;
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/articles" }, "‹ Articles")), title(`Article ${ref}`));
  const body = h("div");
  view.append(body);
  loading(body);
  const backOffice = can(me, "see_purchase_data");
  const [article, families] = await Promise.all([api.get(`/articles/${encodeURIComponent(ref)}`), listAll("/families")]);
  const parties = {};
  if (!phone) {
    const load = async (kind, id) => {
      if (!id) return;
      try { parties[kind] = partyName(await api.get(`/${kind}/${encodeURIComponent(id)}`)); } catch { /* shown as id */ }
    };
    await Promise.all([load("suppliers", article.supplier_id), load("clients", article.client_id)]);
  }
  const history = await api.get(`/articles/${encodeURIComponent(ref)}/history`).catch(() => null);
  const events = history && Array.isArray(history.events) ? history.events : null;

  const row = (key, value) => [h("dt", {}, FIELD_LABELS[key] || key), h("dd", {}, value)];
  const facts = h("dl", { class: "facts" },
    row("description", article.description),
    row("status", statusBadge(article.status)),
    row("lot_ref", phone ? text(article.lot_ref)
      : h("a", { href: `#/lots/${encodeURIComponent(article.lot_ref)}` }, article.lot_ref)),
    row("family_id", families.find((f) => f.id === article.family_id)?.label || text(article.family_id)),
    row("weight_g", grams(article.weight_g)),
    row("fineness", text(article.fineness)),
    row("serial", text(article.serial)),
    row("condition", label(CONDITIONS, article.condition)),
    row("vat_rate", label(VAT_RATES, article.vat_rate)),
    "purchase_price" in article ? row("purchase_price", money(article.purchase_price)) : null,
    row("reserve_price", money(article.reserve_price)),
    row("deposit_price", money(article.deposit_price)),
    row("label_price", money(article.label_price)),
    row("sale_price", money(article.sale_price)),
    row("supplier_id", parties.suppliers || text(article.supplier_id)),
    row("client_id", parties.clients || text(article.client_id)),
    row("purchase_date", date(article.purchase_date)),
    row("deposit_date", date(article.deposit_date)),
    row("sale_date", date(article.sale_date)),
    row("payment_method", label(PAYMENT_METHODS, article.payment_method)),
    row("transaction_ref", text(article.transaction_ref)),
    row("invoice_number", text(article.invoice_number)),
    row("comment", text(article.comment)));

  const toggle = basketToggle(ref);
  toggle.id = "article-basket";
  const sections = [
    section("L'article", h("p", {}, h("label", { class: "check", for: "article-basket" }, toggle, " Dans la sélection")),
      facts),
    // photos, videos, documents: the default image is the article's thumbnail in the lists
    mediaSection("article", ref, { editable: !phone && can(me, "manage_media") }),
    section("Traces", tracesTable(article.traces, `Traces de l'article ${ref}`)),
  ];
  if (!phone) {
    sections.splice(1, 0, section("Impressions", h("div", { class: "actions" },
      documentLinks("Étiquette (PDF)", `/articles/${encodeURIComponent(ref)}/labels.pdf`, `etiquette-${ref}.pdf`))));
  }
  if (events) sections.push(section("Historique", historyTable(events)));
  if (backOffice && !phone && article.status !== "retracted") {
    sections.push(section("Corriger l'article", articleCorrectionForm(article, families, () => {
      flashNext(`Article ${ref} corrigé.`);
      navigate(`/articles/${encodeURIComponent(ref)}`);
    })));
  }
  body.replaceChildren(...sections);
}
