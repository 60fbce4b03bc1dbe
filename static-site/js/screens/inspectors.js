// Accès inspecteurs: the manager grants a named control agent a read-only access for a few
// days (a link and a one-time code, shown once), and revokes it (POST/GET/DELETE /api/inspector-access).

import { api } from "../api.js";
import { datetime, label } from "../fr.js";
import {
  alertBox, confirmDialog, field, h, loading, notice, onSubmit, options, readForm, section, table, title,
} from "../ui.js";

const STATES = { waiting: "Code non utilisé", used: "Session ouverte", expired: "Expiré", revoked: "Révoqué" };

const LIST = { query: { page_size: 500 } };

export default async function render(view) {
  // The grants, and the services a grant may name with their French labels (the API's one table).
  const first = await api.get("/inspector-access", LIST);
  const shown = h("div", { "aria-live": "polite" });
  const list = h("div");
  const form = h("form", { class: "form", "aria-label": "Nouvel accès inspecteur" },
    h("div", { class: "grid" },
      field({ name: "inspector", label: "Nom de l'inspecteur", required: true, autocomplete: "off" }),
      field({ name: "service", label: "Service", type: "select", options: options(first.services || {}) }),
      field({ name: "email", label: "Adresse e-mail de l'inspecteur", type: "email",
        hint: "Facultative : la copie de son rapport de contrôle lui est envoyée à cette adresse." }),
      field({ name: "purpose", label: "Motif du contrôle", required: true,
        hint: "Inscrit au registre des consultations avec chaque page lue." }),
      field({ name: "days", label: "Durée (jours)", type: "int", hint: "De 1 à 7 jours." }, "3")),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Accorder l'accès")));
  onSubmit(form, async () => {
    const access = await api.post("/inspector-access", readForm(form));
    form.reset();
    form.querySelector("[name=days]").value = "3";
    showOnce(access);
    await refresh();
  });

  function showOnce(access) {
    // The link to this very site (the API's `url` says the same when it knows the site's address).
    const link = `${window.location.origin}${window.location.pathname}#/inspection/acces?id=${encodeURIComponent(access.id)}`;
    shown.replaceChildren(h("section", { class: "panel", "data-access": access.id },
      h("h2", { tabindex: "-1" }, `Accès accordé à ${access.inspector}`),
      alertBox("Notez ou transmettez ce code maintenant : il ne sera plus jamais affiché. Il ne sert qu'une fois.",
        [], "info"),
      h("p", {}, "Code d'accès : ", h("strong", { class: "access-code", "data-code": "" }, access.code)),
      h("p", {}, "Lien à remettre à l'inspecteur : ",
        h("a", { href: link, class: "access-link", "data-url": "" }, link)),
      h("p", { class: "hint" }, `Valable jusqu'au ${datetime(access.expires_at)}, révocable à tout moment ci-dessous.`)));
    shown.querySelector("h2").focus();
  }

  async function revoke(access) {
    if (!(await confirmDialog(`Révoquer l'accès de ${access.inspector} ? Sa session prend fin.`, "Révoquer"))) {
      return;
    }
    try {
      await api.del(`/inspector-access/${encodeURIComponent(access.id)}`);
      notice("Accès révoqué.");
      await refresh();
    } catch (error) {
      notice(error.message, "error");
    }
  }

  async function refresh(loaded) {
    let reply = loaded;
    if (!reply) {
      loading(list);
      reply = await api.get("/inspector-access", LIST);
    }
    list.replaceChildren(table([
      { label: "Inspecteur", render: (a) => a.inspector },
      { label: "Service", render: (a) => a.service_label || a.service },
      { label: "Motif", render: (a) => a.purpose },
      { label: "Accordé le", render: (a) => `${datetime(a.created_at)} par ${a.created_by}` },
      { label: "Expire le", render: (a) => datetime(a.expires_at) },
      { label: "État", render: (a) => label(STATES, a.state) },
      { label: "Actions", render: (a) => (a.state === "waiting" || a.state === "used"
        ? h("button", { type: "button", class: "button-danger", onclick: () => revoke(a),
          "aria-label": `Révoquer l'accès de ${a.inspector}` }, "Révoquer") : "—") },
    ], reply.items, { caption: "Accès accordés", empty: "Aucun accès inspecteur accordé." }));
  }

  view.append(title("Accès inspecteurs"),
    h("p", { class: "lead" }, "Un agent de contrôle (police, gendarmerie, DGFiP, DGCCRF) consulte en lecture seule "
      + "le livre de police, les tickets, les clôtures, le journal des événements, les archives et la "
      + "vérification, et peut déposer son rapport de contrôle. Chacune de ses consultations est enregistrée."),
    section("Accorder un accès", form), shown, section("Accès accordés", list));
  await refresh(first);
}
