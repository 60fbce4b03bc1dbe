// Familles d'articles.

import { api } from "../api.js";
import { MARGIN_CATEGORIES, label } from "../fr.js";
import { confirmDialog, dialog, field, h, loading, notice, onSubmit, options, readForm, section, table, title }
  from "../ui.js";

function familyForm(values, submitLabel) {
  return h("form", { class: "form" },
    h("div", { class: "grid" },
      field({ name: "label", label: "Libellé", required: true }, values.label),
      field({ name: "metal_2093", label: "Métal déclaré sur la 2093 (achats de métaux)", type: "checkbox",
        hint: "Ses achats entrent dans la déclaration annuelle et ne se paient jamais en espèces." },
      values.metal_2093),
      field({ name: "margin_category", label: "Régime de la marge (mention sur factures et tickets)", type: "select",
        options: options(MARGIN_CATEGORIES),
        hint: "« Régime particulier – … » : biens d'occasion, objets d'art, ou objets de collection et d'antiquité." },
      values.margin_category || "second_hand")),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, submitLabel)));
}

export default async function render(view) {
  view.append(title("Familles d'articles"));
  const list = h("div");
  const create = familyForm({}, "Ajouter la famille");
  create.setAttribute("aria-label", "Nouvelle famille");
  onSubmit(create, async () => {
    const family = await api.post("/families", readForm(create));
    create.reset();
    notice(`Famille « ${family.label} » ajoutée.`);
    await refresh();
  });

  function edit(family) {
    dialog(`Modifier « ${family.label} »`, (close) => {
      const form = familyForm(family, "Enregistrer");
      onSubmit(form, async () => {
        await api.put(`/families/${encodeURIComponent(family.id)}`, readForm(form));
        close();
        notice("Famille modifiée.");
        await refresh();
      });
      return form;
    });
  }

  async function remove(family) {
    if (!(await confirmDialog(`Supprimer la famille « ${family.label} » ?`, "Supprimer"))) return;
    try {
      await api.del(`/families/${encodeURIComponent(family.id)}`);
      notice("Famille supprimée.");
      await refresh();
    } catch (error) {
      notice(error.message, "error");
    }
  }

  async function refresh() {
    loading(list);
    const reply = await api.get("/families", { query: { page_size: 500 } });
    list.replaceChildren(table([
      { label: "Libellé", render: (f) => f.label },
      { label: "Déclaration 2093", render: (f) => (f.metal_2093 ? "Oui" : "Non") },
      { label: "Régime de la marge", render: (f) => label(MARGIN_CATEGORIES, f.margin_category || "second_hand") },
      { label: "Actions", render: (f) => h("div", { class: "row-actions" },
        h("button", { type: "button", onclick: () => edit(f), "aria-label": `Modifier ${f.label}` }, "Modifier"),
        h("button", { type: "button", class: "button-danger", onclick: () => remove(f),
          "aria-label": `Supprimer ${f.label}` }, "Supprimer")) },
    ], reply.items, { caption: "Familles", empty: "Aucune famille : ajoutez-en une avant de saisir un lot." }));
  }

  view.append(section("Familles", list), section("Nouvelle famille", create));
  await refresh();
}
