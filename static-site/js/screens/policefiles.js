// Livre de police: the sealed register, every version of every lot in order,
// filtered by lot and by sealing date; each entry opens its stored content.

import { api } from "../api.js";
import { replaceQuery } from "../router.js";
import { policeTable } from "../sealed.js";
import { failure, field, fill, h, loading, onSubmit, pager, readForm, title } from "../ui.js";

const FILTERS = ["lot", "date_from", "date_to"];

export default async function render(view, { query }) {
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite" }, "‹ Conformité")),
    title("Livre de police"),
    h("p", { class: "hint" }, "Chaque enregistrement, correction ou rétractation d'un lot scelle une nouvelle version, "
      + "chaînée à la précédente par son empreinte SHA-256 et conservée sans modification possible."));
  const state = Object.fromEntries(FILTERS.map((k) => [k, query[k] || ""]));
  let page = Number(query.page) || 1;
  const form = h("form", { class: "form filters", role: "search", "aria-label": "Filtres du livre de police" },
    h("div", { class: "grid" },
      field({ name: "lot", label: "Lot (référence)", type: "search" }),
      field({ name: "date_from", label: "Scellé à partir du", type: "date" }),
      field({ name: "date_to", label: "Scellé jusqu'au", type: "date" })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Chercher"),
      h("button", { type: "button", class: "button-quiet", onclick: () => { form.reset(); search(); } }, "Effacer")));
  fill(form, state);
  const results = h("div", { "aria-live": "polite" });
  onSubmit(form, async () => search());

  function search() {
    Object.assign(state, Object.fromEntries(FILTERS.map((k) => [k, ""])), readForm(form));
    page = 1;
    return refresh();
  }

  async function refresh() {
    replaceQuery({ ...state, page: page > 1 ? page : "" });
    loading(results);
    try {
      const reply = await api.get("/compliance/police-files", { query: { ...state, page, page_size: 50 } });
      results.replaceChildren(policeTable(reply.items, "Livre de police"),
        pager(reply, (p) => { page = p; refresh(); }));
    } catch (error) {
      results.replaceChildren();
      failure(results, error);
    }
  }

  view.append(form, results);
  await refresh();
}
