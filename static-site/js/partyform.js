// The supplier / client form: every field of API.md's party list. Used by the
// parties screens and by the draft lot ("créer un fournisseur" on the fly).

import { api } from "./api.js";
import { STREET_INDEXES, TITLES } from "./fr.js";
import { clearErrors, fieldset, fill, h, options, setFieldError } from "./ui.js";

export const KINDS = {
  supplier: { one: "fournisseur", One: "Fournisseur", many: "Fournisseurs", path: "/suppliers",
    route: "/fournisseurs", a: "un fournisseur", new: "Nouveau fournisseur" },
  client: { one: "client", One: "Client", many: "Clients", path: "/clients", route: "/clients",
    a: "un client", new: "Nouveau client" },
};

// The address as the police register and the 2093 file want it: parties and the company.
export const ADDRESS_FIELDS = [
  { name: "address_complement", label: "Complément d'adresse", wide: true },
  { name: "street_number", label: "N°", inputmode: "numeric" },
  { name: "street_index", label: "Indice", type: "select", options: options(STREET_INDEXES, { blank: "—" }) },
  { name: "street_type", label: "Type de voie", hint: "R, AV, BD, PL… (4 lettres au plus)" },
  { name: "street_name", label: "Nom de la voie" },
  { name: "postcode", label: "Code postal", autocomplete: "postal-code" },
  { name: "city", label: "Ville", autocomplete: "address-level2" },
  { name: "country", label: "Pays", autocomplete: "country-name" },
];

export const GROUPS = [
  ["Identité", [
    { name: "title", label: "Civilité", type: "select", options: options(TITLES, { blank: "—" }) },
    { name: "last_name", label: "Nom", autocomplete: "family-name" },
    { name: "birth_name", label: "Nom de naissance" },
    { name: "first_names", label: "Prénoms", autocomplete: "given-name" },
    { name: "company_name", label: "Société (raison sociale)", autocomplete: "organization",
      hint: "Pour une société : son nom, son siège et son représentant." },
    { name: "siret", label: "SIRET", inputmode: "numeric", hint: "14 chiffres" },
    { name: "subscriber_ref", label: "Réf. abonné Lotbook", hint: "Si c'est un confrère abonné (LB-XXXX-XXXX)." },
  ]],
  ["Adresse", ADDRESS_FIELDS],
  ["Naissance", [
    { name: "birth_date", label: "Date de naissance", type: "date" },
    { name: "birth_city", label: "Ville de naissance" },
    { name: "birth_department", label: "Département de naissance", hint: "2 ou 3 chiffres, 2A, 2B ; 99 à l'étranger" },
    { name: "birth_insee", label: "Code INSEE de la commune de naissance" },
  ]],
  ["Pièce d'identité", [
    { name: "id_document_type", label: "Nature de la pièce", list: "id-document-types" },
    { name: "id_document_number", label: "Numéro de la pièce" },
    { name: "id_document_date", label: "Date de délivrance", type: "date" },
    { name: "id_document_authority", label: "Autorité de délivrance", hint: "ex. Préfecture de Meurthe-et-Moselle" },
  ]],
  ["Contact", [
    { name: "phone", label: "Téléphone", type: "tel", autocomplete: "tel" },
    { name: "email", label: "E-mail", type: "email", autocomplete: "email" },
    { name: "comment", label: "Commentaire", type: "textarea", wide: true },
  ]],
];

export const LABELS = Object.fromEntries(GROUPS.flatMap(([, defs]) => defs.map((d) => [d.name, d.label])));

const ID_TYPES = ["Carte nationale d'identité", "Passeport", "Titre de séjour", "Permis de conduire"];

export function partyFields(values = {}) {
  return [
    h("datalist", { id: "id-document-types" }, ID_TYPES.map((t) => h("option", { value: t }))),
    ...GROUPS.map(([legend, defs]) => fieldset(legend, defs, values)),
    h("p", {}, h("button", { type: "button", class: "button-quiet", "data-fill-subscriber": "",
      onclick: fillFromSubscriber }, "Remplir depuis la réf. abonné")),
  ];
}

// A colleague's public card (name, address, SIREN) fills the form from their subscriber reference.
async function fillFromSubscriber(event) {
  const form = event.target.closest("form");
  const input = form.querySelector('[name="subscriber_ref"]');
  clearErrors(form);
  const ref = input.value.trim();
  if (!ref) {
    setFieldError(form, "subscriber_ref", "Saisissez la référence abonné du confrère.");
    input.focus();
    return;
  }
  try {
    const card = await api.get(`/subscribers/${encodeURIComponent(ref)}`);
    const values = Object.fromEntries(Object.entries(card).filter(([, v]) => v !== null && v !== ""));
    fill(form, values);
  } catch (error) {
    setFieldError(form, "subscriber_ref", error.message || "Référence inconnue.");
  }
}
