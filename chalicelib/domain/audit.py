"""The event log and the police register's consultation log, as pure rules.

DOMAIN.md "Audit trail and the authorities": the event log (journal des événements
techniques, NF525) is a sealed chain ``event`` per tenant of what happens around the
legal data; the consultation log (arrêté of 15 May 2020, art. 3) a sealed chain
``consultation`` of every read of the police register, with who, when, what and why.
Both are journal entries sealed like the other legal records (``domain/seal.py``):
never edited, never deleted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.inspector import service_label as inspector_service_label

# Event kind → its French label (the event log screen, the archives' CSV).
EVENT_KINDS: dict[str, str] = {
    "login": "Connexion",
    "login_refused": "Connexion refusée",
    "user_created": "Utilisateur créé",
    "user_changed": "Utilisateur modifié",
    "user_deleted": "Utilisateur supprimé",
    "settings_changed": "Paramètres modifiés",
    "closing": "Clôture de caisse",
    "archive_built": "Archive fiscale constituée",
    "archive_downloaded": "Archive fiscale téléchargée",
    "archive_altered": "Archive fiscale altérée",
    "backup": "Sauvegarde",
    "restore": "Restauration",
    "closure": "Clôture d'exercice (purge)",
    "export": "Export",
    "print": "Impression",
    "reprint": "Réimpression (duplicata)",
    "email_sent": "Envoi par e-mail",
    "inspector_access_granted": "Accès inspecteur accordé",
    "inspector_access_revoked": "Accès inspecteur révoqué",
    "inspector_login": "Connexion d'un inspecteur",
    "inspection_report": "Rapport d'inspection déposé",
    "training_on": "Mode formation activé",
    "training_off": "Mode formation désactivé",
    "software_version": "Version du logiciel",
    "sealing_failure": "Échec de scellement",
}

PARIS = ZoneInfo("Europe/Paris")

# Why the police register is read, when the reader gives no reason (the dealer's own staff).
ROUTINE_PURPOSE = "Gestion courante"
PURPOSE_MAX = 200
WHAT_MAX = 200


class AuditError(ValueError):
    """An event or consultation that cannot be recorded as given (a programming error)."""


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise AuditError("event times are aware datetimes")
    return at.isoformat()


def event_content(kind: str, at: datetime, user: str | None, details: Mapping[str, Any] | None,
                  software_version: str) -> dict[str, Any]:
    """The content sealed for one event (canonical JSON: no floats in ``details``)."""
    if kind not in EVENT_KINDS:
        raise AuditError(f"unknown event kind {kind!r}")
    return {
        "record": "event",
        "event": kind,
        "label": EVENT_KINDS[kind],
        "at": _iso(at),
        "user": user,
        "details": dict(details or {}),
        "software_version": software_version,
    }


# What a consultation record is (an inspector's session logs every request it makes,
# docs/consultations.md): a read of the police register, or another access (its login, the
# event log, a route it was refused...). ``refused``: the session's profile was refused it.
REGISTER_READ = "register_read"
ACCESS = "access"


def consultation_content(at: datetime, who: str, what: str, purpose: str | None,
                         inspector: Mapping[str, Any] | None = None, *, access: str | None = None,
                         refused: bool = False) -> dict[str, Any]:
    """The content sealed for one read of the police register (or, ``access`` given, one
    request of an inspector's session: a read of the register or not, refused or not)."""
    reason = " ".join((purpose or "").split())[:PURPOSE_MAX] or ROUTINE_PURPOSE
    if not what:
        raise AuditError("a consultation names what was read")
    if access not in (None, REGISTER_READ, ACCESS):
        raise AuditError(f"unknown access {access!r}")
    content: dict[str, Any] = {
        "record": "consultation",
        "at": _iso(at),
        "who": who,
        "inspector": dict(inspector) if inspector else None,
        "what": what[:WHAT_MAX],
        "purpose": reason,
    }
    if access is not None:
        content.update(access=access, refused=bool(refused))
    return content


# Routes that read the register whose service logs the read itself (not ``register_read``
# in their blueprint): an inspector's request to them is a read of the register too.
SERVICE_LOGGED_READS = frozenset({"GET /api/compliance/archives/{period}"})


def consultation_access(summary: Mapping[str, Any]) -> str:
    """:data:`REGISTER_READ` or :data:`ACCESS` for a consultation record (its summary or
    content): records written before the field were the staff's reads of the register and
    the inspectors' logins."""
    access = summary.get("access")
    if access in (REGISTER_READ, ACCESS):
        return str(access)
    return ACCESS if summary.get("what") == "inspector_login" else REGISTER_READ


# ---------------------------------------------------------------- reads of the police register

# The query parameter that carries the reader's purpose (never part of what was read).
PURPOSE_PARAM = "purpose"


class PurposeError(ValueError):
    """A purpose the consultation log cannot take as given (the caller's input)."""


def clean_purpose(raw: str | None) -> str | None:
    """The purpose a reader typed, or None (then ``ROUTINE_PURPOSE``); refused when too long
    or not one line of text, so what is logged is what was typed."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > PURPOSE_MAX:
        raise PurposeError(f"{PURPOSE_MAX} caractères au plus.")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 or 0xD800 <= ord(c) < 0xE000 for c in raw):
        raise PurposeError("Une ligne de texte, sans caractère de contrôle.")
    # Invisible format characters (U+200B, the bidirectional overrides...) would log a blank
    # purpose, or make the screen show the text in another order than it was typed.
    if any(unicodedata.category(c) == "Cf" for c in raw):
        raise PurposeError("Du texte lisible, sans caractère invisible ni de mise en forme.")
    if not any(c.isalnum() for c in raw):
        raise PurposeError("Indiquez le motif en toutes lettres.")
    return " ".join(raw.split())


# The query parameters the register's routes read (api/queries.py: lots, police files, lists,
# exports, documents). Any other parameter changes nothing read: it is not logged, so that
# padding a request with junk cannot push what was read out of the record.
REGISTER_READ_FILTERS = frozenset({
    "lot", "ref", "refs", "q", "supplier_id", "kind", "condition", "status", "purchase_from", "purchase_to",
    "has_traces", "date_from", "date_to", "from", "to", "page", "page_size", "legal", "agreement", "withdrawal",
})
FILTER_VALUE_MAX = 100


def read_subject(name: str, uri_params: Mapping[str, Any], query: Mapping[str, Any]) -> str:
    """What a read of the register is logged as: ``name`` with the route's path parameters
    filled (``police_sheet:{ref}`` → ``police_sheet:2612001``), then the filters and page
    the reader asked for, sorted (``lots?page=2&status=in_stock``); the purpose is not one,
    nor any parameter the register's routes do not read (``REGISTER_READ_FILTERS``)."""
    what = name.format(**{k: str(v) for k, v in uri_params.items()})
    filters = sorted((k, str(v)[:FILTER_VALUE_MAX]) for k, v in query.items()
                     if k in REGISTER_READ_FILTERS and v not in (None, ""))
    if filters:
        what += "?" + "&".join(f"{k}={v}" for k, v in filters)
    # what a client sent, as UTF-8 can hold it (a lone surrogate would break the sealed JSON)
    return what[:WHAT_MAX].encode("utf-8", "replace").decode("utf-8")


# ---------------------------------------------------------------- what events say (E1)

# Details kept in the sealed index's summary (listed without reading the vault) up to
# this size of canonical JSON; bigger ones keep their small fields only.
SUMMARY_DETAILS_MAX = 2000
# A closure's purged references are sealed in full up to this size (else their digest).
PURGE_LIST_MAX = 50_000


def plain(value: Any) -> Any:
    """``value`` as sealed content accepts it: floats and decimals as strings, tuples and
    sets as lists, keys as strings (settings come from JSON the client sent)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    return str(value)


def changes(before: Mapping[str, Any], after: Mapping[str, Any], fields: Any = None) -> dict[str, dict[str, Any]]:
    """Each field whose value differs, ``{field: {"from": old, "to": new}}``; nested groups
    (``invoicing``, ``receipt_options``...) field by field, as ``group.field``."""
    found: dict[str, dict[str, Any]] = {}
    names = sorted(set(before) | set(after)) if fields is None else list(fields)
    for name in names:
        old, new = before.get(name), after.get(name)
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            for sub, change in changes(old, new).items():
                found[f"{name}.{sub}"] = change
        elif plain(old) != plain(new):
            found[str(name)] = {"from": plain(old), "to": plain(new)}
    return found


def purge_details(article_refs: list[str], lot_refs: list[str]) -> dict[str, Any]:
    """What a closure deleted, sealed in its event: the sorted references themselves
    when they are small enough, always their count, first, last and SHA-256 (of the
    sorted references joined by newlines), so the list kept in ``purge#`` can be
    checked against the seal."""
    import hashlib
    import json

    articles, lots = sorted(article_refs), sorted(lot_refs)
    details: dict[str, Any] = {}
    for name, refs in (("articles", articles), ("lots", lots)):
        details[name] = {
            "count": len(refs),
            "first": refs[0] if refs else None,
            "last": refs[-1] if refs else None,
            "sha256": hashlib.sha256("\n".join(refs).encode("utf-8")).hexdigest(),
        }
    if len(json.dumps([articles, lots])) <= PURGE_LIST_MAX:
        details["articles"]["refs"] = articles
        details["lots"]["refs"] = lots
    return details


def _small(value: Any, limit: int) -> bool:
    import json

    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"))) <= limit


def event_summary(content: Mapping[str, Any]) -> dict[str, Any]:
    """What the sealed index keeps of an event, to list the log without the vault:
    its kind, time, user, and its details (their small fields when they are big)."""
    details = content.get("details") or {}
    if not isinstance(details, Mapping):
        details = {}
    if not _small(details, SUMMARY_DETAILS_MAX):
        kept = {k: v for k, v in details.items() if _small(v, 200)}
        details = {**kept, "truncated": sorted(k for k in details if k not in kept)}
        if not _small(details, SUMMARY_DETAILS_MAX):
            details = {"truncated": True}
    return {"kind": content.get("event"), "at": content.get("at"), "user": content.get("user"),
            "details": dict(details), "software_version": content.get("software_version")}


def read_in_period(at: str, date_from: date | None, date_to: date | None) -> bool:
    """Whether a consultation made at ``at`` (ISO, aware) falls on the days asked, in the
    dealer's time (Europe/Paris): the log's ``from``/``to`` filters, both days included."""
    day = datetime.fromisoformat(at).astimezone(PARIS).date()
    return (date_from is None or day >= date_from) and (date_to is None or day <= date_to)


def event_filters(raw: Mapping[str, str | None]) -> tuple[dict[str, Any], dict[str, str]]:
    """The event log's filters (``from``, ``to``: days in Paris, ``kind``: one of
    :data:`EVENT_KINDS`) and, per bad one, its French message."""
    from datetime import date

    filters: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name in ("from", "to"):
        value = raw.get(name)
        if value in (None, ""):
            continue
        try:
            filters[name] = date.fromisoformat(str(value))
        except ValueError:
            problems[name] = "Date attendue au format AAAA-MM-JJ."
    if "from" in filters and "to" in filters and filters["from"] > filters["to"]:
        problems["to"] = "La date de fin précède la date de début."
    kind = raw.get("kind")
    if kind not in (None, ""):
        if kind in EVENT_KINDS:
            filters["kind"] = kind
        else:
            problems["kind"] = "Type d'événement inconnu."
    return filters, problems


def event_day(at: str) -> str:
    """The day in Paris of an event's time (the log's filters and screen are French days)."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(at).astimezone(ZoneInfo("Europe/Paris")).date().isoformat()


# ---------------------------------------------------------------- the log in French (E2)
# The same labels as the site's « Consultations du registre » (static-site/js/screens/
# consultations.js), for whoever prints the log (the fiscal archive's consultations.csv).

# A read's ``what`` name (docs/consultations.md) → its French label; ``{}``: its subject.
READ_LABELS: dict[str, str] = {
    "police_files": "Livre de police (liste)",
    "police_file": "Livre de police, enregistrement n° {}",
    "lot_police_files": "Versions scellées du lot {}",
    "police_sheet": "Fiche du livre de police du lot {}",
    "police_sheets": "Fiches du livre de police (PDF)",
    "lots_list_pdf": "Liste des lots (PDF)",
    "lots_csv": "Export des lots (CSV)",
    "lots": "Liste des lots",
    "lot": "Fiche du lot {}",
    "backup": "Sauvegarde {}",
    "closure": "Clôture d'exercice {}",
    "dmet_2093": "Déclaration 2093 de {}",
    "archive": "Archive fiscale {}",
    "inspector_login": "Connexion de l'inspecteur (code d'accès)",
    "contract": "Contrat d'achat du lot {}",
    "suppliers": "Liste des fournisseurs",
    "supplier": "Fiche du fournisseur {}",
    "suppliers_csv": "Export des fournisseurs (CSV)",
    "media": "Pièces jointes ({})",
    "purchases_by_supplier": "Achats par fournisseur",
}

# An inspector's request line ``<METHOD> /api/<path>``: the screen or document asked for.
ROUTE_LABELS: tuple[tuple[str, str], ...] = (
    (r"/me", "Ouverture de la session (profil)"),
    (r"/compliance/police-files", "Livre de police (liste)"),
    (r"/compliance/police-files/([^/]+)", "Livre de police, enregistrement n° {}"),
    (r"/lots/police-sheets\.pdf", "Fiches du livre de police (PDF)"),
    (r"/lots/list\.pdf", "Liste des lots (PDF)"),
    (r"/lots/export\.csv", "Export des lots (CSV)"),
    (r"/lots/([^/]+)/police-files", "Versions scellées du lot {}"),
    (r"/lots/([^/]+)/police-sheet\.pdf", "Fiche du livre de police du lot {}"),
    (r"/lots", "Liste des lots"),
    (r"/lots/([^/]+)", "Fiche du lot {}"),
    (r"/compliance/receipts", "Tickets de caisse scellés (liste)"),
    (r"/compliance/receipts/([^/]+)", "Ticket de caisse n° {}"),
    (r"/compliance/training-receipts", "Tickets fictifs du mode formation (liste)"),
    (r"/compliance/closings", "Clôtures de caisse (liste)"),
    (r"/compliance/closings/([^/]+?)(?:\.pdf)?", "Clôture de caisse n° {}"),
    (r"/compliance/events", "Journal des événements"),
    (r"/compliance/consultations", "Consultations du registre"),
    (r"/compliance/archives", "Archives fiscales (liste)"),
    (r"/compliance/archives/([^/]+)", "Archive fiscale {}"),
    (r"/compliance/verify", "Vérification du coffre"),
    (r"/compliance/sealing", "État du scellement"),
    (r"/compliance/inspections", "Rapports d'inspection"),
    (r"/articles", "Articles"),
    (r"/articles/([^/]+)", "Article {}"),
    (r"/actions/sell", "Vente d'articles"),
    (r"/actions/([^/]+)", "Action « {} » sur des articles"),
)
VERB_LABELS = {"GET": "Lecture", "HEAD": "Lecture", "POST": "Envoi", "PUT": "Modification", "PATCH": "Modification",
               "DELETE": "Suppression"}
ACCESS_LABELS = {REGISTER_READ: "Lecture du registre", ACCESS: "Autre accès"}


def service_label(service: str | None) -> str:
    """The inspector's service as the log names it: the short name of ``domain/inspector.py``'s table."""
    return inspector_service_label(service, short=True)


def describe_consultation(what: str) -> str:
    """A consultation's ``what`` in French: « Fiche du lot 2612001 », « Lecture : Livre de
    police (liste) » for an inspector's request; the filters follow (« — filtres : page=2 »)."""
    import re
    from urllib.parse import unquote

    request = re.fullmatch(r"(GET|HEAD|POST|PUT|PATCH|DELETE) (\S+)", what or "")
    if request:
        method, target = request.groups()
        path, _, filters = target.partition("?")
        bare = path[4:] if path.startswith("/api/") else path
        if method == "POST" and bare == "/compliance/inspections":
            label = "Dépôt du rapport d'inspection"
        else:
            found = next(((m, text) for pattern, text in ROUTE_LABELS if (m := re.fullmatch(pattern, bare))), None)
            label = (f"{VERB_LABELS.get(method, method)} : "
                     + (found[1].replace("{}", unquote(found[0].group(1) or "") if found[0].groups() else "")
                        if found else f"autre page ({path})"))
        filters = unquote(filters)
    else:
        head, _, filters = (what or "").partition("?")
        name, _, subject = head.partition(":")
        label = READ_LABELS[name].replace("{}", subject) if name in READ_LABELS else head
    return label + (f" — filtres : {', '.join(filters.split('&'))}" if filters else "")


def describe_access(summary: Mapping[str, Any]) -> str:
    """« Lecture du registre » or « Autre accès », « — refusée » when it was."""
    return ACCESS_LABELS[consultation_access(summary)] + (" — refusée" if summary.get("refused") else "")
