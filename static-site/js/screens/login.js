// Connexion.

import { signIn } from "../api.js";
import { field, h, onSubmit, readForm, title } from "../ui.js";
import { confirmationForm } from "./signup.js";

export default function render(view, { signedIn }) {
  const form = h("form", { class: "form narrow", "aria-label": "Connexion" },
    field({ name: "email", label: "Adresse e-mail", type: "email", autocomplete: "username" }),
    field({ name: "password", label: "Mot de passe", type: "password", autocomplete: "current-password" }),
    field({ name: "remember", label: "Rester connecté sur cet appareil", type: "checkbox" }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Se connecter")));
  form.querySelector("[name=email]").setAttribute("autofocus", "");
  onSubmit(form, async () => {
    const values = readForm(form, { empty: "null" });
    try {
      await signIn(values.email ?? "", values.password ?? "", values.remember);
    } catch (error) {
      // A signup not confirmed yet: the French message above, the code field below.
      if (error.code === "email_not_verified" && !form.nextElementSibling?.matches("[data-confirmation]")) {
        const confirm = confirmationForm(values.email, async () => {
          await signIn(values.email, values.password, values.remember);
          await signedIn();
        });
        confirm.setAttribute("data-confirmation", "");
        form.after(confirm);
      }
      throw error;
    }
    await signedIn();
  });
  view.append(
    title("Connexion"),
    h("p", { class: "lead" }, "Livre de police, inventaire et caisse pour les professionnels de l'occasion."),
    form,
    h("p", {}, "Pas encore de compte ? ", h("a", { href: "#/inscription" }, "Créer l'espace de votre entreprise")),
    h("p", { class: "hint" }, "Agent de contrôle ? ", h("a", { href: "#/conformite/guide" }, "Guide de l'inspecteur")),
  );
}
