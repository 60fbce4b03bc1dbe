// Tickets de caisse scellés: the receipts chain, filtered by sealing date.

import { receiptTable, sealedList } from "../sealed.js";
import { h, title } from "../ui.js";

export default async function render(view, { query }) {
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite" }, "‹ Conformité")),
    title("Tickets de caisse scellés"));
  await sealedList(view, query, {
    path: "/compliance/receipts",
    ariaLabel: "Filtres des tickets",
    caption: "Tickets de caisse scellés",
    render: receiptTable,
    filters: [{ name: "date_from", label: "Scellé à partir du", type: "date" },
      { name: "date_to", label: "Scellé jusqu'au", type: "date" }],
  });
}
