// One sealed version of the police register, read back from the vault: the lot,
// the seller as registered, the articles, the fingerprints, the retention.

import { api } from "../api.js";
import { CONDITIONS, LOT_KINDS, PAYMENT_METHODS, STATUSES, date, datetime, grams, label, money, text } from "../fr.js";
import { POLICE_EVENTS, rawContent, sealFacts } from "../sealed.js";
import { h, loading, section, table, title } from "../ui.js";
import { identity } from "./lot.js";

export default async function render(view, { params }) {
  const id = params.id;
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite/livre-de-police" }, "‹ Livre de police")),
    title(`Livre de police — enregistrement n° ${id}`));
  const body = h("div");
  view.append(body);
  loading(body);
  const stored = await api.get(`/compliance/police-files/${encodeURIComponent(id)}`);
  const content = stored.content || {};
  const lot = content.lot || {};
  // the list gives the record's own SHA-256 and its retention date
  const listed = lot.ref ? await api.get("/compliance/police-files", { query: { lot: lot.ref, page_size: 500 } })
    .then((reply) => reply.items.find((item) => String(item.id) === String(id))).catch(() => null) : null;

  const facts = h("dl", { class: "facts" },
    h("dt", {}, "Lot"), h("dd", {}, lot.ref ? h("a", { href: `#/lots/${encodeURIComponent(lot.ref)}` }, lot.ref) : "—"),
    h("dt", {}, "Version"), h("dd", {}, text(content.version)),
    h("dt", {}, "Événement"), h("dd", {}, label(POLICE_EVENTS, content.event)),
    h("dt", {}, "Le"), h("dd", {}, datetime(content.at)),
    h("dt", {}, "Par"), h("dd", {}, text(content.by)),
    content.reason ? [h("dt", {}, "Motif"), h("dd", {}, content.reason)] : null,
    h("dt", {}, "Type"), h("dd", {}, label(LOT_KINDS, lot.kind)),
    h("dt", {}, "Date d'achat"), h("dd", {}, date(lot.purchase_date)),
    h("dt", {}, "Moyen de paiement"), h("dd", {}, label(PAYMENT_METHODS, lot.payment_method)),
    h("dt", {}, "État"), h("dd", {}, label(CONDITIONS, lot.condition)),
    "purchase_price" in lot ? [h("dt", {}, "Prix d'achat"), h("dd", {}, money(lot.purchase_price))] : null,
    h("dt", {}, "Vendeur (tel qu'enregistré)"), h("dd", {}, identity(content.seller)));

  const articles = table([
    { label: "Référence", render: (a) => a.ref },
    { label: "Désignation", render: (a) => a.description },
    { label: "Famille", render: (a) => text(a.family) },
    { label: "Poids", render: (a) => grams(a.weight_g) },
    { label: "Titre", render: (a) => text(a.fineness) },
    { label: "N° de série", render: (a) => text(a.serial) },
    { label: "Prix d'achat", render: (a) => money(a.purchase_price), class: "num" },
    { label: "Statut", render: (a) => label(STATUSES, a.status) },
  ], content.articles || [], { caption: `Articles de la version ${text(content.version)}` });

  body.replaceChildren(
    section("Le lot", facts),
    section(`Articles (${(content.articles || []).length})`, articles),
    section("Scellement", sealFacts(stored, listed), rawContent(stored)));
}
