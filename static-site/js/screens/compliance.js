// Conformité: the legal records kept in the vault, and their verification
// (every chain re-read and re-hashed by the API).

import { api } from "../api.js";
import { label } from "../fr.js";
import { CHAINS, hash } from "../sealed.js";
import { alertBox, h, section, table, title } from "../ui.js";

const LINKS = [
  { href: "#/conformite/livre-de-police", label: "Livre de police",
    text: "Chaque version scellée des lots : vendeur, articles, empreintes, conservation." },
  { href: "#/conformite/tickets", label: "Tickets de caisse", text: "Les tickets scellés, tels que conservés." },
  { href: "#/conformite/controles", label: "Rapports de contrôle",
    text: "Les rapports des agents de contrôle, horodatés et scellés, sans modification possible." },
];

function verdict(reply) {
  if (reply.ok) {
    return alertBox(`Vérification réussie : ${reply.checked} enregistrement(s) contrôlé(s), aucune rupture `
      + "de chaîne ni altération.", [], "success");
  }
  const broken = reply.first_broken || {};
  return alertBox(`Vérification en échec : le premier enregistrement altéré est le n° ${broken.rank ?? "?"} `
    + `de la chaîne « ${label(CHAINS, broken.chain)} ».`,
  [broken.message || broken.reason].filter(Boolean));
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

export default function render(view) {
  const result = h("div", { "aria-live": "polite", class: "verify-result" });
  const button = h("button", { type: "button", class: "button-primary", onclick: async () => {
    button.disabled = true;
    result.replaceChildren(h("p", { class: "loading", role: "status" }, "Vérification en cours…"));
    try {
      // A job: a long register outlasts one request (POST answers 202 {job_id}).
      const { job_id: jobId } = await api.post("/compliance/verify", {});
      let job = await api.get(`/jobs/${encodeURIComponent(jobId)}`);
      while (job.status === "running") {
        await new Promise((resolve) => { setTimeout(resolve, 500); });
        job = await api.get(`/jobs/${encodeURIComponent(jobId)}`);
      }
      if (job.status !== "succeeded") throw new Error(job.error || "La vérification a échoué.");
      const reply = job.result;
      result.replaceChildren(verdict(reply), chainsTable(reply.chains));
      result.querySelector(".form-alert").focus();
    } catch (error) {
      result.replaceChildren(alertBox(error.message));
    } finally {
      button.disabled = false;
    }
  } }, "Vérifier l'intégrité des registres");
  view.append(title("Conformité"),
    h("ul", { class: "tasks" }, LINKS.map((l) => h("li", {}, h("a", { href: l.href }, h("strong", {}, l.label),
      h("span", {}, l.text))))),
    section("Vérification", h("p", { class: "hint" }, "Relit chaque enregistrement scellé dans le coffre, recalcule "
      + "son empreinte SHA-256 et contrôle le chaînage avec le précédent."), h("div", { class: "actions" }, button),
    result));
}
