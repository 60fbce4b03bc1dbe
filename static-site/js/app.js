// Start-up: configuration, the signed-in user, the header, the router.

import { api, loadConfig, session, signOut } from "./api.js";
import { onSelection, refreshSelection } from "./basket.js";
import { PROFILES } from "./fr.js";
import { setRegisterReads } from "./purpose.js";
import { can, loadScreen, match, navigate, parseHash, permissionOf } from "./router.js";
import { alertBox, clear, flashNext, h, isPhone, notice, takeFlash } from "./ui.js";
import { drawTraining } from "./training.js";

// The menu: what each entry needs is the route's (router.js ROUTES), asked of GET /api/me's permissions.
const NAV = [
  { href: "#/", label: "Accueil", phone: true },
  { href: "#/saisie", label: "Saisie de lot" },
  { href: "#/lots", label: "Lots" },
  { href: "#/articles", label: "Articles", phone: true },
  { href: "#/selection", label: "Sélection", phone: true },
  { href: "#/fournisseurs", label: "Fournisseurs" },
  { href: "#/clients", label: "Clients" },
  { href: "#/familles", label: "Familles" },
  { href: "#/societe", label: "Société" },
  { href: "#/conformite", label: "Conformité" },
  { href: "#/fin-d-annee", label: "Fin d'année" },
  { href: "#/utilisateurs", label: "Utilisateurs" },
  { href: "#/inspecteurs", label: "Accès inspecteurs" },
];

function profileName(user) {
  return user.inspector ? "Inspecteur" : (PROFILES[user.profile] || user.profile);
}

function drawInspectorBanner() {
  let banner = document.getElementById("inspector-banner");
  if (!me || !me.inspector) {
    if (banner) banner.remove();
    return;
  }
  if (!banner) {
    banner = h("div", { id: "inspector-banner", class: "inspector-banner", role: "note" });
    document.querySelector(".topbar").after(banner);
  }
  // An inspector's session (GET /api/me `inspector`, its service's French name from the API): read-only.
  const { name, service, service_label: serviceLabel, purpose } = me.inspector;
  banner.replaceChildren(h("strong", {}, "Session inspecteur — lecture seule"),
    h("span", {}, ` · ${name} (${serviceLabel || service})`), purpose ? h("span", {}, ` · Motif : ${purpose}`) : null,
    h("span", { class: "hint" }, " · Chaque page consultée est inscrite au registre des consultations."));
}

let me = null;
let cleanup = null;
let renderCount = 0;
const main = document.getElementById("app");

function allowed(item) {
  return me && can(me, permissionOf(item.href.slice(1))) && (item.phone || !isPhone());
}

function drawHeader() {
  const who = document.getElementById("who");
  const nav = document.getElementById("nav");
  const list = document.getElementById("nav-list");
  const logout = document.getElementById("logout");
  clear(list);
  // training mode: its switch, and its banner on every screen while on (a switch re-renders the screen)
  drawTraining(me, () => { drawHeader(); render(); });
  drawInspectorBanner();
  if (!me) {
    who.hidden = nav.hidden = logout.hidden = true;
    document.getElementById("selection-badge").hidden = true;
    return;
  }
  clear(who).append(h("span", { class: "company" }, me.company_name || "Mon entreprise"),
    h("span", { class: "profile" }, ` · ${profileName(me)}`),
    h("span", { class: "email" }, ` · ${me.inspector ? me.inspector.name : me.email}`));
  who.hidden = nav.hidden = logout.hidden = false;
  for (const item of NAV.filter(allowed)) {
    list.append(h("li", {}, h("a", { href: item.href }, item.label)));
  }
  markCurrent();
}

function markCurrent() {
  const { path } = parseHash();
  for (const link of document.querySelectorAll("#nav-list a")) {
    const target = link.getAttribute("href").slice(1);
    const current = target === "/" ? path === "/" : path === target || path.startsWith(`${target}/`);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

onSelection((state) => {
  const badge = document.getElementById("selection-badge");
  badge.hidden = !me || !state.available;
  document.getElementById("selection-count").textContent = String(state.count);
});

function refusal(view, message) {
  clear(view).append(h("h1", { tabindex: "-1" }, "Écran indisponible"), alertBox(message),
    h("p", {}, h("a", { href: "#/" }, "Retour à l'accueil")));
}

async function render() {
  const count = ++renderCount;
  if (cleanup) {
    try { cleanup(); } catch { /* a screen's cleanup never blocks the next one */ }
    cleanup = null;
  }
  for (const open of document.querySelectorAll("dialog[open]")) open.close(); // a dialog belongs to its screen
  const { path, query } = parseHash();
  const found = match(path);
  const view = h("div", { class: "view" });
  main.replaceChildren(view);
  const flash = takeFlash();
  if (flash) notice(flash.message, flash.kind, flash.items);
  else notice(null);
  if (!found) {
    refusal(view, "Cette page n'existe pas.");
    return;
  }
  const { route, params } = found;
  if (route.public && !route.open && session.active()) {
    navigate("/"); // signed in already: signing in as someone else starts with "Se déconnecter"
    return;
  }
  if (!route.public && !route.open && !session.active()) {
    sessionStorage.setItem("lotbook.after-login", path === "/connexion" ? "/" : window.location.hash.slice(1));
    navigate("/connexion");
    return;
  }
  if (!route.public && !me && session.active()) {
    try {
      me = await api.get("/me");
      setRegisterReads(me.register_reads);
    } catch (error) {
      refusal(view, error.message);
      return;
    }
    drawHeader();
    if (can(me, "select")) refreshSelection().catch(() => {});
  }
  markCurrent();
  if (!can(me, route.needs)) {
    refusal(view, `Votre profil (${profileName(me)}) ne donne pas accès à cet écran.`);
    return;
  }
  if (isPhone() && !route.phone) {
    refusal(view, "Cet écran n'est pas disponible sur téléphone : utilisez un ordinateur. "
      + "Sur téléphone : les articles, la sélection et la vente.");
    return;
  }
  try {
    const module = await loadScreen(route.screen);
    if (count !== renderCount) return;
    const done = await module.default(view, { params, query, route, me, phone: isPhone(), signedIn });
    if (count !== renderCount) {
      if (typeof done === "function") done();
      return;
    }
    cleanup = typeof done === "function" ? done : null;
  } catch (error) {
    if (count === renderCount) view.append(alertBox(error.message || "Erreur inattendue."));
  }
  if (count === renderCount && !main.contains(document.activeElement)) {
    const target = view.querySelector("[autofocus]") || view.querySelector("h1");
    if (target) target.focus({ preventScroll: false });
  }
}

/** Called by the login and signup screens once the tokens are stored. */
async function signedIn() {
  me = await api.get("/me");
  setRegisterReads(me.register_reads);
  drawHeader();
  if (can(me, "select")) refreshSelection().catch(() => {});
  const next = sessionStorage.getItem("lotbook.after-login") || "/";
  sessionStorage.removeItem("lotbook.after-login");
  navigate(next);
}

function signOutNow(message) {
  signOut();
  me = null;
  drawHeader();
  flashNext(message, "info");
  navigate("/connexion");
}

document.getElementById("logout").addEventListener("click", () => signOutNow("Vous êtes déconnecté."));
window.addEventListener("lotbook:signed-out", (event) => {
  me = null;
  drawHeader();
  flashNext(event.detail || "Session expirée : reconnectez-vous.", "error");
  navigate("/connexion");
});
document.getElementById("skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  (main.querySelector("h1") || main).focus();
});
// Crossing 480 px switches layouts; a short wait ignores transient resizes
// (a full-page capture, a keyboard opening) that come back to the same side.
let phoneLayout = isPhone();
let resizeTimer = null;
window.matchMedia("(max-width: 480px)").addEventListener("change", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (isPhone() === phoneLayout) return;
    phoneLayout = isPhone();
    drawHeader();
    render();
  }, 200);
});
window.addEventListener("hashchange", render);

await loadConfig();
render();
