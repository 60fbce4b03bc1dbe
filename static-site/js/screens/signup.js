// Inscription: a new company and its manager.

import { api, signIn } from "../api.js";
import { alertBox, clearErrors, field, h, onSubmit, readForm, showError, title } from "../ui.js";

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
    // The space opens once the e-mail is confirmed with the code sent to it.
    intro.replaceWith(h("p", { class: "lead" }, "Dernière étape : confirmez votre adresse e-mail."));
    form.replaceWith(confirmationForm(body.email, async () => {
      await signIn(body.email, body.password, false);
      await signedIn();
    }));
  });
  const intro = h("p", { class: "lead" }, "Vous serez le gérant : vous pourrez ensuite ajouter vos collaborateurs.");
  view.append(
    title("Créer l'espace de votre entreprise"),
    intro,
    form,
    h("p", {}, "Déjà un compte ? ", h("a", { href: "#/connexion" }, "Se connecter")),
  );
}

/** The code e-mailed at signup: typed here, it makes the company usable (also offered by the login screen). */
export function confirmationForm(email, confirmed) {
  const form = h("form", { class: "form narrow", "aria-label": "Confirmation de l'adresse e-mail" },
    h("p", { role: "status" },
      `Un code de confirmation à 6 chiffres vient d'être envoyé à ${email}. Saisissez-le pour activer votre espace.`),
    field({ name: "code", label: "Code de confirmation", inputmode: "numeric", autocomplete: "one-time-code",
      required: true,
      hint: "6 chiffres, valable 24 heures. Pensez à regarder dans vos courriers indésirables." }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "button-primary" }, "Confirmer mon adresse"),
      h("button", { type: "button", class: "button-quiet", "data-resend": "" }, "Renvoyer le code")));
  onSubmit(form, async () => {
    const { code } = readForm(form, { empty: "null" });
    await api.post("/signup/confirm", { email, code: code ?? "" }, { public: true });
    await confirmed();
  });
  form.querySelector("[data-resend]").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    clearErrors(form);
    try {
      await api.post("/signup/resend", { email }, { public: true });
      form.prepend(alertBox(`Un nouveau code a été envoyé à ${email}.`, [], "success"));
    } catch (error) {
      showError(form, error);
    } finally {
      button.disabled = false;
    }
  });
  setTimeout(() => form.querySelector("[name=code]")?.focus(), 0);
  return form;
}
