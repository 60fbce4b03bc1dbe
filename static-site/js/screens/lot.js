// One lot: its seller as registered, its articles, its traces; prints,
// correction with a reason, retraction with a comment.

import { api } from "../api.js";
import { basketToggle } from "../articlebits.js";
import { articleCorrectionForm, lotCorrectionForm } from "../correction.js";
import {
  CONDITIONS, FIELD_LABELS, LOT_KINDS, LOT_STATUSES, PAYMENT_METHODS, STATUSES, TITLES, VAT_RATES, date, datetime,
  fieldValue, grams, label, money, partyName, text,
} from "../fr.js";
import { mediaSection } from "../media.js";
import { can, navigate } from "../router.js";
import { policeTable } from "../sealed.js";
import {
  alertBox, confirmDialog, dialog, documentLinks, field, flashNext, h, listAll, loading, onSubmit, openDocument, readForm,
  section, table, title,
} from "../ui.js";

export function tracesTable(traces, caption) {
  return table([
    { label: "Date", render: (t) => datetime(t.at) },
    { label: "Utilisateur", render: (t) => text(t.user) },
    { label: "Champ", render: (t) => FIELD_LABELS[t.field] || text(t.field) },
    { label: "Avant", render: (t) => fieldValue(t.field, t.old) },
    { label: "Après", render: (t) => fieldValue(t.field, t.new) },
    { label: "Motif", render: (t) => text(t.reason) },
  ], traces || [], { caption, empty: "Aucune trace : rien n'a été corrigé." });
}

/**
 * The lot's sealed versions in the police register. Sealing follows the commit
 * by a few seconds: while none is there, the list is asked again a few times.
 */
function policeVersions(ref) {
  const box = h("div", { "aria-live": "polite" });
  let tries = 0;
  async function load() {
    tries += 1;
    try {
      const reply = await api.get(`/lots/${encodeURIComponent(ref)}/police-files`, { query: { page_size: 100 } });
      if (reply.items.length) {
        box.replaceChildren(policeTable(reply.items, `Versions scellées du lot ${ref}`));
        return;
      }
      box.replaceChildren(h("p", { class: "empty" }, "Aucune version scellée pour l'instant : le scellement suit "
        + "l'enregistrement de quelques secondes. ",
      h("button", { type: "button", class: "button-quiet", onclick: () => { tries = 0; load(); } }, "Actualiser")));
      if (tries < 10) setTimeout(() => { if (box.isConnected) load(); }, 1500);
    } catch (error) {
      box.replaceChildren(alertBox(error.message));
    }
  }
  load();
  return box;
}

export function identity(s) {
  if (!s) return "—";
  const street = [s.street_number, s.street_index, s.street_type, s.street_name].filter(Boolean).join(" ");
  const lines = [
    [s.title ? TITLES[s.title] : null, partyName(s)].filter(Boolean).join(" "),
    s.company_name && s.last_name ? `Représentant : ${[s.last_name, s.first_names].filter(Boolean).join(" ")}` : null,
    s.address_complement, street, [s.postcode, s.city].filter(Boolean).join(" "),
    s.id_document_type ? `${s.id_document_type} n° ${text(s.id_document_number)} du ${date(s.id_document_date)}`
      + `${s.id_document_authority ? `, ${s.id_document_authority}` : ""}` : null,
  ].filter(Boolean);
  return h("address", {}, lines.map((l, i) => [i ? h("br") : null, l]));
}

export default async function render(view, { params, me }) {
  const ref = params.ref;
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/lots" }, "‹ Lots")), title(`Lot ${ref}`));
  const body = h("div");
  view.append(body);
  loading(body);
  const backOffice = can(me, "see_purchase_data");
  const [lot, families, suppliers] = await Promise.all([
    api.get(`/lots/${encodeURIComponent(ref)}`), listAll("/families"),
    backOffice ? listAll("/suppliers") : Promise.resolve([])]);
  const familyName = (id) => families.find((f) => f.id === id)?.label || text(id);
  const retracted = lot.status === "retracted";
  const reload = () => navigate(`/lots/${encodeURIComponent(ref)}`);

  const facts = h("dl", { class: "facts" },
    h("dt", {}, "Type"), h("dd", {}, label(LOT_KINDS, lot.kind)),
    h("dt", {}, "Statut"), h("dd", {}, h("span", { class: `badge status-${lot.status}` }, label(LOT_STATUSES, lot.status))),
    h("dt", {}, "Date d'achat"), h("dd", {}, date(lot.purchase_date)),
    h("dt", {}, "Moyen de paiement"), h("dd", {}, label(PAYMENT_METHODS, lot.payment_method)),
    h("dt", {}, "État"), h("dd", {}, label(CONDITIONS, lot.condition)),
    "purchase_price" in lot ? [h("dt", {}, "Prix d'achat"), h("dd", {}, money(lot.purchase_price))] : null,
    lot.tmp ? [h("dt", {}, "TMP"), h("dd", {}, "purchase_price" in lot
      ? `Oui — prix taxe incluse ${money(lot.price_incl_tmp)}, TMP due ${money(lot.tmp_due)}` : "Oui")] : null,
    h("dt", {}, "Articles"), h("dd", {}, String(lot.article_count ?? lot.articles.length)),
    h("dt", {}, "Commentaire"), h("dd", {}, text(lot.comment)),
    lot.register_version ? [h("dt", {}, "Version du registre"), h("dd", {}, String(lot.register_version))] : null,
    h("dt", {}, "Vendeur (tel qu'enregistré)"), h("dd", {}, identity(lot.supplier)));

  // prints: PDFs fetched with the token
  const contractOptions = h("form", { class: "form inline-form", "aria-label": "Options du bordereau d'achat" },
    field({ name: "legal", label: "Mentions légales", type: "select", options: [["default", "Par défaut"],
      ["own", "Les vôtres"], ["both", "Les deux"], ["none", "Aucune"]] }),
    field({ name: "agreement", label: "Case « accord du vendeur »", type: "checkbox" }, true),
    field({ name: "withdrawal", label: "Formulaire de rétractation (48 h)", type: "checkbox" }, true));
  const contractLink = () => {
    const o = readForm(contractOptions);
    return `/lots/${encodeURIComponent(ref)}/contract.pdf?legal=${o.legal}&agreement=${o.agreement ? 1 : 0}`
      + `&withdrawal=${o.withdrawal ? 1 : 0}`;
  };
  const contractButton = (download) => h("a", { href: "#", class: download ? "button-link button-quiet" : "button-link",
    "data-document": "contract", onclick: (event) => {
      event.preventDefault();
      openDocument(contractLink(), { download: download ? `bordereau-${ref}.pdf` : undefined });
    } }, download ? h("span", {}, "Télécharger", h("span", { class: "visually-hidden" }, " le bordereau d'achat"))
    : "Bordereau d'achat (PDF)");
  const enc = encodeURIComponent(ref);
  const prints = h("div", { class: "prints" },
    backOffice ? [contractOptions, h("div", { class: "actions" }, contractButton(false), contractButton(true)),
      h("div", { class: "actions" },
        documentLinks("Fiche du livre de police (PDF)", `/lots/${enc}/police-sheet.pdf`, `livre-de-police-${ref}.pdf`))]
      : null,
    h("div", { class: "actions" }, documentLinks("Étiquettes (PDF)", `/lots/${enc}/labels.pdf`, `etiquettes-${ref}.pdf`)));

  const seesPrices = lot.articles.some((a) => "purchase_price" in a);
  const articles = table([
    { label: "Référence", render: (a) => h("a", { href: `#/articles/${encodeURIComponent(a.ref)}` }, a.ref) },
    { label: "Désignation", render: (a) => a.description },
    { label: "Famille", render: (a) => familyName(a.family_id) },
    { label: "Poids", render: (a) => grams(a.weight_g) },
    { label: "Titre", render: (a) => text(a.fineness) },
    { label: "N° de série", render: (a) => text(a.serial) },
    { label: "TVA", render: (a) => label(VAT_RATES, a.vat_rate) },
    seesPrices ? { label: "Prix d'achat", render: (a) => money(a.purchase_price), class: "num" } : null,
    { label: "Prix de réserve", render: (a) => money(a.reserve_price), class: "num" },
    { label: "Prix étiquette", render: (a) => money(a.label_price), class: "num" },
    { label: "Statut", render: (a) => h("span", { class: `badge status-${a.status}` }, label(STATUSES, a.status)) },
    { label: "Sélection", render: (a) => basketToggle(a.ref) },
    backOffice && !retracted ? { label: "Correction", render: (a) => h("button", { type: "button",
      "aria-label": `Corriger l'article ${a.ref}`, onclick: () => correctArticle(a) }, "Corriger") } : null,
  ].filter(Boolean), lot.articles, { caption: `Articles du lot ${ref}` });

  function correctArticle(article) {
    dialog(`Corriger l'article ${article.ref}`, (close) => articleCorrectionForm(article, families, () => {
      close();
      flashNext(`Article ${article.ref} corrigé.`);
      reload();
    }), { wide: true });
  }

  const sections = [
    section("Le lot", facts),
    section("Impressions", prints),
    section(`Articles (${lot.articles.length})`, articles),
    section("Traces", tracesTable(lot.traces, `Traces du lot ${ref}`)),
  ];
  if (backOffice) sections.push(section("Livre de police", policeVersions(ref)));
  // purchase paperwork (bills, photos of the lot as bought): the back office's only
  if (backOffice) sections.push(mediaSection("lot", ref));
  if (backOffice && !retracted) {
    sections.push(section("Corriger le lot", h("p", { class: "hint" }, "Les champs du livre de police ne changent "
      + "que par une correction motivée ; une nouvelle version du registre est scellée."),
    lotCorrectionForm(lot, suppliers, () => {
      flashNext(`Lot ${ref} corrigé.`);
      reload();
    })));
    const retractForm = h("form", { class: "form", "aria-label": "Rétractation du lot" },
      h("p", { class: "hint" }, "Droit de rétractation de 48 h d'un particulier vendeur de métaux précieux, ou "
        + "annulation d'un lot saisi deux fois. Possible tant que tous les articles sont en stock : les prix "
        + "passent à 0, les articles deviennent « rétractés », les références restent grillées."),
      field({ name: "comment", label: "Commentaire", type: "textarea", required: true, wide: true }),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "button-danger" }, "Rétracter / annuler le lot")));
    onSubmit(retractForm, async () => {
      const body = readForm(retractForm);
      // without its comment the API refuses anyway: no need to ask for a confirmation first
      if (body.comment && !(await confirmDialog(`Rétracter le lot ${ref} ? C'est définitif.`, "Rétracter le lot"))) return;
      await api.post(`/lots/${encodeURIComponent(ref)}/retract`, body);
      flashNext(`Lot ${ref} rétracté.`);
      reload();
    }, { labels: { comment: "Commentaire" } });
    sections.push(section("Rétractation", retractForm));
  }
  body.replaceChildren(...sections);
}
