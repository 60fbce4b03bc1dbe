// The one way to the API: bearer token, refresh, errors as ApiError in French.
// Tokens live in sessionStorage (this tab) or, with "rester connecté", in localStorage.

import { withPurpose } from "./purpose.js";

const SESSION_KEY = "lotbook.session";
let config = null;

export async function loadConfig() {
  if (!config) {
    const reply = await fetch("config.json", { cache: "no-cache" });
    config = await reply.json();
  }
  return config;
}

function base() {
  return (config && config.api_base) || "/api";
}

// ------------------------------------------------------------ session

function readStored(store) {
  try {
    const raw = store.getItem(SESSION_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

export const session = {
  get() {
    return readStored(sessionStorage) || readStored(localStorage);
  },
  save(tokens, remember) {
    const current = this.get() || {};
    const keep = remember ?? current.remember ?? false;
    const value = {
      id_token: tokens.id_token,
      refresh_token: tokens.refresh_token || current.refresh_token || null,
      expires_at: Date.now() + 1000 * (Number(tokens.expires_in) || 3600),
      remember: keep,
    };
    this.clear();
    (keep ? localStorage : sessionStorage).setItem(SESSION_KEY, JSON.stringify(value));
  },
  clear() {
    sessionStorage.removeItem(SESSION_KEY);
    localStorage.removeItem(SESSION_KEY);
  },
  active() {
    return Boolean(this.get()?.id_token);
  },
};

// ------------------------------------------------------------ errors

const FALLBACK = {
  400: "Certaines valeurs sont invalides.",
  401: "Votre session a expiré : reconnectez-vous.",
  403: "Votre profil ne permet pas cette action.",
  404: "Élément introuvable.",
  409: "Cette opération est impossible dans l'état actuel.",
  422: "Cette opération est refusée par une règle de gestion.",
  429: "Trop de tentatives : réessayez dans quelques minutes.",
  500: "Une erreur interne est survenue. Réessayez ou contactez le support.",
};

export class ApiError extends Error {
  constructor(status, error) {
    const body = error && typeof error === "object" ? error : {};
    super(body.message || FALLBACK[status] || `Erreur ${status}.`);
    this.status = status;
    this.code = body.code || (status ? `http_${status}` : "network");
    this.details = body.details ?? null;
  }

  /** Per-field messages of a 400: the details entries whose value is a phrase. */
  get fieldErrors() {
    const out = {};
    if (this.status === 400 && this.details && typeof this.details === "object" && !Array.isArray(this.details)) {
      for (const [name, value] of Object.entries(this.details)) {
        if (typeof value === "string") out[name] = value;
      }
    }
    return out;
  }

  /** Line problems: [{line, reason}] from a CSV import or a commit. */
  get lineErrors() {
    const lines = this.details && this.details.lines;
    return Array.isArray(lines) ? lines : [];
  }
}

const NETWORK = new ApiError(0, {
  code: "network",
  message: "Le serveur ne répond pas. Vérifiez la connexion puis réessayez.",
});

// ------------------------------------------------------------ requests

function url(path, query) {
  let full = base() + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, value);
    }
    const text = params.toString();
    if (text) full += (full.includes("?") ? "&" : "?") + text;
  }
  return full;
}

let refreshing = null;

async function refreshToken() {
  const current = session.get();
  if (!current?.refresh_token) return false;
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const reply = await fetch(url("/auth/refresh"), {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: current.refresh_token }),
        });
        if (!reply.ok) return false;
        session.save(await reply.json());
        return true;
      } catch {
        return false;
      } finally {
        setTimeout(() => { refreshing = null; }, 0);
      }
    })();
  }
  return refreshing;
}

function expired() {
  const current = session.get();
  return current && current.expires_at && Date.now() > current.expires_at - 30_000;
}

async function send(method, path, options) {
  const headers = { ...(options.headers || {}) };
  let body;
  if (options.raw !== undefined) {
    body = options.raw;
    headers["Content-Type"] = options.contentType || "application/octet-stream";
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] = "application/json";
  }
  const token = session.get()?.id_token;
  if (token && !options.public) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(url(path, withPurpose(method, path, options.query)), { method, headers, body });
  } catch {
    throw NETWORK;
  }
}

async function readBody(reply, as) {
  if (reply.status === 204) return null;
  if (as === "blob") return reply.blob();
  if (as === "text") return reply.text();
  const text = await reply.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * One call. Options: query, body (JSON), raw + contentType, headers, as ("json"|"text"|"blob"),
 * public (no token). Throws ApiError on any non-2xx answer.
 */
export async function request(method, path, options = {}) {
  if (!options.public && expired()) await refreshToken();
  let reply = await send(method, path, options);
  if (reply.status === 401 && !options.public && (await refreshToken())) {
    reply = await send(method, path, options);
  }
  if (reply.ok) return readBody(reply, options.as);
  const payload = await readBody(reply, "json");
  const error = new ApiError(reply.status, payload && payload.error);
  if (reply.status === 401 && !options.public) {
    session.clear();
    window.dispatchEvent(new CustomEvent("lotbook:signed-out", { detail: FALLBACK[401] }));
  }
  throw error;
}

export const api = {
  get: (path, options) => request("GET", path, options),
  post: (path, body, options = {}) => request("POST", path, { ...options, body }),
  put: (path, body, options = {}) => request("PUT", path, { ...options, body }),
  patch: (path, body, options = {}) => request("PATCH", path, { ...options, body }),
  del: (path, options) => request("DELETE", path, options),
};

export async function signIn(email, password, remember) {
  const tokens = await request("POST", "/auth/login", { body: { email, password }, public: true });
  session.save(tokens, remember);
  return tokens;
}

export function signOut() {
  session.clear();
}

/** A fresh key per user intent: the same form sent twice acts once. */
export function idempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
