// Accueil: the company, the profile, the way in to each task.

import { PROFILES } from "../fr.js";
import { can, permissionOf } from "../router.js";
import { scanBox } from "../scan.js";
import { append, h, title } from "../ui.js";

const TASKS = [
  { href: "#/saisie", label: "Saisir un lot", text: "Achat ou prise en confié, à la main ou par fichier CSV." },
  { href: "#/lots", label: "Lots", text: "Achats et prises en confié enregistrés, corrections, rétractations." },
  { href: "#/lots/en-attente", label: "Lots en attente de finition",
    text: "Articles qu'un confrère abonné vous a vendus ou confiés, à intégrer à votre stock." },
  { href: "#/articles", label: "Articles", text: "Rechercher, sélectionner, vendre.", phone: true },
  { href: "#/selection", label: "Sélection", text: "Les articles choisis et l'action à leur appliquer.",
    phone: true },
  { href: "#/fournisseurs", label: "Fournisseurs", text: "Vendeurs et déposants, leur identité pour le livre de police." },
  { href: "#/clients", label: "Clients", text: "Acheteurs et dépositaires." },
  { href: "#/familles", label: "Familles d'articles", text: "Dont les métaux déclarés sur la 2093." },
  { href: "#/societe", label: "Société", text: "Identité légale, facturation, étiquettes, tickets." },
  { href: "#/conformite", label: "Conformité", text: "Livre de police scellé, tickets, vérification, rapports de contrôle." },
  { href: "#/fin-d-annee", label: "Fin d'année", text: "Déclaration 2093, sauvegardes, clôture de l'exercice." },
  { href: "#/utilisateurs", label: "Utilisateurs", text: "Comptes et profils de votre équipe." },
  { href: "#/inspecteurs", label: "Accès inspecteurs",
    text: "Un accès en lecture seule, pour quelques jours, à remettre à un agent de contrôle." },
];

export default function render(view, { me, phone }) {
  const tasks = TASKS.filter((t) => can(me, permissionOf(t.href.slice(1))) && (t.phone || !phone));
  append(view, [
    title(me.company_name || "Accueil"),
    me.inspector
      ? h("p", { class: "lead" }, "Connecté en tant qu'inspecteur : ", h("strong", {}, me.inspector.name),
        " — accès en lecture seule au livre de police et aux registres scellés.")
      : h("p", { class: "lead" }, "Connecté en tant que ", h("strong", {}, me.email), " — profil ",
        h("strong", { class: "profile-name" }, PROFILES[me.profile] || me.profile), "."),
    (!can(me, "see_purchase_data") || phone) && can(me, "select") ? h("section", { class: "panel" }, h("h2", {}, "Caisse"), scanBox({ autofocus: false }),
      h("p", {}, h("a", { href: "#/selection", class: "button-link" }, "Voir la sélection et vendre"))) : null,
    h("ul", { class: "tasks" }, tasks.map((t) => h("li", {},
      h("a", { href: t.href }, h("strong", {}, t.label), h("span", {}, t.text))))),
  ]);
}
