// Utilisateurs: the manager's accounts screen.

import { api } from "../api.js";
import { PROFILES, datetime, label } from "../fr.js";
import {
  confirmDialog, dialog, field, h, loading, notice, onSubmit, options, readForm, section, table, title,
} from "../ui.js";

const PROFILE_HINT = "Gérant : tout. Collaborateur : tout sauf les comptes. Boutique : caisse et saisie, "
  + "sans prix d'achat ni réglages.";

export default async function render(view, { me }) {
  view.append(title("Utilisateurs"));
  const list = h("div");
  const create = h("form", { class: "form", "aria-label": "Nouvel utilisateur" },
    h("div", { class: "grid" },
      field({ name: "email", label: "Adresse e-mail", type: "email", required: true }),
      field({ name: "first_name", label: "Prénom" }),
      field({ name: "last_name", label: "Nom" }),
      field({ name: "profile", label: "Profil", type: "select", options: options(PROFILES), hint: PROFILE_HINT }),
      field({ name: "password", label: "Mot de passe", type: "password", autocomplete: "new-password",
        hint: "Laissez vide : un mot de passe provisoire sera affiché." })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Ajouter")));
  create.querySelector("[name=profile]").value = "collaborator";
  onSubmit(create, async () => {
    const user = await api.post("/users", readForm(create));
    create.reset();
    create.querySelector("[name=profile]").value = "collaborator";
    notice(user.temporary_password
      ? `Compte ${user.email} créé. Mot de passe provisoire : ${user.temporary_password}`
      : `Compte ${user.email} créé.`);
    await refresh();
  });

  function edit(user) {
    dialog(`Modifier ${user.email}`, (close) => {
      const form = h("form", { class: "form" },
        field({ name: "first_name", label: "Prénom" }, user.first_name),
        field({ name: "last_name", label: "Nom" }, user.last_name),
        field({ name: "profile", label: "Profil", type: "select", options: options(PROFILES),
          disabled: user.email === me.email }, user.profile),
        field({ name: "password", label: "Nouveau mot de passe", type: "password", autocomplete: "new-password",
          hint: "Laissez vide pour le garder." }),
        h("p", { class: "hint" }, "Un changement de profil prend effet à la prochaine connexion."),
        h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Enregistrer"),
          h("button", { type: "button", class: "button-quiet", onclick: close }, "Annuler")));
      onSubmit(form, async () => {
        await api.patch(`/users/${encodeURIComponent(user.id)}`, readForm(form));
        close();
        notice("Utilisateur modifié.");
        await refresh();
      });
      return form;
    });
  }

  async function remove(user) {
    if (!(await confirmDialog(`Supprimer le compte ${user.email} ? Il sera déconnecté partout.`, "Supprimer"))) return;
    try {
      await api.del(`/users/${encodeURIComponent(user.id)}`);
      notice("Utilisateur supprimé.");
      await refresh();
    } catch (error) {
      notice(error.message, "error");
    }
  }

  async function refresh() {
    loading(list);
    const reply = await api.get("/users");
    list.replaceChildren(table([
      { label: "E-mail", render: (u) => u.email },
      { label: "Nom", render: (u) => [u.first_name, u.last_name].filter(Boolean).join(" ") || "—" },
      { label: "Profil", render: (u) => label(PROFILES, u.profile) },
      { label: "Créé le", render: (u) => datetime(u.created_at) },
      { label: "Actions", render: (u) => h("div", { class: "row-actions" },
        h("button", { type: "button", onclick: () => edit(u), "aria-label": `Modifier ${u.email}` }, "Modifier"),
        u.email === me.email ? null : h("button", { type: "button", class: "button-danger",
          onclick: () => remove(u), "aria-label": `Supprimer ${u.email}` }, "Supprimer")) },
    ], reply.items, { caption: "Utilisateurs" }), h("p", { class: "hint" }, `${reply.total} utilisateur(s).`));
  }

  view.append(section("Comptes", list), section("Ajouter un utilisateur", create));
  await refresh();
}
