// Conformité: the legal records kept in the vault, and their verification
// (every chain re-read and re-hashed by the API).

import { api, loadConfig } from "../api.js";
import { label } from "../fr.js";
import { can, permissionOf } from "../router.js";
import { CHAINS, hash } from "../sealed.js";
import { alertBox, h, section, table, title } from "../ui.js";

const LINKS = [
  { href: "#/conformite/livre-de-police", label: "Livre de police",
    text: "Chaque version scellée des lots : vendeur, articles, empreintes, conservation." },
  { href: "#/conformite/tickets", label: "Tickets de caisse", text: "Les tickets scellés, tels que conservés." },
  { href: "#/conformite/tickets-fictifs", label: "Tickets fictifs (mode formation)",
    text: "Les ventes d'exercice, scellées à part : elles ne changent ni le stock ni la caisse." },
  { href: "#/conformite/clotures", label: "Clôtures de caisse",
    text: "Les clôtures journalières, mensuelles et annuelles, ventilées par taux de TVA et moyen de paiement." },
  { href: "#/conformite/archives", label: "Archives fiscales",
    text: "Chaque mois et exercice clôturés, en JSON et CSV, avec leur manifeste scellé : à télécharger et vérifier." },
  { href: "#/conformite/controles", label: "Rapports de contrôle",
    text: "Les rapports des agents de contrôle, horodatés et scellés, sans modification possible." },
  { href: "#/conformite/evenements", label: "Journal des événements",
    text: "Connexions, paramètres, clôtures, sauvegardes, exports, impressions : chaque événement scellé." },
  { href: "#/conformite/consultations", label: "Consultations du registre",
    text: "Qui a consulté le livre de police, quand, quoi et pourquoi : chaque consultation, scellée." },
  { href: "#/conformite/guide", label: "Guide de l'inspecteur",
    text: "Ce qui est scellé, comment le vérifier à l'écran et sans Lotbook, ce que disent les mentions." },
];

function verdict(reply) {
  if (reply.ok) {
    return alertBox(`Vérification réussie : ${reply.checked} enregistrement(s) contrôlé(s), aucune rupture `
      + "de chaîne ni altération, aucun écart entre la base et le registre scellé.", [], "success");
  }
  const broken = reply.first_broken;
  const items = [];
  if (broken) {
    items.push(`Le premier enregistrement altéré est le n° ${broken.rank ?? "?"} de la chaîne `
      + `« ${label(CHAINS, broken.chain)} » : ${broken.message || broken.reason}`);
  }
  const gaps = reply.divergences || [];
  if (gaps.length) items.push(`${gaps.length} écart(s) entre la base et le registre scellé (détail ci-dessous).`);
  const short = reply.retention || [];
  if (short.length) items.push(`${short.length} enregistrement(s) conservé(s) moins longtemps que le terme légal.`);
  const altered = (reply.archives || []).filter((a) => !a.ok);
  if (altered.length) {
    items.push(`${altered.length} archive(s) fiscale(s) ne correspondant plus à leur empreinte scellée `
      + "(détail ci-dessous).");
  }
  return alertBox("Vérification en échec.", items);
}

// Each built fiscal archive's stored files against its sealed "Archive fiscale constituée" event.
const ARCHIVE_REASONS = {
  overwritten: "Réécrite après sa constitution", hash_mismatch: "Empreinte différente de celle scellée",
  missing: "Fichier manquant", not_sealed: "Événement de constitution non scellé",
  sealed_record_missing: "Événement scellé introuvable", sealed_record_altered: "Événement scellé altéré",
  not_this_archive: "L'événement scellé désigne une autre archive",
};

function archivesTable(archives) {
  if (!archives || !archives.length) return null;
  return table([
    { label: "Période", render: (a) => a.period },
    { label: "État", render: (a) => (a.ok ? h("span", { class: "badge badge-ok" }, "Conforme au scellé")
      : h("span", { class: "badge badge-error" }, label(ARCHIVE_REASONS, a.reason))) },
    { label: "Fichier", render: (a) => a.file || "—" },
  ], archives, { caption: "Archives fiscales vérifiées" });
}

// The live records held against their last sealed version (API: divergences).
const RECORDS = { lot: "Lot", article: "Article", sale: "Vente", summary: "Totaux Σ du mois" };
const FIELDS = {
  exists: "Existence (supprimé de la base)", description: "Désignation", family: "Famille", weight_g: "Poids (g)",
  fineness: "Titre (‰)", serial: "N° de série", purchase_price: "Prix d'achat", price_incl_tmp: "Prix TMP incluse",
  purchase_date: "Date d'achat", payment_method: "Moyen de paiement", condition: "État", kind: "Type de lot",
  sale_price: "Prix de vente", vat_rate: "Taux de TVA", transaction_ref: "Transaction",
};

// A Σ bucket's figure: "collected_normal" → "TVA collectée (normal)".
const SUMS = { count: "Nombre d'articles", purchase: "Total achats", sale: "Total ventes", margin: "Marge",
  base: "Base", deductible: "TVA déductible", collected: "TVA collectée", shown: "Articles au taux" };

function fieldLabel(name) {
  if (name.startsWith("seller.")) return `Vendeur : ${name.slice(7)}`;
  const [sum, ...rate] = name.split("_");
  if (!(name in FIELDS) && sum in SUMS) return rate.length ? `${SUMS[sum]} (${rate.join("_")})` : SUMS[sum];
  return label(FIELDS, name);
}

function shown(value) {
  if (value === true) return "présent";
  if (value === false) return "absent";
  if (value === null || value === undefined || value === "") return "—";
  return String(value);
}

function divergencesTable(divergences) {
  if (!divergences || !divergences.length) return null;
  return section("Écart entre la base et le registre scellé", h("p", { class: "hint" }, "Chaque donnée modifiée "
    + "ou supprimée hors de l'application depuis son dernier enregistrement scellé."), table([
    { label: "Enregistrement", render: (d) => `${label(RECORDS, d.record)} ${d.ref}`
      + (d.article ? ` (article ${d.article})` : "") },
    { label: "Champ", render: (d) => fieldLabel(d.field) },
    { label: "Valeur scellée", render: (d) => shown(d.sealed) },
    { label: "Valeur actuelle", render: (d) => shown(d.live) },
    { label: "Scellé", render: (d) => (d.rank ? `${label(CHAINS, d.chain)} n° ${d.rank}` : "aucun") },
  ], divergences, { caption: "Écarts entre la base et le registre scellé" }));
}

function retentionTable(problems, years) {
  if (!problems || !problems.length) return null;
  const day = (value) => (value ? new Date(value).toLocaleDateString("fr-FR") : "—");
  return section("Conservation insuffisante", h("p", { class: "hint" }, `Chaque enregistrement scellé doit rester `
    + `verrouillé (mode COMPLIANCE) ${years ?? 10} ans calendaires à compter du jour de son scellement.`), table([
    { label: "Enregistrement", render: (p) => `${label(CHAINS, p.chain)} n° ${p.rank}` },
    { label: "Problème", render: (p) => p.message || p.reason },
    { label: "Mode", render: (p) => p.mode || "—" },
    { label: "Conservé jusqu'au", render: (p) => day(p.retain_until) },
    { label: "Terme légal", render: (p) => day(p.required_until) },
  ], problems, { caption: "Conservation insuffisante" }));
}

function chainsTable(chains) {
  return table([
    { label: "Chaîne", render: (c) => label(CHAINS, c.chain) },
    { label: "Contrôlés", render: (c) => String(c.checked), class: "num" },
    { label: "Dernier rang", render: (c) => (c.head ? String(c.head.rank) : "—"), class: "num" },
    { label: "SHA-256 du dernier", render: (c) => hash(c.head?.sha256) },
    { label: "État", render: (c) => (c.broken
      ? h("span", { class: "badge badge-error" }, `Rompue au n° ${c.broken.rank}`)
      : h("span", { class: "badge badge-ok" }, "Intègre")) },
  ], chains || [], { caption: "Chaînes vérifiées" });
}

const KINDS = { lot_committed: "Enregistrement de lot", lot_corrected: "Correction de lot",
  lot_retracted: "Rétractation de lot", sale: "Vente", sale_return: "Retour client", closing: "Clôture de caisse",
  inspection: "Rapport de contrôle", chain_head: "Ancrage des chaînes" };

// Entries the sealer failed on: never silent (they are retried every 5 minutes).
async function sealingBanner(slot) {
  try {
    const status = await api.get("/compliance/sealing");
    if (status.ok) return;
    const lines = status.unsealed.map((u) => `${KINDS[u.kind] || u.kind} du ${new Date(u.since).toLocaleString("fr-FR")}`
      + ` — ${u.attempts} tentative(s)${u.needs_a_human ? ", intervention nécessaire" : ""}`);
    slot.replaceChildren(alertBox(`Scellement en échec : ${status.unsealed.length} enregistrement(s) ne sont pas `
      + "encore scellés dans le coffre. Ils sont réessayés automatiquement ; si cela dure, contactez le support.",
    lines));
  } catch (error) {
    slot.replaceChildren(alertBox(error.message));
  }
}

async function verifyAsJob() {
  const { job_id: jobId } = await api.post("/compliance/verify", {});
  let job = await api.get(`/jobs/${encodeURIComponent(jobId)}`);
  while (job.status === "running") {
    await new Promise((resolve) => { setTimeout(resolve, 500); });
    job = await api.get(`/jobs/${encodeURIComponent(jobId)}`);
  }
  if (job.status !== "succeeded") throw new Error(job.error || "La vérification a échoué.");
  return job.result;
}

export default function render(view, { me } = {}) {
  const banner = h("div", { class: "sealing-status", "aria-live": "polite" });
  sealingBanner(banner);
  const result = h("div", { "aria-live": "polite", class: "verify-result" });
  const button = h("button", { type: "button", class: "button-primary", onclick: async () => {
    button.disabled = true;
    result.replaceChildren(h("p", { class: "loading", role: "status" }, "Vérification en cours…"));
    try {
      // A job: a long register outlasts one request (POST answers 202 {job_id}); an inspector's
      // session, which starts no job, verifies in one request (from each chain's checkpoint).
      const reply = can(me, "verify_in_background") ? await verifyAsJob() : await api.get("/compliance/verify");
      result.replaceChildren(...[verdict(reply), chainsTable(reply.chains), divergencesTable(reply.divergences),
        retentionTable(reply.retention, reply.retention_years), archivesTable(reply.archives)].filter(Boolean));
      result.querySelector(".form-alert").focus();
    } catch (error) {
      result.replaceChildren(alertBox(error.message));
    } finally {
      button.disabled = false;
    }
  } }, "Vérifier l'intégrité des registres");
  view.append(title("Conformité"), banner,
    h("ul", { class: "tasks" }, LINKS.filter((l) => can(me, permissionOf(l.href.slice(1)))).map((l) => h("li", {},
      h("a", { href: l.href }, h("strong", {}, l.label),
      h("span", {}, l.text))))),
    section("Vérification", h("p", { class: "hint" }, "Relit chaque enregistrement scellé dans le coffre, recalcule "
      + "son empreinte SHA-256 et contrôle le chaînage avec le précédent."), h("div", { class: "actions" }, button),
    result, verifierLink()));
}

// The standalone verifier (public route, no token): an inspector checks an archive without Lotbook.
function verifierLink() {
  const link = h("a", { href: "/api/compliance/verifier", download: "lotbook_verify.py", class: "button-link" },
    "Télécharger le vérificateur autonome");
  loadConfig().then((config) => {
    link.href = `${(config && config.api_base) || "/api"}/compliance/verifier`;
  }).catch(() => {});
  return h("p", { class: "hint verifier-download" }, link, " — un seul fichier Python (bibliothèque standard), "
    + "à lancer sur une archive ou une copie du coffre : python3 lotbook_verify.py ARCHIVE.zip");
}
