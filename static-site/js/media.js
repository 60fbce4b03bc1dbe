// Media of a supplier, client, lot, article or the company (its logo): the gallery,
// the upload (the file goes straight to storage with the presigned POST the API
// returns, never through the API), the attributes (title, default, active, weight)
// and the deletion. Used by the article, lot, party and company screens.

import { api, ApiError } from "./api.js";
import { append, clearErrors, confirmDialog, field, h, notice, onSubmit, readForm, section, setFieldError } from "./ui.js";

export const MEDIA_TYPES = {
  image: "Image (JPG, PNG, GIF)",
  video: "Vidéo MP4",
  document: "Document (PDF, Word, Excel, texte…)",
  external_video: "Vidéo externe (lien YouTube…)",
};
const ACCEPT = {
  image: ".jpg,.jpeg,.png,.gif",
  video: ".mp4",
  document: ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.rtf,.txt,.csv",
};
const LIMITS = { image: "10 Mo au plus", video: "200 Mo au plus", document: "20 Mo au plus" };
const STORAGE_ERRORS = {
  EntityTooLarge: "Fichier trop volumineux pour ce type de média.",
  EntityTooSmall: "Le fichier est vide.",
  AccessDenied: "Envoi refusé par le stockage : lien expiré ou fichier non conforme à ce qui a été annoncé.",
};
const FIELD_LABELS = { filename: "Fichier", content_type: "Type de fichier", size: "Taille", url: "Adresse" };

function mediaPath(kind, ownerId, mediaId) {
  const base = `/media/${encodeURIComponent(kind)}/${encodeURIComponent(ownerId)}`;
  return mediaId ? `${base}/${encodeURIComponent(mediaId)}` : base;
}

/** The browser's form upload to the presigned POST: its fields, then the file. */
async function sendFile(upload, file) {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append("file", file);
  let reply;
  try {
    reply = await fetch(upload.url, { method: "POST", body: form });
  } catch {
    throw new ApiError(0, { code: "network", message: "Le stockage des fichiers ne répond pas. Réessayez." });
  }
  if (reply.ok) return;
  const code = (/<Code>([^<]+)<\/Code>/.exec(await reply.text()) || [])[1];
  throw new ApiError(reply.status, { code: "upload_refused",
    message: STORAGE_ERRORS[code] || "Envoi refusé par le stockage des fichiers." });
}

function sizeText(bytes) {
  if (bytes == null) return "";
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} Ko`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(".", ",")} Mo`;
}

function preview(medium) {
  const name = medium.title || medium.filename || MEDIA_TYPES[medium.type];
  if (medium.thumbnail_url) {
    const image = h("img", { src: medium.thumbnail_url, alt: name, loading: "lazy", class: "media-thumb" });
    return medium.url ? h("a", { href: medium.url, target: "_blank", rel: "noopener" }, image) : image;
  }
  const icon = { image: "🖼", video: "🎬", document: "📄", external_video: "▶" }[medium.type] || "•";
  const box = h("span", { class: "media-thumb media-icon", "aria-hidden": "true" }, icon);
  if (!medium.url) return box;
  return h("a", { href: medium.url, target: "_blank", rel: "noopener noreferrer",
    "aria-label": `Ouvrir ${name}` }, box);
}

function badges(medium) {
  return [
    medium.default ? h("span", { class: "badge badge-ok" }, "Par défaut") : null,
    medium.active ? null : h("span", { class: "badge" }, "Masqué"),
    medium.status === "pending" ? h("span", { class: "badge badge-warn" }, "En attente du fichier") : null,
    medium.status === "rejected" ? h("span", { class: "badge badge-error" }, "Refusé") : null,
  ];
}

function editForm(medium, path, done) {
  const form = h("form", { class: "form media-edit", "aria-label": `Modifier le média ${medium.title || medium.id}` },
    h("div", { class: "grid" },
      field({ name: "title", label: "Titre (texte alternatif)" }, medium.title),
      field({ name: "weight", label: "Poids (ordre d'affichage)", type: "int",
        hint: "Le plus léger s'affiche en premier." }, String(medium.weight ?? 0)),
      field({ name: "active", label: "Actif (visible)", type: "checkbox" }, medium.active),
      field({ name: "default", label: "Média par défaut", type: "checkbox" }, medium.marked_default),
      medium.type === "external_video" ? field({ name: "url", label: "Adresse de la vidéo", wide: true }, medium.url)
        : null),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Enregistrer"),
      h("button", { type: "button", class: "button-quiet", onclick: () => done(false) }, "Annuler")));
  onSubmit(form, async () => {
    const values = readForm(form, { empty: "null" });
    values.title = values.title ?? "";
    if (values.weight === null) values.weight = 0;
    await api.patch(path, values);
    notice("Média enregistré.");
    done(true);
  }, { labels: FIELD_LABELS });
  return form;
}

function addForm(kind, ownerId, done) {
  const typeField = field({ name: "type", label: "Type de média", type: "select", options: Object.entries(MEDIA_TYPES) });
  const fileField = field({ name: "file", label: "Fichier", type: "file", hint: LIMITS.image, accept: ACCEPT.image });
  const urlField = field({ name: "url", label: "Adresse de la vidéo", type: "url", placeholder: "https://…",
    wide: true });
  const form = h("form", { class: "form media-add", "aria-label": "Ajouter un média" },
    h("div", { class: "grid" }, typeField, fileField, urlField,
      field({ name: "title", label: "Titre (texte alternatif)" }),
      field({ name: "default", label: "Média par défaut", type: "checkbox" })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button-primary" }, "Ajouter le média")));
  const typeSelect = typeField.querySelector("select");
  const fileInput = fileField.querySelector("input");
  const hint = fileField.querySelector(".hint");
  const showType = () => {
    const type = typeSelect.value;
    fileField.hidden = type === "external_video";
    urlField.hidden = type !== "external_video";
    if (!fileField.hidden) {
      fileInput.accept = ACCEPT[type];
      hint.textContent = LIMITS[type];
    }
  };
  typeSelect.addEventListener("change", showType);
  showType();
  onSubmit(form, async () => {
    const values = readForm(form);
    const body = { type: values.type, default: Boolean(values.default) };
    if (values.title) body.title = values.title;
    const file = fileInput.files[0];
    if (values.type === "external_video") {
      body.url = values.url || "";
    } else {
      if (!file) {
        setFieldError(form, "file", "Choisissez un fichier.");
        fileInput.focus();
        return;
      }
      Object.assign(body, { filename: file.name, content_type: file.type || "application/octet-stream",
        size: file.size });
    }
    const created = await api.post(mediaPath(kind, ownerId), body);
    if (created.upload) {
      try {
        await sendFile(created.upload, file);
      } catch (error) {
        await api.del(mediaPath(kind, ownerId, created.id)).catch(() => {});
        throw error;
      }
    }
    form.reset();
    showType();
    done(created.id);
  }, { labels: FIELD_LABELS });
  return form;
}

/**
 * A "Médias" section for one owner. options: editable (show the forms), heading,
 * intro (a sentence under the heading).
 */
export function mediaSection(kind, ownerId, { editable = true, heading = "Médias", intro } = {}) {
  const list = h("div", { class: "media-list", "aria-live": "polite" });
  const status = h("p", { class: "loading", role: "status" }, "Chargement des médias…");
  list.append(status);

  async function reload() {
    let reply;
    try {
      reply = await api.get(mediaPath(kind, ownerId));
    } catch (error) {
      list.replaceChildren(h("p", { class: "form-alert alert-error", role: "alert" }, error.message));
      return;
    }
    if (!reply.items.length) {
      list.replaceChildren(h("p", { class: "empty" }, "Aucun média."));
      return;
    }
    list.replaceChildren(h("ul", { class: "media-gallery", "aria-label": heading }, reply.items.map(item)));
  }

  function item(medium) {
    const path = mediaPath(kind, ownerId, medium.id);
    const name = medium.title || medium.filename || MEDIA_TYPES[medium.type];
    const li = h("li", { class: `media-item${medium.active ? "" : " media-inactive"}`, "data-media-id": medium.id });
    const details = h("div", { class: "media-details" },
      h("p", { class: "media-name" }, name),
      h("p", { class: "media-meta" }, badges(medium),
        ` ${MEDIA_TYPES[medium.type].split(" (")[0]}`, medium.size ? ` · ${sizeText(medium.size)}` : "",
        ` · poids ${medium.weight}`),
      medium.rejection ? h("p", { class: "field-error" }, medium.rejection) : null);
    append(li, [preview(medium), details]);
    if (editable) {
      const editBox = h("div", { class: "media-edit-box" });
      const edit = h("button", { type: "button", class: "button-quiet",
        "aria-label": `Modifier le média ${name}`, onclick: () => {
          if (editBox.firstChild) { editBox.replaceChildren(); return; }
          editBox.append(editForm(medium, path, (changed) => (changed ? reload() : editBox.replaceChildren())));
          editBox.querySelector("input")?.focus();
        } }, "Modifier");
      const remove = h("button", { type: "button", class: "button-quiet danger",
        "aria-label": `Supprimer le média ${name}`, onclick: async () => {
          if (!(await confirmDialog(`Supprimer le média « ${name} » et son fichier ?`, "Supprimer"))) return;
          try {
            await api.del(path);
            notice("Média supprimé.");
            await reload();
          } catch (error) { notice(error.message, "error"); }
        } }, "Supprimer");
      details.append(h("div", { class: "actions" }, edit, remove), editBox);
    }
    return li;
  }

  const block = section(heading, intro ? h("p", { class: "hint" }, intro) : null, list,
    editable ? h("details", { class: "media-add-panel" }, h("summary", {}, "Ajouter un média"),
      addForm(kind, ownerId, async () => {
        notice("Média ajouté.");
        clearErrors(block);
        await reload();
      })) : null);
  reload();
  return block;
}

/** A list's small image: the owner's default thumbnail, or its initial letter. */
export function thumbnail(url, text, alt = "") {
  if (url) return h("span", { class: "thumb" }, h("img", { src: url, alt, loading: "lazy" }));
  return h("span", { class: "thumb", "aria-hidden": "true" }, (text || "?").trim().charAt(0).toUpperCase());
}
