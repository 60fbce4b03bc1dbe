// Lots en attente de finition: lots received from other subscribers (their sale or
// deposit to us). Each is finalized — families chosen here, then committed like a
// draft with our own references — or deleted.

import { api } from "../api.js";
import { CONDITIONS, LOT_KINDS, PAYMENT_METHODS, VAT_RATES, date, datetime, grams, label, money, text } from "../fr.js";
import { navigate } from "../router.js";
import {
  confirmDialog, field, flashNext, h, listAll, loading, notice, onSubmit, options, readForm, section, showError, table,
  title,
} from "../ui.js";

export default async function render(view) {
  view.append(title("Lots en attente de finition"),
    h("p", { class: "lead" }, "Articles vendus ou mis en dépôt chez vous par un confrère abonné qui a votre référence "
      + "abonné, et que vous avez enregistré comme fournisseur avec la sienne. Choisissez les familles puis "
      + "finalisez : le lot entre dans votre inventaire avec vos propres références. Vous pouvez aussi le supprimer "
      + "et le saisir vous-même."));
  const list = h("div", { "aria-live": "polite" });
  view.append(list);
  const families = await listAll("/families");
  const familyOptions = [["", "— choisir —"], ...families.map((f) => [f.id, f.label])];

  async function refresh() {
    loading(list);
    const reply = await api.get("/lots/pending", { query: { page_size: 200 } });
    if (!reply.items.length) {
      list.replaceChildren(h("p", {}, "Aucun lot en attente."));
      return;
    }
    list.replaceChildren(...reply.items.map(card));
  }

  function card(pending) {
    const purchase = pending.kind === "purchase";
    const form = h("form", { class: "form", "aria-label": `Finaliser le lot ${pending.id}` },
      h("div", { class: "grid" },
        field({ name: "family_id", label: "Famille pour tous les articles", type: "select", options: familyOptions,
          hint: "Les familles choisies article par article l'emportent." }),
        purchase ? field({ name: "payment_method", label: "Moyen de paiement", type: "select",
          options: options(PAYMENT_METHODS) }, pending.payment_method) : null),
      table([
        { label: "N°", render: (a) => String(a.index + 1), class: "num" },
        { label: "Libellé", render: (a) => a.description },
        { label: "Poids", render: (a) => grams(a.weight_g), class: "num" },
        { label: "Titre", render: (a) => text(a.fineness) },
        { label: "N° de série", render: (a) => text(a.serial) },
        { label: purchase ? "Prix d'achat" : "Prix de réserve",
          render: (a) => money(purchase ? a.purchase_price : a.reserve_price), class: "num" },
        { label: "TVA", render: (a) => label(VAT_RATES, a.vat_rate) },
        { label: "Famille", render: (a) => field({ name: `families.${a.index}`, label: `Famille de l'article ${a.index + 1}`,
          type: "select", options: familyOptions }) },
      ], pending.articles, { caption: "Articles reçus" }),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "button-primary" }, "Finaliser le lot"),
        h("button", { type: "button", class: "button-danger", onclick: () => remove(pending) }, "Supprimer")));
    onSubmit(form, async () => {
      const values = readForm(form);
      const body = { families: values.families || {} };
      if (values.family_id) body.family_id = values.family_id;
      if (purchase && values.payment_method) body.payment_method = values.payment_method;
      const result = await api.post(`/lots/pending/${encodeURIComponent(pending.id)}/finalize`, body);
      const refs = result.articles.map((a) => a.ref);
      flashNext(`Lot ${result.lot.ref} enregistré ${purchase ? "en achat" : "en confié"} : ${refs.length} article(s), `
        + `références ${refs[0]}${refs.length > 1 ? ` à ${refs.at(-1)}` : ""}.`,
      (result.warnings || []).length ? "warn" : "success", result.warnings || []);
      navigate(`/lots/${encodeURIComponent(result.lot.ref)}`);
    }, { onError: (error) => showLineErrors(form, error) });
    return section(`${label(LOT_KINDS, pending.kind)} de ${pending.from_name || pending.from_subscriber_ref} — `
      + `${date(pending.date)}`,
    h("p", {}, `Réf. abonné ${pending.from_subscriber_ref} · reçu le ${datetime(pending.received_at)} · `
      + `${pending.article_count} article(s) · ${money(pending.total)} · ${label(CONDITIONS, pending.condition)}`),
    form);
  }

  function showLineErrors(form, error) {
    showError(form, error);
    const lines = (error.lineErrors || []).map((p) => h("li", {}, `Article ${p.line} : ${p.reason}`));
    if (lines.length) form.querySelector(".form-alert")?.append(h("ul", { class: "line-errors" }, lines));
  }

  async function remove(pending) {
    if (!(await confirmDialog(`Supprimer le lot en attente de ${pending.from_name || pending.from_subscriber_ref} ? `
      + "Rien n'entre dans votre inventaire ; le confrère n'en voit rien.", "Supprimer"))) return;
    await api.del(`/lots/pending/${encodeURIComponent(pending.id)}`);
    notice("Lot en attente supprimé.", "info");
    await refresh();
  }

  await refresh();
}
