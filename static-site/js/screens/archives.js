// Archives fiscales: for each closed month and fiscal year, a zip of the period's sealed
// records (JSON as stored, CSV) and its manifest, whose SHA-256 is sealed in the event log.
// Built automatically after each monthly and yearly closing, or here ("Constituer l'archive");
// each download asks the API for fresh time-limited links (and is recorded as an event).

import { api } from "../api.js";
import { datetime } from "../fr.js";
import { can } from "../router.js";
import { hash } from "../sealed.js";
import { alertBox, field, h, onSubmit, readForm, section, table, title } from "../ui.js";

const POLL_MS = 1000;
const STATES = { running: "En cours de constitution", ready: "Prête", failed: "Échec" };

function size(bytes) {
  if (bytes === null || bytes === undefined) return "—";
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1).replace(".", ",")} Ko`
    : `${(bytes / 1024 / 1024).toFixed(1).replace(".", ",")} Mo`;
}

function records(counts) {
  const total = Object.values(counts || {}).reduce((sum, n) => sum + Number(n || 0), 0);
  return counts ? String(total) : "—";
}

/** "2026-11" → "11/2026"; "2026" → "exercice 2026" (the API's label when it has one). */
function periodText(archive) {
  return archive.period_label || archive.period;
}

function downloadButton(archive, box) {
  async function download() {
    box.replaceChildren(h("p", { role: "status" }, "Préparation des liens…"));
    try {
      const reply = await api.get(`/compliance/archives/${encodeURIComponent(archive.period)}`);
      box.replaceChildren(h("ul", { class: "job-files", "aria-label": `Fichiers — ${periodText(archive)}` },
        (reply.files || []).map((f) => h("li", {}, h("a", { href: f.url, download: f.name, class: "button-link" },
          `Télécharger ${f.name}`)))),
      h("p", { class: "hint" }, "Liens valables une heure. Le téléchargement est inscrit au journal des événements."),
      h("p", { class: "hint" }, "Empreinte SHA-256 scellée du manifeste (journal des événements, « Archive fiscale "
        + "constituée ») : vérifiez l'archive avec le vérificateur autonome :"),
      h("pre", { class: "command", "aria-label": `Commande de vérification — ${periodText(archive)}` },
        `python3 lotbook_verify.py --manifest-sha256 ${reply.manifest_sha256} `
        + `lotbook-archive-fiscale-${archive.period}.zip`));
    } catch (error) {
      box.replaceChildren(alertBox(error.message));
    }
  }
  return h("button", { type: "button", class: "secondary", onclick: download,
    "aria-label": `Télécharger l'archive ${periodText(archive)}` }, "Télécharger");
}

function archivesTable(items) {
  return table([
    { label: "Période", render: (a) => periodText(a) },
    { label: "État", render: (a) => (a.status === "failed" && a.error ? `${STATES.failed} : ${a.error}`
      : STATES[a.status] || a.status) },
    { label: "Constituée le", render: (a) => (a.built_at ? datetime(a.built_at) : "—") },
    { label: "Origine", render: (a) => (a.automatic ? "Automatique (après clôture)" : "Manuelle") },
    { label: "Enregistrements", render: (a) => records(a.records), class: "num" },
    { label: "Taille", render: (a) => size(a.size), class: "num" },
    { label: "SHA-256 du manifeste", render: (a) => (a.manifest_sha256 ? hash(a.manifest_sha256) : "—") },
    { label: "Scellé (journal, rang)", render: (a) => (a.event_rank ? `n° ${a.event_rank}` : "—") },
    { label: "Téléchargement", render: (a) => {
      if (a.status !== "ready") return "—";
      const box = h("div", { "aria-live": "polite" });
      return h("div", {}, downloadButton(a, box), box);
    } },
  ], items, { caption: "Archives fiscales", empty: "Aucune archive fiscale pour l'instant." });
}

function lastMonth() {
  const now = new Date();
  const d = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

export default async function render(view, { me }) {
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite" }, "‹ Conformité")),
    title("Archives fiscales"),
    h("p", { class: "hint" }, "Pour chaque mois et chaque exercice clôturés : les tickets, les clôtures, le journal "
      + "des événements et les versions du livre de police de la période, tels que scellés (JSON) et à plat (CSV), "
      + "avec un manifeste des empreintes SHA-256 scellé à son tour. L'archive se constitue d'elle-même après chaque "
      + "clôture mensuelle et annuelle ; le vérificateur autonome la contrôle sans Lotbook."));
  const listBox = h("div", { "aria-live": "polite" });
  let timer = null;

  async function refresh() {
    clearTimeout(timer);
    let reply;
    try {
      reply = await api.get("/compliance/archives", { query: { page_size: 200 } });
    } catch (error) {
      listBox.replaceChildren(alertBox(error.message));
      return;
    }
    listBox.replaceChildren(archivesTable(reply.items || []));
    // Running, or built but its archive_built event not sealed yet (its hashes come from the seal).
    if ((reply.items || []).some((a) => a.status === "running" || (a.status === "ready" && !a.event_rank))
        && listBox.isConnected) {
      timer = setTimeout(refresh, POLL_MS);
    }
  }

  if (can(me, "year_end")) {
    const result = h("div", { "aria-live": "polite" });
    const form = h("form", { class: "form inline-form", "aria-label": "Constituer une archive fiscale" },
      field({ name: "period", label: "Période (AAAA-MM ou AAAA)", required: true }, lastMonth()),
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Constituer l'archive")));
    onSubmit(form, async () => {
      const { period } = readForm(form);
      await api.post("/compliance/archives", { period });
      result.replaceChildren(alertBox(`Archive ${period} : constitution lancée.`, [], "success"));
      await refresh();
    });
    view.append(section("Constituer l'archive d'une période clôturée", form, result));
  }
  view.append(section("Archives", listBox));
  await refresh();
}
