// Saisie d'un lot: the caller's draft (kept by the API), its lines by hand or
// by CSV, the spread by weight, the commit. Totals and differences are the
// API's (lines_total, difference); the screen only shows them.

import { api, ApiError, request } from "../api.js";
import { CONDITIONS, FIELD_LABELS, PAYMENT_METHODS, CHOSEN_VAT_RATES, VAT_RATES, grams, label, money, partyName, text } from "../fr.js";
import { KINDS, LABELS as PARTY_LABELS, partyFields } from "../partyform.js";
import { navigate } from "../router.js";
import {
  alertBox, append, clear, clearErrors, confirmDialog, controlValue, dialog, documentLink, field, fill, flashNext, h, listAll,
  notice, onSubmit, options, readForm, section, setFieldError, table, title, uid,
} from "../ui.js";

const HEADER_FIELDS = ["supplier_id", "purchase_date", "payment_method", "condition", "purchase_price", "tmp",
  "price_incl_tmp", "comment"];
const SEPARATORS = [[";", "Point-virgule ( ; )"], [",", "Virgule ( , )"], ["tab", "Tabulation"], ["|", "Barre ( | )"]];

export default async function render(view) {
  view.append(title("Saisie d'un lot"),
    h("p", { class: "lead" }, "La saisie est conservée telle quelle jusqu'à son enregistrement, même après "
      + "déconnexion ; rien n'entre dans l'inventaire avant."));
  const [initial, families, suppliers] = await Promise.all([
    api.get("/lots/draft"), listAll("/families"), listAll("/suppliers"),
  ]);
  let draft = initial;
  const familyName = (id) => families.find((f) => f.id === id)?.label || (id ? "Famille inconnue" : "—");
  const familyOptions = [["", "— choisir —"], ...families.map((f) => [f.id, f.metal_2093 ? `${f.label} (métal 2093)` : f.label])];
  const showPurchase = true; // the draft shows what its author typed, whatever the profile

  // ---------------------------------------------------------------- header

  const supplierSelect = field({ name: "supplier_id", label: "Fournisseur", type: "select", required: true,
    options: [["", "— choisir —"]] });
  const select = supplierSelect.querySelector("select");
  const supplierInfo = h("p", { class: "hint", "aria-live": "polite" });
  let supplierList = suppliers;
  function fillSuppliers(list, keep) {
    const current = keep ?? select.value;
    const known = new Map(list.map((s) => [s.id, s]));
    for (const s of supplierList) if (s.id === current && !known.has(s.id)) known.set(s.id, s);
    select.replaceChildren(h("option", { value: "" }, "— choisir —"),
      ...[...known.values()].map((s) => h("option", { value: s.id }, `${partyName(s)}${s.city ? ` (${s.city})` : ""}`)));
    select.value = current || "";
    supplierList = [...new Map([...supplierList, ...list].map((s) => [s.id, s])).values()];
    describeSupplier();
  }
  function describeSupplier() {
    const chosen = supplierList.find((s) => s.id === select.value);
    const missing = Object.values(chosen?.police_register_missing || {});
    supplierInfo.textContent = !chosen ? "" : missing.length
      ? `Livre de police : il manque ${missing.join(", ")}.` : "Identité complète pour le livre de police.";
  }
  const searchId = uid("supplier-search");
  const search = h("input", { id: searchId, type: "search", autocomplete: "off" });
  let searchTimer = null;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(async () => {
      const reply = await api.get("/suppliers", { query: { q: search.value.trim(), page_size: 100 } });
      fillSuppliers(reply.items);
    }, 250);
  });
  const newSupplier = h("button", { type: "button", onclick: createSupplier }, "Créer un fournisseur");

  const headerForm = h("form", { class: "form", "aria-label": "Description du lot" },
    h("div", { class: "grid" },
      h("div", { class: "field field-wide supplier-picker" },
        h("label", { for: searchId }, "Rechercher un fournisseur"), search),
      h("div", { class: "field-wide supplier-choice" }, supplierSelect, newSupplier, supplierInfo),
      field({ name: "purchase_date", label: "Date d'achat", type: "date", required: true }),
      field({ name: "payment_method", label: "Moyen de paiement", type: "select",
        options: options(PAYMENT_METHODS, { blank: "— choisir —" }), hint: "Jamais d'espèces pour des métaux." }),
      field({ name: "condition", label: "État des articles", type: "select", options: options(CONDITIONS) }),
      field({ name: "purchase_price", label: "Prix d'achat du lot (€)", type: "decimal",
        hint: "Hors taxe. Sans objet pour un lot en confié." }),
      field({ name: "tmp", label: "Lot soumis à la TMP (taxe sur les métaux précieux)", type: "checkbox" }),
      field({ name: "price_incl_tmp", label: "Prix d'achat taxe incluse (€)", type: "decimal",
        hint: "Lié au prix d'achat : modifier l'un recalcule l'autre." }),
      field({ name: "comment", label: "Commentaire", type: "textarea", wide: true })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Enregistrer la description"),
      h("span", { class: "save-state", role: "status" })));
  const saveState = headerForm.querySelector(".save-state");
  const control = (name) => headerForm.querySelector(`[name="${name}"]`);
  fillSuppliers(suppliers, draft.supplier_id);

  const pending = new Map();
  let chain = Promise.resolve();
  let lastPriceEdited = "purchase_price";

  function showHeader() {
    for (const name of HEADER_FIELDS) {
      const el = control(name);
      if (!el || pending.get(name) || document.activeElement === el) continue;
      if (name === "supplier_id") {
        if (draft.supplier_id && !supplierList.some((s) => s.id === draft.supplier_id)) fillSuppliers([], draft.supplier_id);
        select.value = draft.supplier_id || "";
        describeSupplier();
      } else {
        fill(headerForm, { [name]: draft[name] ?? (name === "tmp" ? false : "") });
      }
    }
    control("price_incl_tmp").closest(".field").hidden = !control("tmp").checked;
  }

  function known(name) {
    const value = draft[name];
    return value === undefined ? null : value;
  }

  /** Sends the fields whose value differs from the draft the API last gave. */
  function save(names) {
    const changes = {};
    for (const name of names) {
      const value = controlValue(control(name));
      if (name === "price_incl_tmp" && !control("tmp").checked) continue;
      if (String(value ?? "") !== String(known(name) ?? "")) changes[name] = value;
    }
    if ("purchase_price" in changes && "price_incl_tmp" in changes) {
      delete changes[lastPriceEdited === "purchase_price" ? "price_incl_tmp" : "purchase_price"];
    }
    if ("price_incl_tmp" in changes && changes.price_incl_tmp === null) delete changes.price_incl_tmp;
    const sent = Object.keys(changes);
    if (!sent.length) return chain;
    sent.forEach((n) => pending.set(n, (pending.get(n) || 0) + 1));
    saveState.textContent = "Enregistrement…";
    chain = chain.then(async () => {
      try {
        draft = await api.put("/lots/draft", changes);
        sent.forEach(clearField);
        saveState.textContent = "Description enregistrée.";
      } catch (error) {
        if (error instanceof ApiError && Object.keys(error.fieldErrors).length) {
          for (const [n, message] of Object.entries(error.fieldErrors)) setFieldError(headerForm, n, message);
          saveState.textContent = "Certaines valeurs sont invalides.";
        } else {
          saveState.textContent = error.message;
        }
      } finally {
        sent.forEach((n) => pending.set(n, pending.get(n) - 1));
        showHeader();
        showTotals();
      }
    });
    return chain;
  }

  function clearField(name) {
    const el = control(name);
    if (!el) return;
    el.removeAttribute("aria-invalid");
    const slot = document.getElementById(`${el.id}-error`);
    if (slot) { slot.textContent = ""; slot.hidden = true; }
  }

  for (const name of HEADER_FIELDS) {
    const el = control(name);
    el.addEventListener("change", () => {
      if (name === "tmp") control("price_incl_tmp").closest(".field").hidden = !el.checked;
      save([name]);
    });
    if (name === "purchase_price" || name === "price_incl_tmp") el.addEventListener("input", () => { lastPriceEdited = name; });
  }
  select.addEventListener("change", describeSupplier);
  onSubmit(headerForm, async () => {
    await save(HEADER_FIELDS);
    await chain;
  });

  function createSupplier() {
    dialog("Créer un fournisseur", (close) => {
      const form = h("form", { class: "form", "aria-label": "Nouveau fournisseur" },
        h("p", { class: "hint" }, "Complétez sa fiche plus tard si besoin : le livre de police demande "
          + "l'adresse et la pièce d'identité."),
        ...partyFields(),
        h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Créer et choisir"),
          h("button", { type: "button", class: "button-quiet", onclick: close }, "Annuler")));
      onSubmit(form, async () => {
        const created = await api.post(KINDS.supplier.path, readForm(form));
        fillSuppliers([created], created.id);
        close();
        await save(["supplier_id"]);
        notice(`Fournisseur « ${partyName(created)} » créé et choisi pour ce lot.`);
        select.focus();
      }, { labels: PARTY_LABELS });
      return form;
    }, { wide: true });
  }

  // ---------------------------------------------------------------- totals

  const totals = h("dl", { class: "totals", "aria-live": "polite", "aria-label": "Totaux du lot" });
  function showTotals() {
    const diff = draft.difference;
    const balanced = diff === "0.00";
    append(clear(totals), [
      h("div", {}, h("dt", {}, "Articles"), h("dd", { "data-total": "article_count" }, String(draft.article_count ?? draft.lines.length))),
      h("div", {}, h("dt", {}, "Total des articles"), h("dd", { "data-total": "lines_total" }, money(draft.lines_total))),
      h("div", {}, h("dt", {}, "Prix du lot"), h("dd", { "data-total": "purchase_price" }, money(draft.purchase_price))),
      draft.tmp ? h("div", {}, h("dt", {}, "Prix taxe incluse"), h("dd", {}, money(draft.price_incl_tmp))) : null,
      h("div", { class: diff === null || diff === undefined ? "" : balanced ? "total-ok" : "total-off" },
        h("dt", {}, "Écart (prix du lot − articles)"), h("dd", { "data-total": "difference" }, money(diff)))]);
  }

  // ---------------------------------------------------------------- lines

  const lineForm = h("form", { class: "form", "aria-label": "Saisie manuelle d'un article" },
    h("div", { class: "grid" },
      field({ name: "description", label: "Désignation", required: true, wide: true }),
      field({ name: "family_id", label: "Famille", type: "select", options: familyOptions, required: true }),
      field({ name: "weight_g", label: "Poids (g)", type: "decimal" }),
      field({ name: "fineness", label: "Titre (‰)", type: "int", hint: "ex. 750 pour de l'or 18 carats" }),
      field({ name: "serial", label: "N° de série" }),
      field({ name: "vat_rate", label: "TVA", type: "select", options: options(CHOSEN_VAT_RATES) }),
      field({ name: "purchase_price", label: "Prix d'achat (€)", type: "decimal" }),
      field({ name: "reserve_price", label: "Prix de réserve (€)", type: "decimal", hint: "Obligatoire en confié." }),
      field({ name: "label_price", label: "Prix étiquette (€)", type: "decimal" }),
      field({ name: "quantity", label: "Quantité", type: "int",
        hint: "Crée autant d'articles distincts, chacun sa référence." }),
      field({ name: "comment", label: "Commentaire", type: "textarea", wide: true })),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "button-primary", "data-role": "add-line" }, "Ajouter au lot"),
      h("button", { type: "button", class: "button-quiet", hidden: true, "data-role": "cancel-edit",
        onclick: () => stopEditing() }, "Annuler la modification")));
  const lineControl = (name) => lineForm.querySelector(`[name="${name}"]`);
  lineControl("quantity").value = "1";
  let editing = null;

  function startEditing(line) {
    editing = line.n;
    clearErrors(lineForm);
    fill(lineForm, { ...line, fineness: line.fineness ?? "" });
    lineControl("quantity").closest(".field").hidden = true;
    lineForm.querySelector("[data-role=add-line]").textContent = `Enregistrer la ligne ${line.n}`;
    lineForm.querySelector("[data-role=cancel-edit]").hidden = false;
    lineForm.setAttribute("aria-label", `Modification de la ligne ${line.n}`);
    lineControl("description").focus();
  }

  function stopEditing() {
    editing = null;
    const keep = { family_id: lineControl("family_id").value, vat_rate: lineControl("vat_rate").value };
    lineForm.reset();
    fill(lineForm, keep);
    lineControl("quantity").value = "1";
    lineControl("quantity").closest(".field").hidden = false;
    lineForm.querySelector("[data-role=add-line]").textContent = "Ajouter au lot";
    lineForm.querySelector("[data-role=cancel-edit]").hidden = true;
    lineForm.setAttribute("aria-label", "Saisie manuelle d'un article");
    clearErrors(lineForm);
  }

  onSubmit(lineForm, async () => {
    const body = readForm(lineForm);
    if (editing) {
      delete body.quantity;
      draft = await api.put(`/lots/draft/lines/${editing}`, body);
      notice(`Ligne ${editing} modifiée.`);
    } else {
      draft = await api.post("/lots/draft/lines", body);
      notice(body.quantity > 1 ? `${body.quantity} articles ajoutés.` : "Article ajouté.");
    }
    stopEditing();
    showLines();
    showTotals();
    lineControl("description").focus();
  });

  async function removeLine(line) {
    if (!(await confirmDialog(`Retirer la ligne ${line.n} « ${line.description} » du lot ?`, "Retirer"))) return;
    try {
      draft = await api.del(`/lots/draft/lines/${line.n}`);
      if (editing) stopEditing();
      showLines();
      showTotals();
      notice(`Ligne ${line.n} retirée.`);
    } catch (error) {
      notice(error.message, "error");
    }
  }

  const linesBox = h("div");
  const linesHeading = h("h2", { id: uid("lines") }, "Articles déjà saisis");
  let lineProblems = new Map();
  function showLines() {
    linesHeading.textContent = `Articles déjà saisis (${draft.lines.length})`;
    const columns = [
      { label: "N°", render: (l) => String(l.n) },
      { label: "Désignation", render: (l) => [l.description,
        lineProblems.has(l.n) ? h("span", { class: "line-problem" }, ` — ${lineProblems.get(l.n).join(" ")}`) : null] },
      { label: "Famille", render: (l) => familyName(l.family_id) },
      { label: "Poids", render: (l) => grams(l.weight_g) },
      { label: "Titre", render: (l) => text(l.fineness) },
      { label: "N° de série", render: (l) => text(l.serial) },
      { label: "TVA", render: (l) => label(VAT_RATES, l.vat_rate) },
      showPurchase ? { label: "Prix d'achat", render: (l) => money(l.purchase_price), class: "num" } : null,
      { label: "Prix de réserve", render: (l) => money(l.reserve_price), class: "num" },
      { label: "Prix étiquette", render: (l) => money(l.label_price), class: "num" },
      { label: "Actions", render: (l) => h("div", { class: "row-actions" },
        h("button", { type: "button", onclick: () => startEditing(l), "aria-label": `Modifier la ligne ${l.n}` }, "Modifier"),
        h("button", { type: "button", class: "button-danger", onclick: () => removeLine(l),
          "aria-label": `Retirer la ligne ${l.n}` }, "Retirer")) },
    ].filter(Boolean);
    linesBox.replaceChildren(table(columns, draft.lines, { caption: "Articles du lot en cours",
      empty: "Aucun article pour l'instant.", rowAttrs: (l) => (lineProblems.has(l.n) ? { class: "row-error" } : {}) }));
  }

  const distribute = h("button", { type: "button", onclick: async () => {
    try {
      await chain;
      draft = await api.post("/lots/draft/distribute-by-weight");
      showLines();
      showTotals();
      notice("Prix du lot réparti au prorata des poids.");
    } catch (error) {
      notice(error.message, "error", Object.values(error.fieldErrors || {}));
    }
  } }, "Répartir le prix du lot au poids");

  // ---------------------------------------------------------------- CSV injection

  const csvErrors = h("div", { class: "csv-errors", "aria-live": "polite" });
  const fileId = uid("csv-file");
  const csvForm = h("form", { class: "form", "aria-label": "Injection d'un fichier CSV" },
    h("p", { class: "hint" }, "Fichier CSV en UTF-8, colonnes dans cet ordre : désignation, famille (libellé ou "
      + "identifiant), poids en g, titre en ‰, n° de série, prix d'achat, prix de réserve, prix étiquette, "
      + "TVA, commentaire. Décimales avec « , » ou « . ». Une seule ligne fausse et rien n'est importé."),
    h("p", {}, documentLink("Télécharger le modèle CSV", "/lots/draft/template.csv",
      { download: "lotbook-lot-modele.csv" })),
    h("div", { class: "grid" },
      field({ id: fileId, name: "file", label: "Fichier CSV", type: "file", accept: ".csv,text/csv,text/plain", required: true }),
      field({ name: "separator", label: "Séparateur", type: "select", options: SEPARATORS }),
      field({ name: "skip", label: "Lignes d'en-tête à sauter", type: "int" }, "1"),
      field({ name: "family", label: "Famille par défaut", type: "select", options: [["", "— aucune —"],
        ...families.map((f) => [f.id, f.label])], hint: "Pour les lignes sans famille." }),
      field({ name: "vat_rate", label: "TVA par défaut", type: "select", options: options(CHOSEN_VAT_RATES) })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Injecter le fichier")));
  onSubmit(csvForm, async () => {
    csvErrors.replaceChildren();
    const file = csvForm.querySelector("[type=file]").files[0];
    if (!file) {
      setFieldError(csvForm, "file", "Choisissez un fichier.");
      csvForm.querySelector("[type=file]").focus();
      return;
    }
    const { separator, skip, family, vat_rate: vatRate } = readForm(csvForm, { empty: "null" });
    try {
      draft = await request("POST", "/lots/draft/import", { raw: file, contentType: "text/csv",
        query: { separator, skip: skip ?? 0, family, vat_rate: vatRate } });
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_csv") {
        await showCsvErrors(file, error);
        return;
      }
      throw error;
    }
    csvForm.querySelector("[type=file]").value = "";
    showLines();
    showTotals();
    notice(`${draft.imported} article(s) injecté(s) depuis « ${file.name} ».`);
  });

  async function showCsvErrors(file, error) {
    const content = new TextDecoder("utf-8").decode(await file.arrayBuffer()).split(/\r?\n/);
    csvErrors.replaceChildren(alertBox(`${error.message} ${error.lineErrors.length} ligne(s) à corriger :`),
      table([
        { label: "Ligne", render: (e) => String(e.line) },
        { label: "Contenu", render: (e) => h("code", {}, content[e.line - 1] ?? "") },
        { label: "Motif", render: (e) => e.reason },
      ], error.lineErrors, { caption: "Lignes refusées du fichier" }));
    csvErrors.querySelector(".form-alert").focus();
  }

  // ---------------------------------------------------------------- commit

  const commitBox = h("div", { "aria-live": "polite" });
  async function commit(mode) {
    commitBox.replaceChildren();
    clearErrors(headerForm);
    lineProblems = new Map();
    await save(HEADER_FIELDS);
    await chain;
    try {
      const result = await api.post("/lots/draft/commit", { mode });
      const lot = result.lot;
      const refs = result.articles.map((a) => a.ref);
      const range = refs.length > 1 ? `références ${refs[0]} à ${refs.at(-1)}` : `référence ${refs[0]}`;
      const warnings = result.warnings || [];
      flashNext(`Lot ${lot.ref} enregistré ${mode === "purchase" ? "en achat" : "en confié"} : `
        + `${refs.length} article(s), ${range}.`, warnings.length ? "warn" : "success", warnings);
      navigate(`/lots/${encodeURIComponent(lot.ref)}`);
    } catch (error) {
      const items = [];
      for (const [name, message] of Object.entries(error.fieldErrors || {})) {
        if (!setFieldError(headerForm, name, message)) items.push(`${FIELD_LABELS[name] || "Lot"} : ${message}`);
        else items.push(`${FIELD_LABELS[name] || name} : ${message}`);
      }
      const missing = error.details && typeof error.details.missing === "object" ? error.details.missing : {};
      for (const what of Object.values(missing)) items.push(`Identité du vendeur : ${what} manquant(e)`);
      for (const problem of error.lineErrors || []) {
        lineProblems.set(problem.line, [...(lineProblems.get(problem.line) || []), problem.reason]);
        items.push(`Ligne ${problem.line} : ${problem.reason}`);
      }
      showLines();
      const box = alertBox(error.message, items);
      commitBox.replaceChildren(box);
      box.focus();
    }
  }

  const abandon = h("button", { type: "button", class: "button-danger", onclick: async () => {
    if (!(await confirmDialog("Abandonner cette saisie ? La description et les articles saisis seront effacés.",
      "Abandonner la saisie"))) return;
    try {
      await api.del("/lots/draft");
      flashNext("Saisie abandonnée.", "info");
      navigate("/saisie");
    } catch (error) {
      notice(error.message, "error");
    }
  } }, "Abandonner la saisie");

  const linesSection = h("section", { class: "panel", "aria-labelledby": linesHeading.id }, linesHeading, linesBox,
    h("div", { class: "actions" }, distribute));

  view.append(
    section("Description du lot", headerForm),
    h("section", { class: "panel totals-panel", "aria-label": "Totaux" }, totals),
    section("Saisie manuelle d'articles", lineForm),
    section("Injection automatique d'articles (CSV)", csvForm, csvErrors),
    linesSection,
    section("Enregistrer le lot",
      h("p", { class: "hint" }, "En achat, le total des articles doit égaler le prix du lot au centime. "
        + "En confié, chaque article porte un prix de réserve."),
      commitBox,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "button-primary", onclick: () => commit("purchase") },
          "Enregistrer le lot en achat"),
        h("button", { type: "button", class: "button-primary", onclick: () => commit("consignment") },
          "Enregistrer le lot en confié"),
        abandon)),
  );
  showHeader();
  showTotals();
  showLines();
  return () => clearTimeout(searchTimer);
}
