// Sélection: scan, the chosen articles, the action to apply (on a phone: sell).

import { api } from "../api.js";
import { actionsFor, openAction } from "../actions.js";
import { articleCard, basketToggle, statusBadge } from "../articlebits.js";
import { emptySelection, onSelection, refreshSelection, selection } from "../basket.js";
import { money } from "../fr.js";
import { can } from "../router.js";
import { scanBox } from "../scan.js";
import { documentLink, h, loading, notice, table, title, uid } from "../ui.js";

export default async function render(view, { me, phone }) {
  view.append(title("Sélection"));
  const count = h("strong", { class: "selection-count" }, String(selection().count));
  const list = h("div", { "aria-live": "polite" });

  async function refresh() {
    loading(list);
    await refreshSelection();
    if (!selection().available) {
      list.replaceChildren(h("p", { class: "form-alert alert-error" }, "La sélection n'est pas encore disponible."));
      return;
    }
    if (!selection().count) {
      list.replaceChildren(h("p", { class: "empty" }, "La sélection est vide : scannez ou cochez des articles."));
      return;
    }
    const reply = await api.get("/articles", { query: { in_selection: "true", page_size: 500 } });
    list.replaceChildren(phone
      ? h("ul", { class: "cards", "aria-label": "Articles sélectionnés" }, reply.items.map(articleCard))
      : table([
        { key: "select", label: h("span", { class: "visually-hidden" }, "Sélection"), header: false,
          render: (a) => basketToggle(a.ref) },
        { label: "Référence", render: (a) => h("a", { href: `#/articles/${encodeURIComponent(a.ref)}` }, a.ref) },
        { label: "Désignation", render: (a) => a.description },
        { label: "Statut", render: (a) => statusBadge(a.status) },
        { label: "Prix étiquette", render: (a) => money(a.label_price), class: "num" },
      ], reply.items, { caption: "Articles sélectionnés" }));
  }

  const unsubscribe = onSelection((state) => { count.textContent = String(state.count); });
  const available = actionsFor(me, phone);
  const actionId = uid("action");
  const actionSelect = h("select", { id: actionId }, available.map(([key, a]) => h("option", { value: key }, a.label)));
  const run = (name) => openAction(name, { me, phone, onDone: refresh }).catch((error) => notice(error.message, "error"));
  const actionBar = available.length === 1
    ? h("div", { class: "actions" }, h("button", { type: "button", class: "button-primary", "data-action": available[0][0],
      onclick: () => run(available[0][0]) }, `${available[0][1].label} la sélection`))
    : h("form", { class: "action-menu", "aria-label": "Action groupée sur la sélection", onsubmit: (event) => {
      event.preventDefault();
      run(actionSelect.value);
    } }, h("label", { for: actionId }, "Action groupée"), actionSelect,
    h("button", { type: "submit", class: "button-primary" }, "Appliquer à la sélection"));

  view.append(
    scanBox({ onScanned: () => refresh(), autofocus: true }),
    h("div", { class: "toolbar" },
      h("p", { class: "selection-status" }, "Sélection : ", count, " article(s)"),
      actionBar,
      h("button", { type: "button", class: "button-quiet", onclick: async () => {
        try {
          await emptySelection();
          notice("Sélection vidée.");
          await refresh();
        } catch (error) { notice(error.message, "error"); }
      } }, "Vider la sélection")),
    phone ? null : h("div", { class: "actions", role: "group", "aria-label": "Impressions de la sélection" },
      documentLink("Étiquettes de la sélection (PDF)", "/selection/labels.pdf"),
      !can(me, "action:deposit_list") ? null : documentLink("Liste de dépôt (PDF)", "/selection/deposit-list.pdf")),
    list);
  await refresh();
  return () => unsubscribe();
}
