// French words for the API's codes, and display formats. No rule lives here:
// amounts are shown as the API sends them, only with a French decimal comma.

export const PROFILES = { manager: "Gérant", collaborator: "Collaborateur", shop: "Boutique" };

export const STATUSES = {
  stock: "En stock",
  consigned: "En confié",
  on_deposit: "En dépôt",
  sold: "Vendu",
  lost: "Perdu, volé ou cassé",
  returned_to_owner: "Rendu au propriétaire",
  retracted: "Rétracté / annulé",
  melt_deposit: "Déposé pour fonte",
  sold_for_melt: "Vendu pour fonte",
  replaced: "Racheté (nouvelle référence)",
};

export const LOT_STATUSES = { committed: "Enregistré", retracted: "Rétracté / annulé" };
export const LOT_KINDS = { purchase: "Achat", consignment: "Confié" };
export const CONDITIONS = { used: "Occasion", new: "Neuf" };

export const PAYMENT_METHODS = {
  cash: "Espèces",
  card: "Carte bancaire",
  cheque: "Chèque",
  transfer: "Virement",
  other: "Autre",
};

export const VAT_RATES = {
  normal: "Normal (20 %)",
  intermediate: "Intermédiaire (10 %)",
  reduced: "Réduit (5,5 %)",
  super_reduced: "Particulier (2,1 %)",
  exempt_melt: "Exonéré – fonte",
  exempt_export: "Exonéré – export",
  zero_negative_margin: "Taux nul (marge négative)",
  none: "Sans TVA",
};

// The rates a user may choose (chalicelib/domain/vat.py CHOSEN_RATES): the negative-margin
// one follows from the sale and is only shown, never offered.
export const CHOSEN_VAT_RATES = Object.fromEntries(
  Object.entries(VAT_RATES).filter(([rate]) => rate !== "zero_negative_margin"));

export const TITLES = { M: "Monsieur", MME: "Madame" };
export const STREET_INDEXES = { B: "bis", T: "ter", Q: "quater", C: "quinquies" };

export const FIELD_LABELS = {
  supplier_id: "Fournisseur",
  client_id: "Client",
  purchase_date: "Date d'achat",
  purchase_price: "Prix d'achat",
  price_incl_tmp: "Prix d'achat taxe incluse",
  payment_method: "Moyen de paiement",
  condition: "État",
  comment: "Commentaire",
  description: "Désignation",
  family_id: "Famille",
  weight_g: "Poids (g)",
  fineness: "Titre (‰)",
  serial: "N° de série",
  vat_rate: "TVA",
  reserve_price: "Prix de réserve",
  deposit_price: "Prix de dépôt",
  label_price: "Prix étiquette",
  sale_price: "Prix de vente",
  status: "Statut",
  sale_date: "Date de vente",
  deposit_date: "Date de dépôt",
  transaction_ref: "Réf. transaction",
  invoice_number: "N° de facture",
  lot_ref: "Lot",
  tmp: "TMP",
  reason: "Motif",
  field: "Champ",
  old: "Avant",
  new: "Après",
  kind: "Type",
  price: "Prix",
  date: "Date",
  former_ref: "Ancienne réf.",
  new_ref: "Nouvelle réf.",
  receipt_number: "Ticket",
  credit_note_number: "Avoir",
};

export function label(map, code) {
  if (code === null || code === undefined || code === "") return "—";
  return map[code] || code;
}

/** "1234.50" → "1234,50 €"; the API's string, only the decimal mark changes. */
export function money(value) {
  if (value === null || value === undefined || value === "") return "—";
  return `${String(value).replace(".", ",")} €`;
}

export function grams(value) {
  if (value === null || value === undefined || value === "") return "—";
  return `${String(value).replace(".", ",")} g`;
}

/** "2020-03-14" → "14/03/2020"; timestamps keep their time to the minute. */
export function date(value) {
  if (!value) return "—";
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(value);
  if (!match) return value;
  const day = `${match[3]}/${match[2]}/${match[1]}`;
  return match[4] ? `${day} ${match[4]}:${match[5]}` : day;
}

/** A timestamp with its zone → the browser's local day and time, to the minute. */
export function datetime(value) {
  if (!value || !/T\d{2}:\d{2}/.test(value)) return date(value);
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) return date(value);
  return parsed.toLocaleString("fr-FR", { dateStyle: "short", timeStyle: "short" });
}

const VALUE_LABELS = {
  kind: LOT_KINDS, status: { ...STATUSES, ...LOT_STATUSES }, payment_method: PAYMENT_METHODS,
  vat_rate: VAT_RATES, condition: CONDITIONS,
};

/** A traced or historic value in words: codes translated, prices and weights formatted. */
export function fieldValue(field, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (VALUE_LABELS[field]) return label(VALUE_LABELS[field], value);
  if (/price|total/.test(field)) return money(value);
  if (field === "weight_g") return grams(value);
  if (/_date$/.test(field) || field === "date") return date(value);
  return String(value);
}

export function text(value) {
  return value === null || value === undefined || value === "" ? "—" : String(value);
}

/** A party's name as the dealer reads it (the API gives display_name on parties). */
export function partyName(party) {
  if (!party) return "—";
  if (party.display_name) return party.display_name;
  if (party.company_name) return party.company_name;
  return [party.last_name, party.first_names].filter(Boolean).join(" ") || "—";
}

export function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

// A family's margin category: the mention of a margin-scheme invoice or receipt
// (art. 242 nonies A, I-12° annexe II CGI), then the margin scheme's article.
export const MARGIN_CATEGORIES = {
  second_hand: "Biens d'occasion",
  art: "Objets d'art",
  collection_antique: "Objets de collection et d'antiquité",
};

export function marginMention(category) {
  return `Régime particulier – ${MARGIN_CATEGORIES[category] || MARGIN_CATEGORIES.second_hand}`
    + " – TVA sur marge, art. 297 A du C.G.I.";
}
