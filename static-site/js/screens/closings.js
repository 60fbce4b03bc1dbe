// Clôtures de caisse scellées: the closings chain (daily, monthly, yearly), filtered by sealing date.

import { date, datetime, label, money, text } from "../fr.js";
import { hash, retention, sealedList } from "../sealed.js";
import { h, table, title } from "../ui.js";

export const CLOSING_KINDS = { daily: "Journalière", monthly: "Mensuelle", yearly: "Annuelle" };

/** "2026-02-01" → 01/02/2026, "2026-02" → 02/2026, "2026" → exercice 2026. */
export function periodLabel(period) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(period || "")) return date(period);
  if (/^\d{4}-\d{2}$/.test(period || "")) return `${period.slice(5)}/${period.slice(0, 4)}`;
  return period ? `exercice ${period}` : "—";
}

function closingTable(items, caption) {
  return table([
    { label: "Clôture", render: (c) => h("a", { href: `#/conformite/clotures/${encodeURIComponent(c.number)}` },
      c.number) },
    { label: "Nature", render: (c) => label(CLOSING_KINDS, c.closing_kind) },
    { label: "Période", render: (c) => periodLabel(c.period) },
    { label: "Tickets", render: (c) => text(c.tickets), class: "num" },
    { label: "Total de la période", render: (c) => money(c.period_total), class: "num" },
    { label: "Scellée le", render: (c) => datetime(c.sealed_at) },
    { label: "SHA-256", render: (c) => hash(c.sha256) },
    { label: "Conservée jusqu'au", render: retention },
  ], items, { caption, empty: "Aucune clôture scellée." });
}

export default async function render(view, { query }) {
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite" }, "‹ Conformité")),
    title("Clôtures de caisse scellées"),
    h("p", { class: "hint" }, "Chaque jour, mois et exercice terminé est clôturé une fois. Un ticket daté d'un jour "
      + "déjà clôturé entre dans la clôture journalière suivante : les clôtures journalières d'un mois font "
      + "toujours le total du mois."));
  await sealedList(view, query, {
    path: "/compliance/closings",
    ariaLabel: "Filtres des clôtures",
    caption: "Clôtures de caisse scellées",
    render: closingTable,
    filters: [{ name: "date_from", label: "Scellée à partir du", type: "date" },
      { name: "date_to", label: "Scellée jusqu'au", type: "date" }],
  });
}
