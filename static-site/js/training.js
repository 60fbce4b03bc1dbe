// Training mode (mode formation): the switch in the header, the banner on every screen
// while it is on. GET /api/me says `training`; PUT /api/me/training switches it. In
// training the API makes the till's sales fictitious and refuses every other write.

import { api } from "./api.js";
import { can } from "./router.js";
import { flashNext, h, notice } from "./ui.js";

export const BANNER = "MODE FORMATION — les ventes sont fictives";
export const MENTION = "FICTIF — MODE FORMATION";

function banner() {
  let node = document.getElementById("training-banner");
  if (!node) {
    node = h("div", { id: "training-banner", class: "training-banner", role: "status", hidden: true },
      h("strong", {}, BANNER),
      " : rien de réel ne change (articles, tickets, totaux). Désactivez-le pour vendre pour de vrai.");
    document.querySelector(".topbar").after(node);
  }
  return node;
}

function switchButton() {
  let button = document.getElementById("training-toggle");
  if (!button) {
    button = h("button", { id: "training-toggle", type: "button", class: "button-quiet training-toggle",
      "aria-pressed": "false", hidden: true }, "Mode formation");
    document.getElementById("logout").before(button);
  }
  return button;
}

/**
 * Draws the switch and the banner for `me` (null when signed out). `onChange(me)` runs once the
 * API has switched the mode, with GET /api/me's object updated.
 */
export function drawTraining(me, onChange) {
  const node = banner();
  const button = switchButton();
  const on = Boolean(me && me.training);
  node.hidden = !on;
  document.body.classList.toggle("training-on", on);
  button.hidden = !me || !can(me, "training_mode");
  button.setAttribute("aria-pressed", String(on));
  button.textContent = on ? "Mode formation : activé" : "Mode formation";
  button.title = on ? "Désactiver le mode formation (revenir aux ventes réelles)"
    : "Activer le mode formation : les ventes seront fictives";
  button.onclick = async () => {
    button.disabled = true;
    try {
      const reply = await api.put("/me/training", { on: !on });
      me.training = Boolean(reply.training);
      flashNext(me.training ? "Mode formation activé : les ventes sont fictives."
        : "Mode formation désactivé : les ventes sont de nouveau réelles.", "success");
      if (onChange) onChange(me);
    } catch (error) {
      notice(error.message, "error");
    } finally {
      button.disabled = false;
    }
  };
}
