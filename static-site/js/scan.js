// The scan field: a barcode scanner types the reference then Enter; the API
// finds the article and puts it in the selection. Confirmation is visual only.

import { scanRef, selection } from "./basket.js";
import { STATUSES } from "./fr.js";
import { h, uid } from "./ui.js";

export function scanBox({ onScanned, autofocus = true } = {}) {
  const id = uid("scan");
  const input = h("input", { id, name: "ref", type: "text", autocomplete: "off", autocapitalize: "characters",
    spellcheck: "false", enterkeyhint: "go", "aria-describedby": `${id}-result`, autofocus: autofocus || null });
  const result = h("div", { id: `${id}-result`, class: "scan-result", role: "status", "aria-live": "polite" });
  const form = h("form", { class: "scan", "aria-label": "Scan d'un article" },
    h("label", { for: id }, "Scanner ou saisir une référence"),
    h("div", { class: "scan-row" }, input,
      h("button", { type: "submit", class: "button-primary" }, "Chercher et sélectionner")),
    result);
  form.noValidate = true;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ref = input.value.trim();
    if (!ref) return;
    input.value = "";
    result.className = "scan-result scan-pending";
    result.textContent = `Recherche de ${ref}…`;
    try {
      const reply = await scanRef(ref);
      const article = reply?.article || (reply?.description ? reply : null);
      const what = article ? `${article.ref || ref} — ${article.description}` : ref;
      const status = article?.status ? ` (${STATUSES[article.status] || article.status})` : "";
      result.replaceChildren(
        h("span", { class: "scan-mark", "aria-hidden": "true" }, "✓"),
        ` ${what}${status} ajouté à la sélection. Sélection : ${selection().count} article(s).`);
      result.className = "scan-result scan-ok";
      if (onScanned) onScanned(reply);
    } catch (error) {
      result.replaceChildren(h("span", { class: "scan-mark", "aria-hidden": "true" }, "✗"),
        ` ${ref} : ${error.message}`);
      result.className = "scan-result scan-error";
    }
    // restart the flash animation, then wait for the next scan
    void result.offsetWidth;
    result.classList.add("scan-flash");
    input.focus();
  });
  return form;
}
