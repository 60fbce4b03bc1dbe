// Fournisseurs / Clients: the list, searched by name, city, e-mail, phone, SIRET.

import { api } from "../api.js";
import { partyName, text } from "../fr.js";
import { KINDS } from "../partyform.js";
import { replaceQuery } from "../router.js";
import { h, loading, pager, table, title, uid } from "../ui.js";

export default async function render(view, { route, query }) {
  const kind = KINDS[route.kind];
  const state = { q: query.q || "", page: Number(query.page) || 1 };
  const searchId = uid("q");
  const input = h("input", { id: searchId, name: "q", type: "search", value: state.q, autocomplete: "off" });
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "search", role: "search", "aria-label": `Rechercher ${kind.a}` },
    h("label", { for: searchId }, "Rechercher (nom, ville, e-mail, téléphone, SIRET)"),
    h("div", { class: "scan-row" }, input, h("button", { type: "submit" }, "Rechercher")));
  let timer = null;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = input.value.trim();
    state.page = 1;
    refresh();
  });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.q = input.value.trim(); state.page = 1; refresh(); }, 300);
  });

  async function refresh() {
    replaceQuery({ q: state.q, page: state.page > 1 ? state.page : "" });
    loading(results);
    const reply = await api.get(kind.path, { query: { q: state.q, page: state.page, page_size: 50 } });
    const columns = [
      { label: "Nom", render: (p) => h("a", { href: `#${kind.route}/${encodeURIComponent(p.id)}` }, partyName(p)) },
      { label: "Ville", render: (p) => text(p.city) },
      { label: "Téléphone", render: (p) => text(p.phone) },
      { label: "E-mail", render: (p) => text(p.email) },
    ];
    if (route.kind === "supplier") {
      columns.push({ label: "Livre de police", render: (p) => {
        const missing = Object.values(p.police_register_missing || {});
        return missing.length ? h("span", { class: "badge badge-warn", title: missing.join(", ") },
          `Incomplet (${missing.length})`) : h("span", { class: "badge badge-ok" }, "Complet");
      } });
    }
    results.replaceChildren(
      table(columns, reply.items, { caption: kind.many, empty: state.q ? "Aucun résultat." : `Aucun ${kind.one}.` }),
      pager(reply, (page) => { state.page = page; refresh(); }));
  }

  view.append(
    title(kind.many),
    h("p", {}, h("a", { class: "button-link button-primary", href: `#${kind.route}/nouveau` }, kind.new)),
    form, results);
  await refresh();
  return () => clearTimeout(timer);
}
