// Inscription: a new company and its manager.

import { api, signIn } from "../api.js";
import { field, h, onSubmit, readForm, title } from "../ui.js";

export default function render(view, { signedIn }) {
  const form = h("form", { class: "form narrow", "aria-label": "Inscription" },
    field({ name: "company_name", label: "Nom de l'entreprise", autocomplete: "organization", required: true }),
    field({ name: "creation_year", label: "Année de création de l'entreprise", type: "int", required: true,
      hint: "Aucun achat ne pourra être daté d'avant le 1er janvier de cette année ; elle fonde les références "
        + "des lots et ne change plus après le premier lot." }),
    field({ name: "first_name", label: "Votre prénom", autocomplete: "given-name" }),
    field({ name: "last_name", label: "Votre nom", autocomplete: "family-name" }),
    field({ name: "email", label: "Adresse e-mail", type: "email", autocomplete: "email", required: true }),
    field({ name: "password", label: "Mot de passe", type: "password", autocomplete: "new-password",
      required: true, hint: "8 caractères au moins." }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Créer mon espace")));
  form.querySelector("[name=company_name]").setAttribute("autofocus", "");
  onSubmit(form, async () => {
    // Empty fields are left out: the API answers "Champ obligatoire." beside them.
    const body = readForm(form);
    await api.post("/signup", body, { public: true });
    await signIn(body.email, body.password, false);
    await signedIn();
  });
  view.append(
    title("Créer l'espace de votre entreprise"),
    h("p", { class: "lead" }, "Vous serez le gérant : vous pourrez ensuite ajouter vos collaborateurs."),
    form,
    h("p", {}, "Déjà un compte ? ", h("a", { href: "#/connexion" }, "Se connecter")),
  );
}
