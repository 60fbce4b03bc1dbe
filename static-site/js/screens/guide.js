// Guide de l'inspecteur: docs/inspection.md as the API renders it (public route, no token),
// so the page and the published guide are one text.

import { loadConfig } from "../api.js";
import { alertBox, h, loading, title } from "../ui.js";

export default async function render(view, { me }) {
  const body = h("div", { class: "guide", "aria-live": "polite" });
  loading(body);
  view.append(me ? h("p", { class: "breadcrumb" }, h("a", { href: "#/conformite" }, "‹ Conformité")) : null,
    title("Guide de l'inspecteur"), body);
  try {
    const config = await loadConfig();
    const reply = await fetch(`${(config && config.api_base) || "/api"}/compliance/guide`, { cache: "no-cache" });
    if (!reply.ok) throw new Error("Le guide n'a pas pu être chargé.");
    const html = await reply.text();
    const page = document.createElement("div");
    page.innerHTML = html; // rendered by the API from docs/inspection.md, raw HTML off
    const first = page.querySelector("h1");
    if (first) first.remove(); // the screen's own title says it
    body.replaceChildren(...page.childNodes);
  } catch (error) {
    body.replaceChildren(alertBox(error.message || "Le guide n'a pas pu être chargé."));
  }
}
