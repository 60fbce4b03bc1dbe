// Consultations du registre: who read the police register, when, what and why (arrêté of
// 15 May 2020, art. 3). Each read is a sealed record of the `consultation` chain; the list
// is filtered by the day of the read (docs/consultations.md).

import { datetime, text } from "../fr.js";
import { hash, retention, sealedList } from "../sealed.js";
import { h, table, title } from "../ui.js";

// The lot pages a read names (its `what`: docs/consultations.md), linked from the French label.
const LOT_READS = /^(lot|police_sheet|lot_police_files):([^?]+)/;

/** What was read, in French as the API describes it (chalicelib/domain/audit.py), the lot linked. */
export function describeRead(item) {
  const label = item.label || item.what || "";
  const lot = LOT_READS.exec(String(item.what || ""));
  if (lot && label.includes(lot[2])) {
    const [before, ...after] = label.split(lot[2]);
    return h("span", { class: "consultation-what", title: item.what }, before,
      h("a", { href: `#/lots/${encodeURIComponent(lot[2])}` }, lot[2]), after.join(lot[2]));
  }
  return h("span", { class: "consultation-what", title: item.what }, label);
}

function reader(item) {
  if (!item.inspector) return text(item.who);
  const name = item.inspector.service_label || item.inspector.service || "";
  const service = name ? ` (${name})` : "";
  return h("span", {}, h("strong", {}, `Inspecteur : ${item.inspector.name}${service}`), h("br"), text(item.who));
}

/** Whether the record is a read of the register or another access, and refused or not. */
export function accessKind(item) {
  const kind = item.access === "access" ? "Autre accès" : "Lecture du registre";
  return h("span", { class: "consultation-access", "data-access": item.access || "register_read" }, kind,
    item.refused ? h("strong", { class: "consultation-refused" }, " — refusée") : null);
}

function consultationTable(items, caption) {
  return table([
    { label: "Le", render: (r) => datetime(r.at) },
    { label: "Par", render: reader },
    { label: "Consultation", render: describeRead },
    { label: "Nature", render: accessKind },
    { label: "Motif", render: (r) => text(r.purpose) },
    { label: "N°", render: (r) => text(r.rank), class: "num" },
    { label: "SHA-256", render: (r) => hash(r.sha256) },
    { label: "Conservé jusqu'au", render: retention },
  ], items, { caption, empty: "Aucune consultation sur cette période." });
}

// No default day: a page of the whole log costs the API the head's count and that page's
// ranks, less than a month's records (docs/consultations.md "Listing it").
export default async function render(view, { query }) {
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite" }, "‹ Conformité")),
    title("Consultations du registre"),
    h("p", { class: "hint" }, "Chaque consultation du livre de police — écrans, enregistrements scellés, fiches, "
      + "listes, exports, sauvegardes, déclaration 2093 — est journalisée avec son auteur, sa date, son heure et son "
      + "motif, puis scellée et conservée dix ans sans modification possible. Les plus récentes d'abord. "
      + "Pour un inspecteur, chaque demande est journalisée, y compris les "
      + "autres accès et les demandes refusées."));
  await sealedList(view, query, {
    path: "/compliance/consultations",
    ariaLabel: "Filtres des consultations",
    caption: "Consultations du livre de police",
    render: consultationTable,
    filters: [{ name: "from", label: "Consultées à partir du", type: "date" },
      { name: "to", label: "Consultées jusqu'au", type: "date" }],
  });
}
