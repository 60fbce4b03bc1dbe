// Hash routes: "#/lots/0603001?x=1" → the screen module, loaded on first use.
// A route says who may open it (profiles) and whether the phone layout has it.

const BACK_OFFICE = ["manager", "collaborator"];

export const ROUTES = [
  { path: "/connexion", screen: "login", public: true, phone: true },
  { path: "/inscription", screen: "signup", public: true, phone: true },
  { path: "/", screen: "home", phone: true },
  { path: "/societe", screen: "company", profiles: BACK_OFFICE },
  { path: "/utilisateurs", screen: "users", profiles: ["manager"] },
  { path: "/familles", screen: "families", profiles: BACK_OFFICE },
  { path: "/fournisseurs", screen: "parties", kind: "supplier" },
  { path: "/fournisseurs/:id", screen: "party", kind: "supplier" },
  { path: "/clients", screen: "parties", kind: "client" },
  { path: "/clients/:id", screen: "party", kind: "client" },
  { path: "/saisie", screen: "draft" },
  { path: "/lots", screen: "lots" },
  { path: "/lots/en-attente", screen: "pending", profiles: BACK_OFFICE },
  { path: "/lots/:ref", screen: "lot" },
  { path: "/articles", screen: "articles", phone: true },
  { path: "/articles/:ref", screen: "article", phone: true },
  { path: "/selection", screen: "selection", phone: true },
  { path: "/ventes/:tr", screen: "sale", phone: true },
  { path: "/conformite", screen: "compliance", profiles: BACK_OFFICE },
  { path: "/conformite/livre-de-police", screen: "policefiles", profiles: BACK_OFFICE },
  { path: "/conformite/livre-de-police/:id", screen: "policefile", profiles: BACK_OFFICE },
  { path: "/conformite/tickets", screen: "receipts", profiles: BACK_OFFICE },
  { path: "/conformite/tickets/:number", screen: "receipt", profiles: BACK_OFFICE },
  { path: "/conformite/clotures", screen: "closings", profiles: BACK_OFFICE },
  { path: "/conformite/clotures/:number", screen: "closing", profiles: BACK_OFFICE },
  // every profile files a report (the inspector uses the session at hand); only the back office reads them
  { path: "/conformite/controles", screen: "inspections" },
  { path: "/fin-d-annee", screen: "yearend", profiles: BACK_OFFICE },
];

export function parseHash(hash = window.location.hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, queryString = ""] = raw.split("?");
  return { path: path || "/", query: Object.fromEntries(new URLSearchParams(queryString)) };
}

export function match(path) {
  const parts = path.split("/").filter(Boolean);
  for (const route of ROUTES) {
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params = {};
    const ok = pattern.every((segment, i) => {
      if (segment.startsWith(":")) {
        params[segment.slice(1)] = decodeURIComponent(parts[i]);
        return true;
      }
      return segment === parts[i];
    });
    if (ok) return { route, params };
  }
  return null;
}

export function navigate(path) {
  if (window.location.hash === `#${path}`) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = path;
}

/** Changes the query of the current route without re-rendering the screen. */
export function replaceQuery(query) {
  const { path } = parseHash();
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, value);
  }
  const text = params.toString();
  history.replaceState(null, "", `#${path}${text ? `?${text}` : ""}`);
}

export function loadScreen(name) {
  return import(`./screens/${name}.js`);
}
