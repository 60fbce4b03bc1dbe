"""Fiscal archives' pure rules and the standalone verifier on an archive slice
(the worked example of docs/sealing.md: its second record alone, vouched by the manifest)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain import fiscal_archive as fa
from chalicelib.verifier import lotbook_verify as verifier

DOC = Path(__file__).resolve().parents[2] / "docs" / "sealing.md"


def _example(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    return str(dict(re.findall(r"<!-- example ([a-z0-9-]+) -->\n```[a-z]*\n(.*?)\n```", text, flags=re.S))[name])


def test_periods_are_a_month_or_a_fiscal_year_and_their_records_are_chosen_by_chain() -> None:
    month, year = fa.parse_period("2026-11"), fa.parse_period("2026")
    assert (month.kind, month.label, year.kind, year.label) == ("monthly", "novembre 2026", "yearly", "exercice 2026")
    for bad in ("2026-13", "2026-1", "11-2026", "26", "", None, 2026):
        with pytest.raises(fa.PeriodError, match="AAAA-MM"):
            fa.parse_period(bad)
    # A closing by the period it closes; anything else by its sealing day in Paris.
    assert fa.in_period(month, "closing", "2026-12-01T00:10:00+00:00", {"period": "2026-11"})
    assert fa.in_period(month, "closing", "2026-11-02T00:10:00+00:00", {"period": "2026-11-01"})
    assert not fa.in_period(month, "closing", "2026-11-01T00:10:00+00:00", {"period": "2026-10"})
    assert fa.in_period(year, "closing", "2027-01-01T00:10:00+00:00", {"period": "2026"})
    assert fa.in_period(month, "receipt", "2026-11-30T23:30:00+00:00", None) is False  # 00:30 in Paris, Dec 1
    assert fa.in_period(month, "event", "2026-10-31T23:30:00+00:00", None)  # 00:30 in Paris, Nov 1
    assert fa.slice_of([7, 3, 5]) == (3, 7) and fa.slice_of([]) is None


def _archive(prev: str) -> dict[str, bytes]:
    second = _example("record-2-canonical").encode("utf-8")
    files = {"police_register/0000000002.json": second}
    files.update(fa.render_csv_files({"police_register": [(json.loads(second), hashlib.sha256(second).hexdigest())]}))
    slices = [fa.ChainSlice("police_register", 2, 2, prev, hashlib.sha256(second).hexdigest())]
    manifest = fa.manifest(fa.parse_period("2024-05"), {"company_name": "Antiquités Lefèvre", "siren": "123456789"},
                           "2024-06-01T00:00:00+00:00", "test", slices, files)
    return {**files, fa.MANIFEST: manifest}


def test_a_slice_verifies_from_the_manifests_previous_hash_and_nothing_else() -> None:
    good = verifier.verify_archive(_archive(_example("record-1-sha256")))
    assert good.ok and good.files_checked == 7 and good.verdict == "unchecked"  # the record and six CSV files
    assert [(r.chain, r.first_rank, r.head_rank, r.checked) for r in good.chains] == [("police_register", 2, 2, 1)]

    wrong = verifier.verify_archive(_archive("0" * 64))
    assert not wrong.ok and wrong.problems == []
    first_break = wrong.chains[0].broken
    assert first_break is not None and (first_break.rank, first_break.reason) == (2, "broken_link")

    files = _archive(_example("record-1-sha256"))
    sealed = hashlib.sha256(files[fa.MANIFEST]).hexdigest()
    assert verifier.verify_archive(files, sealed).ok and verifier.verify_archive(files, sealed).verdict == "intact"
    extra = {**files, "notes.txt": b"ajout"}
    assert [(p.name, p.reason) for p in verifier.verify_archive(extra).problems] == [("notes.txt", "file_unlisted")]
    renamed = {**files, fa.MANIFEST: files[fa.MANIFEST].replace("Lefèvre".encode(), b"Lefevre")}
    assert verifier.verify_archive(renamed).ok  # consistent by itself...
    assert [p.reason for p in verifier.verify_archive(renamed, sealed).problems] == ["manifest_mismatch"]
    broken = {**files, fa.MANIFEST: b"{"}
    assert [p.reason for p in verifier.verify_archive(broken).problems] == ["manifest_unreadable"]
    listed = json.loads(files[fa.MANIFEST])
    assert [f["name"] for f in listed["files"]] == [
        "closings.csv", "consultations.csv", "events.csv", "police_register.csv", "police_register/0000000002.json",
        "receipt_lines.csv", "receipts.csv"]


def _rewrite_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    """A forger's manifest: every listed file's size and SHA-256 recomputed."""
    listed = json.loads(files[fa.MANIFEST])
    for entry in listed["files"]:
        entry["sha256"], entry["size"] = hashlib.sha256(files[entry["name"]]).hexdigest(), len(files[entry["name"]])
    return {**files, fa.MANIFEST: json.dumps(listed, indent=2).encode()}


def test_a_csv_changed_with_its_manifest_rewritten_no_longer_matches_its_sealed_records() -> None:
    files = _archive(_example("record-1-sha256"))
    register = files["police_register.csv"].decode()
    header, row = register.split("\r\n")[:2]
    forged_row = row.replace("Commode Louis XV", "Commode Louis XVI")
    assert forged_row != row
    forged = _rewrite_manifest({**files, "police_register.csv": register.replace(row, forged_row).encode()})
    report = verifier.verify_archive(forged)
    assert not report.ok and report.verdict == "altered"
    [problem] = report.problems
    assert (problem.name, problem.reason, problem.line) == ("police_register.csv", "csv_mismatch", 2)
    assert problem.expected == row  # the line the sealed record gives
    text = verifier._archive_text("forged.zip", report)
    assert "police_register.csv (csv_mismatch)" in text and "première ligne différente" in text
    assert "intègre" not in text

    # A CSV dropped, with the manifest adjusted: every archive has all of them.
    dropped = {k: v for k, v in files.items() if k != "consultations.csv"}
    listed = json.loads(files[fa.MANIFEST])
    listed["files"] = [f for f in listed["files"] if f["name"] != "consultations.csv"]
    dropped[fa.MANIFEST] = json.dumps(listed).encode()
    assert [(p.name, p.reason) for p in verifier.verify_archive(dropped).problems] == [
        ("consultations.csv", "file_missing")]


def test_without_the_sealed_manifest_hash_the_verifier_never_says_intact_and_exits_3(tmp_path: Path) -> None:
    import zipfile

    files = _archive(_example("record-1-sha256"))
    path = tmp_path / "lotbook-archive-fiscale-2024-05.zip"
    with zipfile.ZipFile(path, "w") as out:
        for name, data in files.items():
            out.writestr(name, data)
    sealed = hashlib.sha256(files[fa.MANIFEST]).hexdigest()
    import contextlib
    import io

    def run(*args: str) -> tuple[int, str]:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            code = verifier.main([*args, str(path)])
        return code, buffer.getvalue()

    code, text = run()
    assert code == verifier.UNCHECKED == 3
    assert "intègre" not in text and "non vérifié contre l'empreinte scellée" in text and sealed in text
    assert "Archive fiscale constituée" in text
    code, text = run("--manifest-sha256", sealed)
    assert code == 0 and "l'archive est intègre" in text
    code, text = run("--manifest-sha256", "0" * 64)
    assert code == 1 and "intègre" not in text
    code, text = run("--json")
    assert code == 3 and json.loads(text)["verdict"] == "unchecked"


def _envelope(chain: str, rank: int, kind: str, content: dict[str, Any]) -> tuple[dict[str, Any], str]:
    return ({"chain": chain, "rank": rank, "kind": kind, "sealed_at": "2026-11-03T09:00:00+00:00",
             "prev_sha256": "0" * 64, "content": content, "format": "lotbook-seal/1"}, f"{rank:064d}")


def _rows(data: bytes) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter="|"))


def test_the_police_register_csv_holds_every_identity_field_the_sealed_version_holds() -> None:
    seller = {"title": "M", "last_name": "Lefèvre", "birth_name": "Durand", "first_names": "Jean Paul",
              "company_name": "Lefèvre SARL", "siret": "12345678900011", "address_complement": "Bât. B",
              "street_number": "3", "street_index": "bis", "street_type": "rue", "street_name": "des Tanneurs",
              "postcode": "54000", "city": "Nancy", "country": "BE", "birth_date": "1970-02-01",
              "birth_city": "Metz", "birth_department": "57", "birth_insee": "57463", "id_document_type": "CNI",
              "id_document_number": "880254301234", "id_document_date": "2018-06-11",
              "id_document_authority": "Préfecture de Meurthe-et-Moselle", "phone": "0600000000",
              "email": "j@example.fr", "nickname": "Jeannot"}
    content = {"event": "lot_committed", "version": 1, "at": "2026-11-03T09:00:00+00:00", "by": "g@x.fr",
               "reason": None, "seller": seller,
               "lot": {"ref": "2026001", "kind": "purchase", "status": "committed", "purchase_date": "2026-11-03",
                       "purchase_price": "30.00", "price_incl_tmp": None, "payment_method": "cheque",
                       "condition": "used"},
               "articles": [{"ref": "2026001001", "description": "Bague", "family": "Bijoux", "weight_g": "3.2",
                             "fineness": "750", "serial": None, "purchase_price": "30.00", "reserve_price": None,
                             "status": "sold"}]}
    [row] = _rows(fa.render_csv_files({"police_register": [_envelope("police_register", 1, "lot_committed",
                                                                      content)]})["police_register.csv"])
    shown = {header: value for header, value in row.items() if header.startswith("Vendeur : ")}
    for key, header in verifier.SELLER_FIELDS:
        assert shown[f"Vendeur : {header}"] == seller[key], key
    assert json.loads(shown["Vendeur : autres champs"]) == {"nickname": "Jeannot"}  # nothing sealed is dropped
    assert (row["Mode de paiement"], row["Statut de l'article"], row["Nature du lot"]) == ("chèque", "vendu", "achat")


def test_receipts_csv_gives_vat_per_rate_lines_running_totals_and_a_refund_by_the_sales_method() -> None:
    sale = {"ticket_number": "01-00000001", "register": "01", "at": "2026-11-03T10:00+0100",
            "transaction_ref": "T1", "invoice_number": "F1", "total": "150.00",
            "lines": [{"ref": "A1", "label": "Bague", "quantity": 1, "unit_price": "100.00",
                       "total_excl_vat": "96.58", "vat_rate": "normal", "vat_rate_percent": "20.00", "vat": "3.42"},
                      {"ref": "A2", "label": "Livre", "quantity": 1, "unit_price": "50.00",
                       "total_excl_vat": "47.39", "vat_rate": "reduced", "vat_rate_percent": "5.500",
                       "vat": "2.61"}],
            "vat": {"normal": {"base": "96.58", "vat": "3.42"}, "reduced": {"base": "47.39", "vat": "2.61"}},
            "payment": {"method": "card", "amount": "150.00"},
            "running_totals": {"day": "2026-11-03", "day_total": "150.00", "period": "2026",
                               "period_total": "1150.00", "perpetual_total": "5150.00"}}
    refund = {"ticket_number": "01-00000002", "register": "01", "at": "2026-11-03T11:00+0100",
              "kind": "customer_return", "reason": "Ne convient pas", "refunds": ["01-00000001"],
              "credit_notes": ["AV-000001"], "total": "-100.00",
              "lines": [{"ref": "A1", "label": "Bague", "quantity": 1, "unit_price": "-100.00",
                         "total_excl_vat": "-96.58", "vat_rate": "normal", "vat_rate_percent": "20.00",
                         "vat": "-3.42"}],
              "payment": {"method": "refund", "amount": "-100.00"},
              "running_totals": {"day": "2026-11-03", "day_total": "50.00", "period": "2026",
                                 "period_total": "1050.00", "perpetual_total": "5050.00"}}
    records = [_envelope("receipt", 1, "sale", sale), _envelope("receipt", 2, "sale_return", refund)]
    files = fa.render_csv_files({"receipt": records})
    first, second = _rows(files["receipts.csv"])
    assert (first["Dont TVA"], first["Base HT taux normal"], first["TVA taux réduit"]) == ("6.03", "96.58", "2.61")
    assert first["Paiement"] == "carte 150.00"
    assert (first["Total du jour"], first["Total de l'exercice"], first["Grand total perpétuel"]) == (
        "150.00", "1150.00", "5150.00")
    assert second["Dont TVA"] == "-3.42" and second["TVA taux normal"] == "-3.42" and second["TVA taux réduit"] == ""
    assert second["Paiement"] == "carte -100.00"  # given back by the sale's method, as the closing books it
    assert (second["Tickets remboursés"], second["Avoirs"], second["Motif"]) == (
        "01-00000001", "AV-000001", "Ne convient pas")
    lines = _rows(files["receipt_lines.csv"])
    assert [(r["Numéro de ticket"], r["Article"], r["Prix unitaire TTC"], r["Taux de TVA"], r["TVA"])
            for r in lines] == [("01-00000001", "A1", "100.00", "taux normal", "3.42"),
                                ("01-00000001", "A2", "50.00", "taux réduit", "2.61"),
                                ("01-00000002", "A1", "-100.00", "taux normal", "-3.42")]
    # Alone in an archive (its sale in an earlier month), the refund says what it knows.
    [alone] = _rows(fa.render_csv_files({"receipt": records[1:]})["receipts.csv"])
    assert alone["Paiement"] == "remboursement -100.00"

    closing = {"closing_number": "01-M-2026-11", "kind": "monthly", "period": "2026-11", "tickets": 2,
               "period_total": "50.00", "by_vat_rate": {"normal": {"total": "0.00", "total_excl_vat": "0.00",
                                                                  "vat": "0.00"},
                                                       "reduced": {"total": "50.00", "total_excl_vat": "47.39",
                                                                   "vat": "2.61"}},
               "by_payment_method": {"card": "50.00"}}
    [row] = _rows(fa.render_csv_files({"closing": [_envelope("closing", 1, "closing", closing)]})["closings.csv"])
    assert (row["Type"], row["TVA taux réduit"], row["Base HT taux réduit"], row["Encaissé carte"]) == (
        "Mensuelle", "2.61", "47.39", "50.00")


def test_a_ticket_belongs_to_the_month_of_its_own_date_as_its_closing_counts_it() -> None:
    month = fa.parse_period("2026-11")
    # 23:59 on 30 November in Paris, sealed after midnight: November's, like its closing.
    summary = {"at": "2026-11-30T23:59+0100", "ticket_number": "01-00000009"}
    assert fa.in_period(month, "receipt", "2026-11-30T23:00:05+00:00", summary)
    assert not fa.in_period(fa.parse_period("2026-12"), "receipt", "2026-11-30T23:00:05+00:00", summary)
    assert fa.in_period(month, "receipt", "2026-11-30T22:00:00+00:00", None)  # no date kept: its sealing day
