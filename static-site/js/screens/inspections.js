// Rapports de contrôle: what an inspector writes at the shop, timestamped and
// sealed with its MD5 and SHA-256; never edited nor deleted. Every profile may
// file one (the inspector is handed the session at hand); the back office reads them.

import { api } from "../api.js";
import { datetime, text } from "../fr.js";
import { can } from "../router.js";
import { hash } from "../sealed.js";
import { alertBox, failure, field, h, loading, onSubmit, readForm, section, table, title } from "../ui.js";

const LABELS = { inspector: "Nom de l'agent", service: "Service", email: "E-mail de l'agent", text: "Texte du rapport" };

function reportsTable(items) {
  return table([
    { label: "Déposé le", render: (r) => datetime(r.at) },
    { label: "Agent", render: (r) => h("span", {}, r.inspector, h("br"), h("small", {}, r.email)) },
    { label: "Service", render: (r) => r.service },
    { label: "Rapport", render: (r) => h("p", { class: "report-text" }, r.text) },
    { label: "Empreintes", render: (r) => h("dl", { class: "hashes" },
      h("dt", {}, "MD5"), h("dd", {}, hash(r.md5)),
      h("dt", {}, "SHA-256"), h("dd", {}, hash(r.sha256)),
      r.seal ? [h("dt", {}, "Scellé n°"), h("dd", {}, r.seal.number)] : null) },
    { label: "Session de", render: (r) => text(r.by) },
  ], items, { caption: "Rapports de contrôle", empty: "Aucun rapport de contrôle." });
}

export default async function render(view, { me }) {
  const reads = can(me, "read_register");
  view.append(reads ? h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite" }, "‹ Conformité")) : null,
    title("Rapports de contrôle"));
  const list = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "form", "aria-label": "Nouveau rapport de contrôle" },
    h("p", { class: "hint" }, "Le rapport est horodaté, scellé avec ses empreintes MD5 et SHA-256 et conservé tel "
      + "quel : il ne pourra être ni modifié ni supprimé."),
    // An inspector's own session signs with its access: name, service and e-mail come from it.
    me.inspector ? h("p", { class: "hint" }, `Rapport signé au nom de ${me.inspector.name} ; une copie avec `
      + "ses empreintes vous est envoyée par e-mail lorsque l'accès en donne une adresse.") : h("div", { class: "grid" },
      field({ name: "inspector", label: LABELS.inspector, required: true, autocomplete: "off" }),
      field({ name: "service", label: LABELS.service, required: true,
        placeholder: "Police nationale, gendarmerie, DGCCRF, douane…" }),
      field({ name: "email", label: LABELS.email, type: "email", required: true, autocomplete: "off" })),
    field({ name: "text", label: LABELS.text, type: "textarea", rows: 8, required: true, wide: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Déposer le rapport")));
  const done = h("div", { "aria-live": "polite" });
  onSubmit(form, async () => {
    const reply = await api.post("/compliance/inspections", readForm(form));
    form.reset();
    done.replaceChildren(alertBox(`Rapport déposé le ${datetime(reply.at)}.`,
      [h("span", {}, "MD5 : ", hash(reply.md5)), h("span", {}, "SHA-256 : ", hash(reply.sha256))],
      "success"));
    done.querySelector(".form-alert").focus();
    if (reads) await refresh();
  }, { labels: LABELS });

  async function refresh() {
    loading(list);
    try {
      const reply = await api.get("/compliance/inspections", { query: { page_size: 500 } });
      list.replaceChildren(reportsTable([...reply.items].reverse()));
    } catch (error) {
      list.replaceChildren();
      failure(list, error);
    }
  }

  view.append(section("Nouveau rapport", done, form));
  if (reads) {
    view.append(section("Rapports déposés", list));
    await refresh();
  }
}
