// Correction forms (lot and article): only the changed fields are sent, with
// the reason the API requires for anything the police register holds.

import { api } from "./api.js";
import { CONDITIONS, FIELD_LABELS, PAYMENT_METHODS, CHOSEN_VAT_RATES, partyName } from "./fr.js";
import { controlValue, field, h, onSubmit, options } from "./ui.js";

const REASON = { name: "reason", label: "Motif de la correction", type: "textarea", required: true, wide: true,
  hint: "Conservé dans les traces, avec votre nom et l'heure ; les traces ne se modifient jamais." };

function changed(form, original) {
  const out = {};
  for (const control of form.querySelectorAll("[name][data-type]")) {
    if (control.name === "reason") continue;
    const value = controlValue(control);
    const before = original[control.name];
    if (String(value ?? "") !== String(before ?? "")) out[control.name] = value;
  }
  return out;
}

function build(defs, original, path, onDone, submitLabel) {
  const status = h("p", { class: "hint", role: "status" });
  const form = h("form", { class: "form" },
    h("div", { class: "grid" }, defs.map((d) => field(d, original[d.name])), field(REASON)),
    status,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, submitLabel)));
  onSubmit(form, async () => {
    const changes = changed(form, original);
    if (!Object.keys(changes).length) {
      status.textContent = "Aucune valeur modifiée.";
      return;
    }
    const reason = controlValue(form.querySelector("[name=reason]"));
    const result = await api.patch(path, { ...changes, reason });
    await onDone(result, changes);
  }, { labels: { ...FIELD_LABELS, reason: "Motif" } });
  return form;
}

export function lotCorrectionForm(lot, suppliers, onDone) {
  const defs = [
    { name: "supplier_id", label: "Fournisseur", type: "select",
      options: suppliers.map((s) => [s.id, partyName(s)]) },
    { name: "purchase_date", label: "Date d'achat", type: "date" },
    "purchase_price" in lot && lot.kind === "purchase" ? { name: "purchase_price", label: "Prix d'achat (€)", type: "decimal" } : null,
    { name: "payment_method", label: "Moyen de paiement", type: "select", options: options(PAYMENT_METHODS, { blank: "—" }) },
    { name: "condition", label: "État", type: "select", options: options(CONDITIONS) },
    { name: "comment", label: "Commentaire", type: "textarea", wide: true },
  ].filter(Boolean);
  return build(defs, lot, `/lots/${encodeURIComponent(lot.ref)}`, onDone, "Corriger le lot");
}

export function articleCorrectionForm(article, families, onDone) {
  const defs = [
    { name: "description", label: "Désignation", wide: true },
    { name: "family_id", label: "Famille", type: "select", options: families.map((f) => [f.id, f.label]) },
    { name: "weight_g", label: "Poids (g)", type: "decimal" },
    { name: "fineness", label: "Titre (‰)", type: "int" },
    { name: "serial", label: "N° de série" },
    { name: "vat_rate", label: "TVA", type: "select", options: options(CHOSEN_VAT_RATES) },
    "purchase_price" in article ? { name: "purchase_price", label: "Prix d'achat (€)", type: "decimal" } : null,
    { name: "reserve_price", label: "Prix de réserve (€)", type: "decimal" },
    { name: "label_price", label: "Prix étiquette (€)", type: "decimal",
      hint: "Hors livre de police : le motif n'est pas exigé pour ce seul champ." },
    { name: "comment", label: "Commentaire", type: "textarea", wide: true },
  ].filter(Boolean);
  return build(defs, article, `/articles/${encodeURIComponent(article.ref)}`, onDone, "Corriger l'article");
}
