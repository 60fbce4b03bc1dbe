"""The till: scan, sell, the receipt; the phone layout; a consignment lot bought
from its owner, then sold."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.helpers import Shop, shoot, sign_in
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def scan(page: Page, ref: str) -> None:
    """What a barcode scanner does: type the reference, then Enter."""
    field = page.get_by_label("Scanner ou saisir une référence")
    expect(field).to_be_focused()
    page.keyboard.type(ref)
    page.keyboard.press("Enter")


def test_two_scanned_articles_are_sold_and_the_receipt_opens(page: Page, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    committed = shop.lot([{"description": "Lampe bouillotte", "purchase_price": "20.00", "label_price": "45.00"},
                          {"description": "Horloge comtoise", "purchase_price": "40.00", "label_price": "90.00"},
                          {"description": "Vase Gallé", "purchase_price": "60.00", "label_price": "300.00"}])
    first, second, third = (a["ref"] for a in committed["articles"])
    sign_in(page, shop.email)

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Sélection").click()
    expect(page.get_by_text("La sélection est vide")).to_be_visible()
    scan(page, first)
    expect(page.locator(".scan-ok")).to_contain_text(f"{first} — Lampe bouillotte")
    scan(page, second)
    expect(page.locator(".scan-ok")).to_contain_text(f"{second} — Horloge comtoise")
    expect(page.locator("#selection-count")).to_have_text("2")
    scan(page, "9999999999")
    expect(page.locator(".scan-error")).to_contain_text("Aucun article ne porte la référence 9999999999")
    selected = page.get_by_role("table", name="Articles sélectionnés")
    expect(selected).to_contain_text(first)
    expect(selected).to_contain_text(second)
    expect(selected).not_to_contain_text(third)
    shoot(page, "20-selection-scannee")

    page.get_by_label("Action groupée", exact=True).select_option(label="Vendre")
    page.get_by_role("button", name="Appliquer à la sélection").click()
    sell = page.get_by_role("dialog", name="Vendre — sélection")
    sell.get_by_label("Moyen de paiement").select_option(label="Espèces")
    sell.get_by_label(f"Prix de vente (€) — {second}").fill("80")
    sell.get_by_role("button", name="Vendre (2)").click()
    result = sell.locator(".sale-result")
    expect(result).to_contain_text("125,00 €")  # the API's total: 45.00 + 80.00
    shoot(page, "21-vente")

    sell.get_by_role("link", name="Voir le ticket de caisse").click()
    receipt = page.locator(".receipt")
    expect(receipt).to_contain_text("Ticket n° 01-")
    expect(receipt).to_contain_text("Lampe bouillotte")
    expect(receipt).to_contain_text("Horloge comtoise")
    expect(receipt.locator(".receipt-total")).to_have_text("125,00 €")
    expect(receipt).to_contain_text("Espèces")
    # used goods (margin scheme): no excl.-VAT column, no VAT amount, the mention instead (art. 297 E CGI)
    expect(receipt.locator(".receipt-mention")).to_have_text(
        ["Régime particulier – Biens d'occasion – TVA sur marge, art. 297 A du C.G.I."])
    expect(receipt.get_by_role("columnheader", name="HT")).to_have_count(0)
    expect(receipt.locator("dl.summary")).not_to_contain_text("TVA")
    expect(page.get_by_role("button", name="Imprimer le ticket")).to_be_visible()
    shoot(page, "22-ticket")

    page.goto("/#/articles?status=sold")
    found = page.get_by_role("table", name="Articles trouvés")
    expect(found.get_by_role("row")).to_have_count(3)
    expect(page.locator(".tag")).to_have_text(["Statut : Vendu✕"])
    page.get_by_role("button", name="Retirer le filtre Statut").click()
    expect(found).to_contain_text(third)
    assert "status=" not in page.url

    # all results of the search into the selection, then reset
    page.get_by_role("button", name="Vider la sélection").click()
    expect(page.locator("#selection-count")).to_have_text("0")
    page.get_by_label("Désignation contient").fill("vase")
    page.get_by_role("button", name="Chercher", exact=True).click()
    expect(page.locator(".tag")).to_have_text(["Désignation contient : vase✕"])
    expect(page.locator(".results-count")).to_have_text("1 article(s) trouvé(s)")
    page.get_by_role("button", name="Sélectionner tous les résultats").click()
    expect(page.locator("#selection-count")).to_have_text("1")
    expect(found.get_by_role("checkbox", name=f"Sélectionner l'article {third}")).to_be_checked()

    # the filters survive a visit elsewhere (this tab's session), the columns a reload (this device)
    page.goto("/#/lots")
    page.goto("/#/articles")
    expect(page.locator(".tag")).to_have_text(["Désignation contient : vase✕"])
    page.locator("summary", has_text="Colonnes affichées").click()
    page.get_by_label("Lot", exact=True).check()
    expect(found.get_by_role("columnheader", name="Lot")).to_be_visible()
    page.reload()
    expect(page.get_by_role("table", name="Articles trouvés").get_by_role("columnheader", name="Lot")).to_be_visible()

    page.get_by_role("button", name="Synthèse (Σ) des articles filtrés").click()
    summary = page.get_by_role("dialog", name="Σ Synthèse des articles filtrés")
    expect(summary).to_contain_text("Total des achats")
    expect(summary).to_contain_text("60,00 €")  # the API's purchase total of the one filtered article
    summary.get_by_role("button", name="Fermer").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter (CSV)").click()
    assert download.value.suggested_filename == "lotbook-articles.csv"
    assert "Vase Gallé" in download.value.path().read_text(encoding="utf-8")


def test_on_a_phone_only_the_sale_is_offered(phone: Page, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    committed = shop.lot([{"description": "Chope en étain", "purchase_price": "5.00", "label_price": "25.00"},
                          {"description": "Miroir de sorcière", "purchase_price": "30.00", "label_price": "120.00"}])
    ref = committed["articles"][1]["ref"]
    cashier = shop.user("shop")
    sign_in(phone, cashier)

    menu = phone.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("link")).to_have_text(["Accueil", "Articles", "Sélection"])
    phone.goto("/#/saisie")
    expect(phone.get_by_role("alert")).to_contain_text("pas disponible sur téléphone")
    phone.goto("/#/utilisateurs")
    expect(phone.get_by_role("alert")).to_be_visible()

    phone.goto("/#/articles")
    cards = phone.get_by_role("list", name="Articles")
    card = cards.get_by_role("listitem").filter(has_text=ref)
    expect(card.locator(".thumb")).to_be_visible()
    expect(card).to_contain_text("Miroir de sorcière")
    expect(card).to_contain_text("En stock")
    expect(phone.get_by_label("Action groupée", exact=True)).to_have_count(0)
    expect(phone.locator("[data-action]")).to_have_count(1)
    expect(phone.get_by_role("link", name="Exporter (CSV)")).to_have_count(0)
    expect(phone.get_by_text("Recherche / filtres")).to_have_count(0)
    card.get_by_role("checkbox").tap()
    expect(phone.locator("#selection-count")).to_have_text("1")
    shoot(phone, "30-telephone-articles")

    phone.get_by_role("button", name="Vendre la sélection").tap()
    sell = phone.get_by_role("dialog", name="Vendre — sélection")
    sell.get_by_label("Moyen de paiement").select_option(label="Carte bancaire")
    shoot(phone, "31-telephone-vente", full_page=False)
    sell.get_by_role("button", name="Vendre (1)").tap()
    expect(sell.locator(".sale-result")).to_contain_text("120,00 €")
    expect(sell.get_by_role("link", name="Facture (PDF)")).to_have_count(0)
    sell.get_by_role("link", name="Voir le ticket de caisse").tap()
    expect(phone.locator(".receipt-total")).to_have_text("120,00 €")
    expect(phone.locator(".receipt-mention")).to_contain_text(["Régime particulier – Biens d'occasion"])
    expect(phone.locator(".receipt")).not_to_contain_text("TVA Normal")
    expect(phone.get_by_role("button", name="Imprimer le ticket")).to_have_count(0)
    shoot(phone, "32-telephone-ticket")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the phone layout scrolls sideways: {width}px"


def test_a_consignment_lot_is_bought_from_its_owner_then_sold(page: Page, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    shop.draft([{"description": "Secrétaire en acajou", "reserve_price": "800.00", "label_price": "1500.00"}],
               purchase_date="2024-05-06")
    sign_in(page, shop.email)

    page.goto("/#/saisie")
    expect(page.get_by_role("heading", name="Articles déjà saisis (1)")).to_be_visible()
    page.get_by_role("button", name="Enregistrer le lot en confié").click()
    # consignment lots carry a C: year of activity 10, May, first consignment lot
    expect(page.get_by_role("heading", name="Lot 1005C001")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Confié")
    consigned = "1005C001001"
    expect(page.get_by_role("table", name="Articles du lot 1005C001")).to_contain_text("En confié")

    page.goto("/#/articles?status=consigned")
    row = page.get_by_role("row").filter(has_text=consigned)
    row.get_by_role("checkbox").check()
    expect(page.locator("#selection-count")).to_have_text("1")
    page.get_by_label("Action groupée", exact=True).select_option(label="Acheter les articles en confié")
    page.get_by_role("button", name="Appliquer à la sélection").click()
    buy = page.get_by_role("dialog", name="Acheter les articles en confié — sélection")
    expect(buy.get_by_label(f"Prix d'achat (€) — {consigned}")).to_have_attribute("placeholder", "800.00")
    buy.get_by_role("button", name="Acheter les articles en confié (1)").click()
    expect(buy.get_by_role("alert")).to_contain_text("c'est fait")
    buy.get_by_role("button", name="Fermer").first.click()

    # the old label still scans: the API finds the article under its new reference
    page.goto("/#/selection")
    page.get_by_role("button", name="Vider la sélection").click()
    expect(page.get_by_text("La sélection est vide")).to_be_visible()
    page.get_by_label("Scanner ou saisir une référence").focus()
    scan(page, consigned)
    ok = page.locator(".scan-ok")
    expect(ok).to_contain_text("Secrétaire en acajou (En stock)")
    new_ref = ok.inner_text().split("✓")[-1].strip().split(" ")[0]
    assert new_ref != consigned and "C" not in new_ref

    page.get_by_label("Action groupée", exact=True).select_option(label="Vendre")
    page.get_by_role("button", name="Appliquer à la sélection").click()
    sell = page.get_by_role("dialog", name="Vendre — sélection")
    sell.get_by_label("Moyen de paiement").select_option(label="Chèque")
    sell.get_by_label("Client (facultatif)").select_option(label="Garnier Claire")
    sell.get_by_role("button", name="Vendre (1)").click()
    expect(sell.locator(".sale-result")).to_contain_text("1500,00 €")
    sell.get_by_role("link", name="Voir le ticket de caisse").click()
    expect(page.locator(".receipt")).to_contain_text("Client : Garnier Claire")

    page.goto(f"/#/articles/{new_ref}")
    expect(page.locator(".facts")).to_contain_text("Vendu")
    expect(page.get_by_role("table", name="Historique de l'article")).to_contain_text("Vente")
    shoot(page, "23-confie-rachete-vendu")


def test_a_family_s_margin_category_is_chosen_and_shown(page: Page, stack: RunningStack) -> None:
    """Its mention on margin-scheme invoices and receipts (art. 242 nonies A annexe II CGI)."""
    shop = Shop(stack.api())
    sign_in(page, shop.email)
    page.goto("/#/familles")
    families = page.locator("table")
    expect(families.locator("tr", has_text="Mobilier")).to_contain_text("Biens d'occasion")
    page.get_by_label("Libellé").fill("Tableaux")
    page.get_by_label("Régime de la marge (mention sur factures et tickets)").select_option(label="Objets d'art")
    page.get_by_role("button", name="Ajouter la famille").click()
    expect(families.locator("tr", has_text="Tableaux")).to_contain_text("Objets d'art")
    page.get_by_role("button", name="Modifier Mobilier").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Régime de la marge (mention sur factures et tickets)").select_option(
        label="Objets de collection et d'antiquité")
    dialog.get_by_role("button", name="Enregistrer").click()
    expect(families.locator("tr", has_text="Mobilier")).to_contain_text("Objets de collection et d'antiquité")
    assert shop.api.get(f"/api/families/{shop.furniture}").body["margin_category"] == "collection_antique"


def test_a_customer_return_offers_the_credit_note_and_the_refund_ticket(page: Page, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    (article,) = shop.lot([{"description": "Bougeoir en laiton", "purchase_price": "8.00",
                            "label_price": "30.00"}])["articles"]
    ref = article["ref"]
    sold = shop.api.post("/api/actions/sell", {"refs": [ref], "date": "2024-03-15", "payment_method": "card"})
    assert sold.status == 200, sold.body
    assert shop.api.post("/api/selection/add", {"refs": [ref]}).status == 200
    sign_in(page, shop.email)
    page.goto("/#/selection")
    page.get_by_label("Action groupée", exact=True).select_option(label="Retour client (remise en stock)")
    page.get_by_role("button", name="Appliquer à la sélection").click()
    dialog = page.get_by_role("dialog", name="Retour client (remise en stock) — sélection")
    dialog.get_by_label("Date").fill("2024-03-16")
    dialog.get_by_label("Motif").fill("Fêlure au pied")
    dialog.get_by_role("button", name=re.compile(r"^Retour client \(remise en stock\) \(")).click()
    expect(dialog).to_contain_text("Avoir n° ")
    ticket = dialog.get_by_role("link", name="Ticket de remboursement (PDF)")
    expect(ticket).to_have_attribute("data-document", re.compile(r"^/sales/.+/receipt\.pdf$"))
    expect(dialog.get_by_role("link", name="Avoir (PDF)")).to_be_visible()
