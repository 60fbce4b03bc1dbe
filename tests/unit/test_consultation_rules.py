"""The consultation log's pure rules (domain/audit.py): what a read is logged as, the
purpose a reader may give, the days a read falls on."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chalicelib.domain import audit, inspector


def test_what_names_the_route_its_subject_then_the_filters_sorted_without_the_purpose() -> None:
    assert audit.read_subject("police_sheet:{ref}", {"ref": "2612001"}, {}) == "police_sheet:2612001"
    assert audit.read_subject("police_files", {}, {"date_to": "2026-11-30", "date_from": "2026-11-01",
                                                   "purpose": "Contrôle", "lot": ""}) == (
        "police_files?date_from=2026-11-01&date_to=2026-11-30")
    assert audit.read_subject("lots", {}, {"q": "x" * 500}) == "lots?q=" + "x" * audit.FILTER_VALUE_MAX


def test_junk_parameters_cannot_push_what_was_read_out_of_the_record() -> None:
    # a reader pads the request with parameters no register route reads: the lot stays named
    padded = {"aaaa": "x" * 190, **{f"a{i}": "y" * 90 for i in range(40)}, "lot": "1211001"}
    assert audit.read_subject("police_files", {}, padded) == "police_files?lot=1211001"
    assert audit.read_subject("lot:{ref}", {"ref": "12\udc80"}, {}) == "lot:12?"  # never breaks the sealed JSON


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_no_purpose_is_routine_management(raw: str | None) -> None:
    assert audit.clean_purpose(raw) is None
    content = audit.consultation_content(datetime.now(audit.PARIS), "a@b.fr", "lots", audit.clean_purpose(raw))
    assert content["purpose"] == audit.ROUTINE_PURPOSE == "Gestion courante"


@pytest.mark.parametrize("raw", ["x" * 201, "deux\nlignes", "tab\tulation", "a\x85b", "a\ud800",
                                 "\u202e", "\u200b", "contr\u202eôle", "...", "- / -"])
def test_a_purpose_too_long_or_not_one_line_of_text_is_refused(raw: str) -> None:
    with pytest.raises(audit.PurposeError):
        audit.clean_purpose(raw)


def test_a_purpose_keeps_its_words_and_accents() -> None:
    assert audit.clean_purpose("  Réquisition   OPJ n° 12 ") == "Réquisition OPJ n° 12"


def test_a_read_falls_on_the_dealers_day_in_paris() -> None:
    late = "2026-11-30T23:30:00+00:00"  # 1 December, 00:30 in Paris
    assert audit.read_in_period(late, date(2026, 12, 1), date(2026, 12, 1))
    assert not audit.read_in_period(late, None, date(2026, 11, 30))
    assert audit.read_in_period(late, None, None)


def test_an_inspector_request_is_sealed_as_a_read_of_the_register_or_another_access_refused_or_not() -> None:
    from datetime import UTC

    at = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    staff = audit.consultation_content(at, "gerant@example.fr", "lot:2612001", None)
    assert "access" not in staff and audit.consultation_access(staff) == audit.REGISTER_READ
    login = audit.consultation_content(at, "i@x", "inspector_login", "Contrôle")
    assert audit.consultation_access(login) == audit.ACCESS  # records written before the field
    refused = audit.consultation_content(at, "i@x", "POST /api/actions/sell", "Contrôle", access=audit.ACCESS,
                                         refused=True)
    assert (refused["access"], refused["refused"]) == ("access", True)
    read = audit.consultation_content(at, "i@x", "GET /api/lots", "Contrôle", access=audit.REGISTER_READ)
    assert (audit.consultation_access(read), read["refused"]) == ("register_read", False)
    with pytest.raises(audit.AuditError):
        audit.consultation_content(at, "i@x", "GET /api/lots", None, access="other")


def test_the_log_reads_in_french_for_an_inspector_every_what_and_service() -> None:
    assert audit.describe_consultation("lot:2612001") == "Fiche du lot 2612001"
    assert audit.describe_consultation("lots_csv?status=stock") == "Export des lots (CSV) — filtres : status=stock"
    assert audit.describe_consultation("inspector_login") == "Connexion de l'inspecteur (code d'accès)"
    assert audit.describe_consultation("GET /api/compliance/police-files?page=1") == (
        "Lecture : Livre de police (liste) — filtres : page=1")
    assert audit.describe_consultation("GET /api/lots/2612001/police-sheet.pdf") == (
        "Lecture : Fiche du livre de police du lot 2612001")
    assert audit.describe_consultation("GET /api/compliance/archives/2026-12") == "Lecture : Archive fiscale 2026-12"
    assert audit.describe_consultation("POST /api/actions/sell") == "Envoi : Vente d'articles"
    assert audit.describe_consultation("POST /api/compliance/inspections") == "Dépôt du rapport d'inspection"
    assert audit.describe_consultation("GET /api/elsewhere") == "Lecture : autre page (/api/elsewhere)"
    assert [audit.service_label(s) for s in ("police", "gendarmerie", "dgfip", "dgccrf")] == [
        "Police nationale", "Gendarmerie nationale", "DGFiP", "DGCCRF"]
    # the short names are the one table's labels without their parenthesis (domain/inspector.py)
    assert audit.service_label("dgfip") == "DGFiP" and inspector.SERVICES["dgfip"] == "DGFiP (Finances publiques)"
    assert audit.service_label("Gendarmerie de Toul") == "Gendarmerie de Toul"  # an old record's free text
    assert audit.describe_access({"what": "GET /api/articles", "access": "access", "refused": True}) == (
        "Autre accès — refusée")
    assert audit.describe_access({"what": "lot:1"}) == "Lecture du registre"
