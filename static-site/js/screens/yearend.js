// Fin d'année: the 2093 declaration file, backups, the closure of a period.
// Each is a job: POST answers 202 {job_id}, GET /jobs/{id} tells its progress,
// and once done its files as time-limited links that need no token.

import { api } from "../api.js";
import { datetime, money, text } from "../fr.js";
import {
  alertBox, confirmDialog, failure, field, h, loading, notice, onSubmit, readForm, section, table, title,
} from "../ui.js";

const POLL_MS = 1000;
const KINDS = { backup: "Sauvegarde", closure: "Clôture" };
const STATES = { running: "En cours", ready: "Prête", failed: "Échec" };

/** A job followed to its end: a progress bar, then its files or its error. */
function followJob(box, jobId, heading, onEnd) {
  const label = h("p", {}, `${heading} : en cours…`);
  const bar = h("progress", { max: 1, value: 0, "aria-label": `Avancement — ${heading}` });
  box.replaceChildren(h("div", { class: "job", role: "status" }, label, bar));
  let stopped = false;
  async function poll() {
    if (stopped || !box.isConnected) return;
    let job;
    try {
      job = await api.get(`/jobs/${encodeURIComponent(jobId)}`);
    } catch (error) {
      box.replaceChildren(alertBox(error.message));
      return;
    }
    bar.value = Number(job.progress) || 0;
    label.textContent = `${heading} : ${Math.round(100 * bar.value)} %`;
    if (job.status === "running") {
      setTimeout(poll, POLL_MS);
      return;
    }
    if (job.status === "succeeded") {
      const files = job.result?.files || [];
      box.replaceChildren(alertBox(`${heading} : terminé.`, [], "success"),
        files.length ? h("ul", { class: "job-files", "aria-label": `Fichiers — ${heading}` },
          files.map((f) => h("li", {}, h("a", { href: f.url, download: f.name, class: "button-link" },
            `Télécharger ${f.name}`)))) : null);
    } else {
      const details = job.result?.details;
      const items = [];
      if (details && typeof details === "object") {
        for (const problem of details.company || []) items.push(`Société : ${problem}`);
        for (const seller of details.blocking || []) items.push(`${seller.name} : ${(seller.problems || []).join(", ")}`);
      }
      box.replaceChildren(alertBox(`${heading} : échec. ${text(job.error)}`, items));
    }
    box.querySelector(".form-alert")?.focus();
    if (onEnd) onEnd(job);
  }
  poll();
  return () => { stopped = true; };
}

function precheckReport(reply) {
  const items = [...(reply.company || []).map((p) => `Société : ${p}`),
    ...(reply.blocking || []).map((s) => `${s.name} : ${(s.problems || []).join(", ")}`)];
  const summary = `${reply.declared} vendeur(s) déclaré(s), ${reply.left_out} sous le seuil, total ${money(reply.total)}.`;
  return reply.ready
    ? alertBox(`Année ${reply.year} prête à déclarer : ${summary}`, [], "success")
    : alertBox(`Année ${reply.year} : à compléter avant la déclaration. ${summary}`, items, "warn");
}

export default async function render(view) {
  view.append(title("Fin d'année"));
  const stops = [];
  const lastYear = String(new Date().getFullYear() - 1);

  // ---------------------------------------------------------------- 2093
  const declarationBox = h("div", { "aria-live": "polite" });
  const declaration = h("form", { class: "form inline-form", "aria-label": "Déclaration 2093" },
    field({ name: "year", label: "Année", type: "int", required: true }, lastYear),
    h("div", { class: "actions" },
      h("button", { type: "button", onclick: async () => {
        const { year } = readForm(declaration);
        loading(declarationBox, "Vérification…");
        try {
          declarationBox.replaceChildren(precheckReport(await api.get("/declarations/2093/precheck", { query: { year } })));
        } catch (error) {
          declarationBox.replaceChildren();
          failure(declarationBox, error);
        }
      } }, "Vérifier les données"),
      h("button", { type: "submit", class: "button-primary" }, "Générer le fichier 2093")));
  onSubmit(declaration, async () => {
    const { year } = readForm(declaration);
    const reply = await api.post("/declarations/2093", { year });
    stops.push(followJob(declarationBox, reply.job_id, `Fichier 2093 ${year}`));
  }, { labels: { year: "Année" } });

  // ---------------------------------------------------------------- archives
  const archives = h("div", { "aria-live": "polite" });
  async function refreshArchives() {
    try {
      const reply = await api.get("/backups", { query: { page_size: 50 } });
      archives.replaceChildren(table([
        { label: "Créée le", render: (a) => datetime(a.created_at) },
        { label: "Nature", render: (a) => KINDS[a.kind] || a.kind },
        { label: "Titre", render: (a) => text(a.title) },
        { label: "Jusqu'au", render: (a) => text(a.info?.until) },
        { label: "État", render: (a) => STATES[a.status] || a.status },
        { label: "Fichier", render: (a) => (a.status === "ready" ? h("button", { type: "button", onclick: async () => {
          try {
            const found = await api.get(`/backups/${encodeURIComponent(a.id)}`);
            if (found.url) window.location.assign(found.url);
          } catch (error) { notice(error.message, "error"); }
        } }, "Télécharger") : "—") },
        { label: "Supprimer", render: (a) => (a.status === "ready" ? h("button", { type: "button", class: "button-quiet",
          "aria-label": `Supprimer l'archive du ${datetime(a.created_at)}`, onclick: async () => {
            if (!(await confirmDialog("Supprimer cette archive ? Son fichier est effacé.", "Supprimer"))) return;
            try {
              await api.del(`/backups/${encodeURIComponent(a.id)}`);
              notice("Archive supprimée.");
              await refreshArchives();
            } catch (error) { notice(error.message, "error"); }
          } }, "Supprimer") : "—") },
      ], reply.items, { caption: "Archives", empty: "Aucune archive." }),
      h("p", { class: "hint" }, "Sept archives au plus : supprimez-en une, après l'avoir téléchargée, pour en créer une autre."));
    } catch (error) {
      archives.replaceChildren();
      failure(archives, error);
    }
  }

  const backupBox = h("div", { "aria-live": "polite" });
  const backup = h("form", { class: "form inline-form", "aria-label": "Sauvegarde" },
    field({ name: "title", label: "Titre (facultatif)" }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Lancer une sauvegarde")));
  onSubmit(backup, async () => {
    const reply = await api.post("/backups", readForm(backup));
    refreshArchives();
    stops.push(followJob(backupBox, reply.job_id, "Sauvegarde", refreshArchives));
  }, { labels: { title: "Titre" } });

  const closureBox = h("div", { "aria-live": "polite" });
  const closure = h("form", { class: "form", "aria-label": "Clôture" },
    h("p", { class: "hint" }, "Une clôture sauvegarde tout, puis retire les articles sortis jusqu'à la date choisie. "
      + "Elle est définitive : téléchargez et conservez son archive."),
    h("div", { class: "grid" },
      field({ name: "title", label: "Titre", required: true }),
      field({ name: "until", label: "Jusqu'au (inclus)", type: "date", required: true })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-danger" }, "Clôturer")));
  onSubmit(closure, async () => {
    const body = readForm(closure);
    // the API checks the fields first: no confirmation for a form it would refuse anyway
    if (body.title && body.until) {
      if (!(await confirmDialog(`Clôturer « ${body.title} » jusqu'au ${body.until} ?`, "Oui, clôturer"))) return;
      if (!(await confirmDialog("C'est définitif : les articles sortis jusqu'à cette date seront retirés. "
        + "Confirmez une seconde fois.", "Clôturer définitivement"))) return;
    }
    const reply = await api.post("/closures", body);
    refreshArchives();
    stops.push(followJob(closureBox, reply.job_id, `Clôture « ${body.title} »`, refreshArchives));
  }, { labels: { title: "Titre", until: "Jusqu'au" } });

  view.append(
    section("Déclaration 2093 (achats de métaux précieux)", declaration, declarationBox),
    section("Sauvegarde", backup, backupBox),
    section("Clôture", closure, closureBox),
    section("Archives", archives));
  await refreshArchives();
  return () => stops.forEach((stop) => stop());
}
