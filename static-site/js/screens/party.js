// One supplier or client: create, edit, delete.

import { api } from "../api.js";
import { partyName } from "../fr.js";
import { KINDS, LABELS, partyFields } from "../partyform.js";
import { mediaSection } from "../media.js";
import { can, navigate } from "../router.js";
import { alertBox, confirmDialog, flashNext, h, loading, notice, onSubmit, readForm, title } from "../ui.js";

export default async function render(view, { route, params, me }) {
  const kind = KINDS[route.kind];
  const creating = params.id === "nouveau";
  const heading = title(creating ? kind.new : kind.One);
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: `#${kind.route}` }, `‹ ${kind.many}`)), heading);
  const body = h("div");
  view.append(body);
  loading(body);
  const party = creating ? {} : await api.get(`${kind.path}/${encodeURIComponent(params.id)}`);
  if (!creating) {
    heading.textContent = `${kind.One} : ${partyName(party)}`;
    document.title = `${heading.textContent} — Lotbook`;
  }

  const missing = Object.values(party.police_register_missing || {});
  const warning = route.kind === "supplier" && missing.length
    ? alertBox("Identité incomplète pour le livre de police :", missing, "warn") : null;
  const form = h("form", { class: "form", "aria-label": creating ? kind.new : `Fiche ${kind.one}` },
    ...partyFields(party),
    h("div", { class: "actions sticky-actions" },
      h("button", { type: "submit", class: "button-primary" }, creating ? "Créer" : "Enregistrer"),
      !creating && can(me, "delete_parties") ? h("button", { type: "button", class: "button-danger",
        onclick: remove }, "Supprimer") : null));
  onSubmit(form, async () => {
    const values = readForm(form);
    if (creating) {
      const created = await api.post(kind.path, values);
      flashNext(`${kind.One} « ${partyName(created)} » créé.`);
      navigate(`${kind.route}/${encodeURIComponent(created.id)}`);
    } else {
      await api.put(`${kind.path}/${encodeURIComponent(party.id)}`, values);
      flashNext(`${kind.One} enregistré.`);
      navigate(`${kind.route}/${encodeURIComponent(party.id)}`);
    }
  }, { labels: LABELS });

  async function remove() {
    if (!(await confirmDialog(`Supprimer ${kind.one === "client" ? "le client" : "le fournisseur"} `
      + `« ${partyName(party)} » ?`, "Supprimer"))) return;
    try {
      await api.del(`${kind.path}/${encodeURIComponent(party.id)}`);
      flashNext(`${kind.One} supprimé.`);
      navigate(kind.route);
    } catch (error) {
      notice(error.message, "error");
    }
  }

  // a supplier's media are purchase paperwork (identity documents, bills): the back office's only
  const media = !creating && (route.kind === "client" || can(me, "see_purchase_data"))
    ? mediaSection(route.kind, party.id, { intro: "Pièces d'identité, factures, photos…",
      editable: can(me, "manage_media") }) : null;
  body.replaceChildren(...[warning, form, media].filter(Boolean));
}
