// Accès inspecteur: the control agent types the one-time code the manager handed over with the
// link (POST /api/inspector/login) and gets a read-only session until the access ends.

import { request, session } from "../api.js";
import { field, h, onSubmit, readForm, title } from "../ui.js";

export default function render(view, { signedIn }) {
  const form = h("form", { class: "form narrow", "aria-label": "Accès inspecteur" },
    field({ name: "code", label: "Code d'accès", autocomplete: "one-time-code", placeholder: "XXXX-XXXX-XXXX",
      hint: "Le code remis par le gérant avec le lien. Il ne sert qu'une fois." }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Ouvrir la session")));
  form.querySelector("[name=code]").setAttribute("autofocus", "");
  onSubmit(form, async () => {
    const { code } = readForm(form, { empty: "null" });
    const tokens = await request("POST", "/inspector/login", { body: { code: code ?? "" }, public: true });
    session.save(tokens, false); // this tab only: an inspector's session never outlives the browser
    sessionStorage.setItem("lotbook.after-login", "/conformite");
    await signedIn();
  });
  view.append(
    title("Accès inspecteur"),
    h("p", { class: "lead" }, "Consultation en lecture seule du livre de police, des tickets, des clôtures, du "
      + "journal des événements, des archives fiscales et de leur vérification. Chaque consultation est "
      + "inscrite au registre des consultations de l'entreprise."),
    form,
    h("p", { class: "hint" }, h("a", { href: "#/conformite/guide" }, "Guide de l'inspecteur"),
      " — comment lire et vérifier les registres scellés."),
  );
}
