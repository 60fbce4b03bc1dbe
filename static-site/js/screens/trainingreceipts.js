// Tickets fictifs: the receipts of training mode (mode formation), sealed in their own
// `training` chain, never in the cash register's: shown apart so nobody mistakes them.

import { datetime, money, text } from "../fr.js";
import { hash, retention, sealedList } from "../sealed.js";
import { h, table, title } from "../ui.js";

function trainingTable(items, caption) {
  return table([
    { label: "Ticket fictif", render: (r) => text(r.number) },
    { label: "Transaction", render: (r) => text(r.transaction_ref) },
    { label: "Total", render: (r) => money(r.total), class: "num" },
    { label: "Scellé le", render: (r) => datetime(r.sealed_at) },
    { label: "SHA-256", render: (r) => hash(r.sha256) },
    { label: "Conservé jusqu'au", render: retention },
  ], items, { caption, empty: "Aucun ticket fictif." });
}

export default async function render(view, { query }) {
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite" }, "‹ Conformité")),
    title("Tickets fictifs (mode formation)"),
    h("p", { class: "hint" }, "Ventes d'exercice : elles n'ont changé aucun article, aucun total ni aucune "
      + "clôture. Leurs tickets portent la mention « FICTIF — MODE FORMATION » et sont scellés dans une chaîne à part."));
  await sealedList(view, query, {
    path: "/compliance/training-receipts",
    ariaLabel: "Filtres des tickets fictifs",
    caption: "Tickets fictifs scellés",
    render: trainingTable,
    filters: [{ name: "date_from", label: "Scellé à partir du", type: "date" },
      { name: "date_to", label: "Scellé jusqu'au", type: "date" }],
  });
}
