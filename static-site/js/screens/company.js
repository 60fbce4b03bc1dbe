// Société: the company settings (manager and collaborator).

import { api } from "../api.js";
import { mediaSection } from "../media.js";
import { ADDRESS_FIELDS } from "../partyform.js";
import { can } from "../router.js";
import { fieldset, fill, h, loading, notice, onSubmit, readForm, title } from "../ui.js";

const IDENTITY = [
  { name: "company_name", label: "Raison sociale", required: true },
  { name: "legal_form", label: "Forme juridique", hint: "SARL, EI, SAS…" },
  { name: "siren", label: "SIREN", inputmode: "numeric", hint: "9 chiffres" },
  { name: "siret", label: "SIRET", inputmode: "numeric", hint: "14 chiffres" },
  { name: "vat_number", label: "N° de TVA intracommunautaire", hint: "FR suivi de 11 caractères" },
  { name: "rcs", label: "RCS ou RM", hint: "ex. RCS Nancy 812 345 678" },
  { name: "ape_code", label: "Code APE", hint: "4 chiffres et une lettre" },
  { name: "creation_year", label: "Année de création", type: "int",
    hint: "Base des références de lots ; ne change plus après le premier lot." },
];
// the parties' address, and the commune's INSEE code the 2093 file wants for the company
const ADDRESS = ADDRESS_FIELDS.flatMap((f) => (f.name === "city"
  ? [f, { name: "city_insee", label: "Code INSEE de la commune" }] : [f]));
const CONTACT = [
  { name: "phone", label: "Téléphone", type: "tel" },
  { name: "email", label: "E-mail", type: "email" },
  { name: "contact_name", label: "Nom du contact" },
];
const INVOICING = [
  { name: "invoicing.auto", label: "Numérotation automatique des factures", type: "checkbox",
    hint: "Sinon, le numéro de facture est demandé à chaque vente." },
  { name: "invoicing.prefix", label: "Préfixe des factures", hint: "Lettres, chiffres, - et _ ; 10 au plus." },
  { name: "invoicing.year_digits", label: "Année dans le numéro", type: "select",
    options: [["4", "4 chiffres (2025)"], ["2", "2 chiffres (25)"], ["0", "Sans année"]] },
  { name: "invoice_legal_comment", label: "Mention légale des factures", type: "textarea", wide: true,
    hint: "ex. « TVA non applicable, art. 293 B du C.G.I. »" },
];
const DOCUMENTS = [
  { name: "contract_legal_comment", label: "Mention légale des bordereaux d'achat", type: "textarea", wide: true },
  { name: "receipt_options.legal_mention", label: "Mention des tickets de caisse", type: "textarea", wide: true },
  { name: "label_options.show_price", label: "Prix sur les étiquettes", type: "checkbox" },
  { name: "label_options.show_description", label: "Désignation sur les étiquettes", type: "checkbox" },
  { name: "label_options.show_price_code", label: "Code prix d'achat sur les étiquettes", type: "checkbox" },
  { name: "price_code_cipher", label: "Code prix (10 lettres différentes, une par chiffre)",
    hint: "ex. MARCHANDIS : M = 0, A = 1…" },
];
const REGISTER = [
  { name: "strict_police_register", label: "Refuser un lot dont le vendeur n'a pas l'identité complète "
    + "exigée par le livre de police", type: "checkbox", wide: true },
];

export default async function render(view, { me }) {
  view.append(title("Société"));
  const body = h("div");
  view.append(body);
  loading(body);
  const company = await api.get("/company");
  const form = h("form", { class: "form", "aria-label": "Paramètres de la société" },
    fieldset("Identité légale", IDENTITY),
    fieldset("Adresse", ADDRESS),
    fieldset("Contact", CONTACT),
    fieldset("Facturation", INVOICING),
    fieldset("Documents et étiquettes", can(me, "see_purchase_data") ? DOCUMENTS : DOCUMENTS.slice(0, -1)),
    fieldset("Livre de police", REGISTER),
    h("div", { class: "actions sticky-actions" }, h("button", { type: "submit", class: "button-primary" },
      "Enregistrer")));
  const show = (values) => {
    fill(form, { ...values, invoicing: { ...values.invoicing,
      year_digits: String(values.invoicing?.year_digits ?? 4) } });
  };
  show(company);
  onSubmit(form, async () => {
    const values = readForm(form, { empty: "null" });
    if (values.invoicing) values.invoicing.year_digits = Number(values.invoicing.year_digits);
    if (values.company_name === null) values.company_name = "";
    show(await api.put("/company", values));
    notice("Paramètres enregistrés.");
  });
  body.replaceChildren(
    h("p", { class: "lead" }, "Référence abonné : ", h("strong", {}, company.subscriber_ref || "—"),
      ` — ${company.max_users ?? "?"} utilisateurs au plus.`,
      " Donnez cette référence à vos confrères : leurs ventes vous arriveront en lots à finaliser."),
    form,
    // the default active image is the logo printed at the head of invoices, receipts and contracts
    mediaSection("company", "company", { heading: "Logo et médias de la société", editable: can(me, "manage_media"),
      intro: "L'image par défaut (active) sert de logo dans l'en-tête des factures, tickets et bordereaux." }));
}
