// Hash routes: "#/lots/0603001?x=1" → the screen module, loaded on first use.
// A route names the permission it needs (one of GET /api/me's `permissions`, from the API's
// one table, chalicelib/domain/profiles.py) and whether the phone layout has it. The menu
// and the home page are built from this table too: no screen compares profiles.

export const ROUTES = [
  { path: "/connexion", screen: "login", public: true, phone: true },
  { path: "/inscription", screen: "signup", public: true, phone: true },
  { path: "/", screen: "home", phone: true },
  { path: "/societe", screen: "company", needs: "edit_settings" },
  { path: "/utilisateurs", screen: "users", needs: "manage_users" },
  { path: "/inspecteurs", screen: "inspectors", needs: "manage_inspectors" },
  // The inspector's way in: the one-time code of the link a manager handed over.
  { path: "/inspection/acces", screen: "inspectorlogin", public: true, phone: true },
  { path: "/familles", screen: "families", needs: "edit_families" },
  { path: "/fournisseurs", screen: "parties", kind: "supplier", needs: "edit_parties" },
  { path: "/fournisseurs/:id", screen: "party", kind: "supplier", needs: "edit_parties" },
  { path: "/clients", screen: "parties", kind: "client", needs: "edit_parties" },
  { path: "/clients/:id", screen: "party", kind: "client", needs: "edit_parties" },
  { path: "/saisie", screen: "draft", needs: "enter_lots" },
  { path: "/lots", screen: "lots", needs: "read_inventory" },
  { path: "/lots/en-attente", screen: "pending", needs: "receive_transfers" },
  { path: "/lots/:ref", screen: "lot", needs: "read_inventory" },
  { path: "/articles", screen: "articles", phone: true, needs: "read_inventory" },
  { path: "/articles/:ref", screen: "article", phone: true, needs: "read_inventory" },
  { path: "/selection", screen: "selection", phone: true, needs: "select" },
  { path: "/ventes/:tr", screen: "sale", phone: true, needs: "read_inventory" },
  { path: "/conformite", screen: "compliance", needs: "read_register" },
  { path: "/conformite/livre-de-police", screen: "policefiles", needs: "read_register" },
  { path: "/conformite/livre-de-police/:id", screen: "policefile", needs: "read_register" },
  { path: "/conformite/tickets", screen: "receipts", needs: "read_register" },
  { path: "/conformite/tickets-fictifs", screen: "trainingreceipts", needs: "read_training_receipts" },
  { path: "/conformite/tickets/:number", screen: "receipt", needs: "read_register" },
  { path: "/conformite/clotures", screen: "closings", needs: "read_register" },
  { path: "/conformite/clotures/:number", screen: "closing", needs: "read_register" },
  { path: "/conformite/controles", screen: "inspections", needs: "read_register" },
  { path: "/conformite/consultations", screen: "consultations", needs: "read_consultations" },
  { path: "/conformite/evenements", screen: "events", needs: "read_events" },
  // The inspector's guide: read signed in or not (an inspector may have no session yet).
  { path: "/conformite/guide", screen: "guide", open: true, phone: true },
  { path: "/conformite/archives", screen: "archives", needs: "read_register" },
  { path: "/fin-d-annee", screen: "yearend", needs: "year_end" },
];

/** Whether the signed-in user may do ``permission`` (always true for ``undefined``). */
export function can(me, permission) {
  return !permission || Boolean(me && (me.permissions || []).includes(permission));
}

/** The permission the screen at ``path`` needs (menus and tasks link only to what opens). */
export function permissionOf(path) {
  const found = match(path);
  return found ? found.route.needs : undefined;
}

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
