// Journal des événements: the event log (NF525), sealed in the vault's "event" chain and listed
// from its index (GET /api/compliance/events, newest first). Filters by days (Paris) and kind,
// kept in the URL; "Imprimer" prints the list as shown (print stylesheet, A4 landscape).

import { api } from "../api.js";
import { replaceQuery } from "../router.js";
import { hash } from "../sealed.js";
import { failure, field, fill, h, loading, onSubmit, pager, readForm, table, title } from "../ui.js";

// The kinds of chalicelib/domain/audit.py EVENT_KINDS and their labels (the API gives each
// event's own label; this list feeds the filter).
export const EVENT_KINDS = {
  login: "Connexion",
  login_refused: "Connexion refusée",
  user_created: "Utilisateur créé",
  user_changed: "Utilisateur modifié",
  user_deleted: "Utilisateur supprimé",
  settings_changed: "Paramètres modifiés",
  closing: "Clôture de caisse",
  archive_built: "Archive fiscale constituée",
  archive_downloaded: "Archive fiscale téléchargée",
  archive_altered: "Archive fiscale altérée",
  backup: "Sauvegarde",
  restore: "Restauration",
  closure: "Clôture d'exercice (purge)",
  export: "Export",
  print: "Impression",
  reprint: "Réimpression (duplicata)",
  email_sent: "Envoi par e-mail",
  inspector_access_granted: "Accès inspecteur accordé",
  inspector_access_revoked: "Accès inspecteur révoqué",
  inspector_login: "Connexion d'un inspecteur",
  inspection_report: "Rapport d'inspection déposé",
  training_on: "Mode formation activé",
  training_off: "Mode formation désactivé",
  software_version: "Version du logiciel",
  sealing_failure: "Échec de scellement",
};

// Detail names as the dealer reads them (others are shown as they come).
const DETAIL_LABELS = {
  reason: "Motif", source: "Adresse", locked_seconds: "Verrouillé (s)", email: "E-mail", profile: "Profil",
  status: "État", first_name: "Prénom", last_name: "Nom", id: "Identifiant", scope: "Portée",
  family_id: "Famille", label: "Libellé", export: "Export", rows: "Lignes", filters: "Filtres",
  document: "Document", number: "Numéro", copy: "Exemplaire", key: "Référence", from: "Avant", to: "Après",
  closing_number: "Clôture", kind: "Type", period: "Période", tickets: "Tickets", period_total: "Total",
  archive_id: "Archive", phase: "Étape", until: "Jusqu'au", title: "Titre", counts: "Effectifs",
  deleted_media: "Médias supprimés", purge_key: "Liste des suppressions", articles: "Articles", lots: "Lots",
  year: "Année", order: "N° d'ordre", files: "Fichiers", declared: "Vendeurs déclarés", sha256: "SHA-256",
  seq: "Entrée du journal", chain: "Chaîne", error: "Erreur", needs_a_human: "Intervention nécessaire",
  source_tenant_id: "Société d'origine", job_id: "Tâche", truncated: "Abrégé",
};

// Settings as the company screen names them (a changed field: "N° de TVA… : avant → après").
const SETTING_LABELS = {
  company_name: "Raison sociale", legal_form: "Forme juridique", siren: "SIREN", siret: "SIRET",
  vat_number: "N° de TVA intracommunautaire", rcs: "RCS ou RM", ape_code: "Code APE",
  creation_year: "Année de création", phone: "Téléphone", email: "E-mail", contact_name: "Nom du contact",
  "invoicing.auto": "Numérotation automatique des factures", "invoicing.prefix": "Préfixe des factures",
  "invoicing.year_digits": "Année dans le numéro", invoice_legal_comment: "Mention légale des factures",
  contract_legal_comment: "Mention légale des bordereaux d'achat",
  "receipt_options.legal_mention": "Mention des tickets de caisse", "label_options.show_price": "Prix sur les étiquettes",
  "label_options.show_description": "Désignation sur les étiquettes",
  "label_options.show_price_code": "Code prix d'achat sur les étiquettes", price_code_cipher: "Code prix",
  strict_police_register: "Livre de police strict", metal_2093: "Métal déclaré sur la 2093",
  margin_category: "Catégorie (régime de la marge)", profile: "Profil", first_name: "Prénom", last_name: "Nom",
  password: "Mot de passe", status: "État",
};

const REASONS = { invalid_credentials: "mot de passe ou e-mail incorrect", email_not_verified: "e-mail non confirmé" };

const PARIS = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", dateStyle: "short", timeStyle: "medium" });

/** An event's time, in Paris, to the second. */
export function parisTime(value) {
  const parsed = value ? new Date(value) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? PARIS.format(parsed) : "—";
}

function shown(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (value === true) return "oui";
  if (value === false) return "non";
  if (Array.isArray(value)) return value.length > 6 ? `${value.slice(0, 6).map(shown).join(", ")}… (${value.length})`
    : value.map(shown).join(", ");
  if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${DETAIL_LABELS[k] || k} : ${shown(v)}`)
    .join(" ; ");
  return String(value);
}

/** The details of an event as a short list: "champ : avant → après" for changes. */
export function detailsList(details) {
  const rows = [];
  for (const [name, value] of Object.entries(details || {})) {
    if (name === "changes" && value && typeof value === "object") {
      for (const [changed, change] of Object.entries(value)) {
        rows.push(h("li", {}, h("span", { class: "detail-name" }, `${SETTING_LABELS[changed] || changed} : `),
          `${shown(change?.from)} → ${shown(change?.to)}`));
      }
    } else if (name !== "before" && name !== "after") {
      rows.push(h("li", {}, h("span", { class: "detail-name" }, `${DETAIL_LABELS[name] || name} : `),
        name === "reason" ? (REASONS[value] || shown(value)) : shown(value)));
    }
  }
  return rows.length ? h("ul", { class: "event-details" }, rows) : "—";
}

export function eventsTable(items, caption) {
  return table([
    { label: "Rang", render: (e) => String(e.rank), class: "num" },
    { label: "Date et heure (Paris)", render: (e) => parisTime(e.at) },
    { label: "Utilisateur", render: (e) => e.user || "Système" },
    { label: "Événement", render: (e) => h("span", { class: "event-label", "data-kind": e.kind },
      e.label || EVENT_KINDS[e.kind] || e.kind) },
    { label: "Détails", render: (e) => detailsList(e.details) },
    { label: "SHA-256", render: (e) => hash(e.sha256) },
  ], items, { caption, empty: "Aucun événement pour ces critères." });
}

const FILTERS = [
  { name: "from", label: "Du", type: "date" },
  { name: "to", label: "Au", type: "date" },
  { name: "kind", label: "Type d'événement", type: "select",
    options: [["", "Tous les événements"], ...Object.entries(EVENT_KINDS)] },
];

export default async function render(view, { query }) {
  const names = FILTERS.map((f) => f.name);
  const state = Object.fromEntries(names.map((k) => [k, query[k] || ""]));
  let page = Number(query.page) || 1;
  const form = h("form", { class: "form filters no-print", role: "search", "aria-label": "Filtres du journal" },
    h("div", { class: "grid" }, FILTERS.map((f) => field(f))),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Afficher"),
      h("button", { type: "button", class: "button-quiet", onclick: () => { form.reset(); search(); } }, "Effacer"),
      h("button", { type: "button", class: "button-quiet print-events", onclick: () => window.print() },
        "Imprimer")));
  fill(form, state);
  const heading = h("p", { class: "print-only events-criteria" });
  const results = h("div", { "aria-live": "polite" });
  onSubmit(form, async () => search());

  function search() {
    Object.assign(state, Object.fromEntries(names.map((k) => [k, ""])), readForm(form));
    page = 1;
    return refresh();
  }

  function criteria() {
    const parts = [state.from ? `du ${state.from}` : null, state.to ? `au ${state.to}` : null,
      state.kind ? `type « ${EVENT_KINDS[state.kind] || state.kind} »` : "tous les types"].filter(Boolean);
    return `Journal des événements — ${parts.join(", ")} — imprimé le ${parisTime(new Date().toISOString())}`;
  }

  async function refresh() {
    replaceQuery({ ...state, page: page > 1 ? page : "" });
    heading.textContent = criteria();
    loading(results);
    try {
      const reply = await api.get("/compliance/events", { query: { ...state, page, page_size: 200 } });
      results.replaceChildren(eventsTable(reply.items, "Journal des événements"),
        h("div", { class: "no-print" }, pager(reply, (p) => { page = p; refresh(); })));
    } catch (error) {
      results.replaceChildren();
      failure(results, error);
    }
  }

  view.classList.add("events-screen");
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite" }, "‹ Conformité")),
    title("Journal des événements"),
    h("p", { class: "hint no-print" }, "Connexions, utilisateurs, paramètres, clôtures, sauvegardes, exports, "
      + "impressions, versions du logiciel… Chaque événement est scellé dans le coffre et chaîné au précédent "
      + "(rang, empreinte SHA-256) ; il ne peut être ni modifié ni supprimé. Les plus récents en premier."),
    form, heading, results);
  await refresh();
}
