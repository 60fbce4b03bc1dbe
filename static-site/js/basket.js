// The selection (the API's per-user basket of article references), shared by
// the badge in the header and every screen that ticks articles.

import { api } from "./api.js";

const state = { refs: new Set(), count: 0, available: true };
const listeners = new Set();

function publish() {
  for (const listener of listeners) listener(state);
}

function take(answer) {
  // the selection itself, or an answer that carries it (a scan: {article, selection})
  const reply = answer && answer.selection && Array.isArray(answer.selection.refs) ? answer.selection : answer;
  if (reply && Array.isArray(reply.refs)) {
    state.refs = new Set(reply.refs);
    state.count = typeof reply.count === "number" ? reply.count : reply.refs.length;
    publish();
    return true;
  }
  return false;
}

export function selection() {
  return state;
}

export function onSelection(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function refreshSelection() {
  try {
    take(await api.get("/selection"));
    state.available = true;
  } catch (error) {
    if (error.status === 404 || error.status === 403) {
      state.available = false;
      publish();
    } else {
      throw error;
    }
  }
  return state;
}

async function change(promise) {
  const reply = await promise;
  if (!take(reply)) await refreshSelection();
  return reply;
}

export const addRefs = (refs) => change(api.post("/selection/add", { refs }));
export const removeRefs = (refs) => change(api.post("/selection/remove", { refs }));
export const addFilter = (filter) => change(api.post("/selection/add", { filter }));
export const emptySelection = () => change(api.del("/selection"));
export const scanRef = (ref) => change(api.post("/selection/scan", { ref }));
