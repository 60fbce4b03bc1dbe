// Livre de police: the sealed register, every version of every lot in order,
// filtered by lot and by sealing date; each entry opens its stored content.

import { purposeField } from "../purpose.js";
import { policeTable, sealedList } from "../sealed.js";
import { h, title } from "../ui.js";

export default async function render(view, { query }) {
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite" }, "‹ Conformité")),
    title("Livre de police"),
    h("p", { class: "hint" }, "Chaque enregistrement, correction ou rétractation d'un lot scelle une nouvelle version, "
      + "chaînée à la précédente par son empreinte SHA-256 et conservée sans modification possible."),
    purposeField());
  await sealedList(view, query, {
    path: "/compliance/police-files",
    ariaLabel: "Filtres du livre de police",
    caption: "Livre de police",
    render: policeTable,
    filters: [{ name: "lot", label: "Lot (référence)", type: "search" },
      { name: "date_from", label: "Scellé à partir du", type: "date" },
      { name: "date_to", label: "Scellé jusqu'au", type: "date" }],
  });
}
