"""The purchase desk in a browser: signup, a supplier, a draft lot by hand and by
CSV file, the commit and the lot page; French messages beside the fields; the
weight of the first load."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser.helpers import ARTIFACTS, COMPLETE_SELLER, DESKTOP, Shop, shoot, sign_in, unique_email
from tests.e2e.conftest import RunningStack
from tests.support import PASSWORD, confirmation_code

pytestmark = pytest.mark.e2e

CSV_HEADER = "description;family;weight_g;fineness;serial;purchase_price;reserve_price;label_price;vat_rate;comment\n"
CSV_GOOD = CSV_HEADER + "Gourmette or jaune;Bijoux or;12,1;750;G-12;99,50;;250;;poinçon tête d'aigle\n"
CSV_BAD = CSV_GOOD + "Bague;Inconnue;3;750;;12,00;;;;\nBroche;Bijoux or;trois;750;;12,00;;;;\n"


def error_beside(page: Page, name: str) -> Locator:
    """The error slot inside the wrapper of the field ``name``."""
    return page.locator(f'[data-field="{name}"] .field-error')


def test_a_dealer_signs_up_enters_a_lot_by_hand_and_by_csv_and_commits_it(page: Page, stack: RunningStack) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    shoot(page, "01-connexion")
    page.get_by_role("link", name="Créer l'espace de votre entreprise").click()

    # signup: the API's French messages beside the empty fields
    page.get_by_role("button", name="Créer mon espace").click()
    expect(error_beside(page, "company_name")).to_have_text("Champ obligatoire.")
    expect(error_beside(page, "creation_year")).to_have_text("Champ obligatoire.")
    expect(page.get_by_label("Adresse e-mail")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Nom de l'entreprise").fill("Antiquités Rémy")
    page.get_by_label("Année de création de l'entreprise").fill("2015")
    email = unique_email("remy")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon espace").click()

    # the space opens only with the code e-mailed (the local stack's mailbox)
    expect(page.get_by_text(f"Un code de confirmation à 6 chiffres vient d'être envoyé à {email}")).to_be_visible()
    code = confirmation_code(stack.mailbox, email)
    page.get_by_label("Code de confirmation").fill(f"{(int(code) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.get_by_role("alert")).to_contain_text("Code de confirmation incorrect ou expiré.")
    # logging in meanwhile: the French refusal, and the code asked for there
    page.get_by_role("link", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()  # the signup screen is gone
    page.get_by_label("Adresse e-mail", exact=True).fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail non confirmée")
    page.get_by_label("Code de confirmation").fill(code)
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.get_by_role("heading", name="Antiquités Rémy")).to_be_visible()
    expect(page.locator(".profile-name")).to_have_text("Gérant")
    expect(page.locator("#who")).to_contain_text("Antiquités Rémy")
    shoot(page, "02-accueil")

    # the families a lot needs
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Familles").click()
    for label, metal in (("Mobilier", False), ("Bijoux or", True)):
        page.get_by_label("Libellé").fill(label)
        page.get_by_label("Métal déclaré sur la 2093 (achats de métaux)").set_checked(metal)
        page.get_by_role("button", name="Ajouter la famille").click()
        expect(page.locator("table").get_by_text(label, exact=True)).to_be_visible()

    # the draft: a supplier created on the fly, refused first for a bad SIRET
    page.get_by_role("link", name="Saisie de lot").click()
    page.get_by_role("button", name="Créer un fournisseur").click()
    dialog = page.get_by_role("dialog", name="Créer un fournisseur")
    dialog.get_by_label("Nom", exact=True).fill(COMPLETE_SELLER["last_name"])
    dialog.get_by_label("Prénoms").fill(COMPLETE_SELLER["first_names"])
    dialog.get_by_label("SIRET").fill("1234")
    dialog.get_by_role("button", name="Créer et choisir").click()
    expect(dialog.locator('[data-field="siret"] .field-error')).to_have_text("Format invalide.")
    dialog.get_by_label("SIRET").fill("")
    for name, label in (("street_number", "N°"), ("street_name", "Nom de la voie"), ("postcode", "Code postal"),
                        ("city", "Ville"), ("id_document_type", "Nature de la pièce"),
                        ("id_document_number", "Numéro de la pièce"), ("id_document_date", "Date de délivrance"),
                        ("id_document_authority", "Autorité de délivrance")):
        dialog.get_by_label(label, exact=True).fill(COMPLETE_SELLER[name])
    dialog.get_by_role("button", name="Créer et choisir").click()
    expect(dialog).to_be_hidden()
    supplier = page.get_by_role("combobox", name="Fournisseur (obligatoire)")
    expect(supplier.locator("option:checked")).to_have_text("Lefèvre Jean (Nancy)")
    expect(page.get_by_text("Identité complète pour le livre de police.")).to_be_visible()

    page.get_by_label("Date d'achat").fill("2024-03-14")
    page.get_by_label("Moyen de paiement").select_option(label="Carte bancaire")
    page.get_by_label("Prix d'achat du lot (€)").fill("400")
    page.get_by_label("Prix d'achat du lot (€)").press("Tab")
    expect(page.locator('[data-total="purchase_price"]')).to_have_text("400,00 €")

    # three articles by hand: one line with a quantity of 2, and one more
    lines = page.get_by_role("form", name="Saisie manuelle d'un article")
    for description, price, quantity in (("Chaise Louis XV", "100", "2"), ("Miroir doré", "100,50", "1")):
        lines.get_by_label("Désignation").fill(description)
        lines.get_by_label("Famille").select_option(label="Mobilier")
        lines.get_by_label("Prix d'achat (€)").fill(price)
        lines.get_by_label("Quantité").fill(quantity)
        lines.get_by_role("button", name="Ajouter au lot").click()
        expect(lines.get_by_label("Désignation")).to_have_value("")
    expect(page.locator('[data-total="article_count"]')).to_have_text("3")
    expect(page.locator('[data-total="lines_total"]')).to_have_text("300,50 €")
    expect(page.locator('[data-total="difference"]')).to_have_text("99,50 €")

    # a CSV file with bad lines: nothing imported, every bad line shown with its content
    upload = page.get_by_role("form", name="Injection d'un fichier CSV")
    upload.get_by_label("Fichier CSV").set_input_files(
        files=[{"name": "lot.csv", "mimeType": "text/csv", "buffer": CSV_BAD.encode()}])
    upload.get_by_role("button", name="Injecter le fichier").click()
    refused = page.get_by_role("table", name="Lignes refusées du fichier")
    expect(refused.get_by_role("row")).to_have_count(3)
    expect(refused).to_contain_text("Bague;Inconnue;3;750")
    expect(refused).to_contain_text("Famille inconnue")
    expect(refused).to_contain_text("trois")
    expect(page.locator('[data-total="article_count"]')).to_have_text("3")
    shoot(page, "03-saisie-csv-refuse")

    # the good file: the fourth article, and the lot balances
    upload.get_by_label("Fichier CSV").set_input_files(
        files=[{"name": "lot.csv", "mimeType": "text/csv", "buffer": CSV_GOOD.encode()}])
    upload.get_by_role("button", name="Injecter le fichier").click()
    expect(page.locator('[data-total="article_count"]')).to_have_text("4")
    expect(page.locator('[data-total="lines_total"]')).to_have_text("400,00 €")
    expect(page.locator('[data-total="difference"]')).to_have_text("0,00 €")
    expect(page.get_by_role("heading", name="Articles déjà saisis (4)")).to_be_visible()
    shoot(page, "04-saisie-lot")

    page.get_by_role("button", name="Enregistrer le lot en achat").click()
    # created 2015, bought March 2024 → year of activity 10, first lot of the month
    expect(page.get_by_role("heading", name="Lot 1003001")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("références 1003001001 à 1003001004")
    articles = page.get_by_role("table", name="Articles du lot 1003001")
    for n in range(1, 5):
        expect(articles.get_by_role("link", name=f"100300100{n}")).to_be_visible()
    expect(articles).to_contain_text("Gourmette or jaune")
    expect(page.locator(".facts address")).to_contain_text("Lefèvre Jean")
    shoot(page, "05-lot")

    # the draft is empty again
    page.get_by_role("link", name="Saisie de lot").click()
    expect(page.get_by_role("heading", name="Articles déjà saisis (0)")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("Vous êtes déconnecté.")
    assert page.evaluate("sessionStorage.getItem('lotbook.session')") is None
    page.goto("/#/lots")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()


def test_french_messages_appear_beside_the_fields(page: Page, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    ref = shop.lot([{"description": "Buffet", "purchase_price": "50.00"}])["lot"]["ref"]
    sign_in(page, shop.email)
    # an ID token the API refuses: the client refreshes it once and goes on
    page.evaluate("""() => {
        const stored = JSON.parse(sessionStorage.getItem('lotbook.session'));
        sessionStorage.setItem('lotbook.session', JSON.stringify({...stored, id_token: 'périmé'}));
    }""")

    page.goto("/#/clients/nouveau")
    page.get_by_label("E-mail").fill("pas-une-adresse")
    page.get_by_label("Date de naissance").fill("2999-01-01")
    page.get_by_label("Département de naissance").fill("7")
    page.get_by_role("button", name="Créer").click()
    expect(error_beside(page, "email")).to_have_text("Format invalide.")
    expect(error_beside(page, "birth_date")).to_have_text("La date ne peut pas être dans le futur.")
    expect(error_beside(page, "birth_department")).to_have_text("Format invalide.")
    expect(page.get_by_label("E-mail")).to_have_attribute("aria-invalid", "true")
    # the message is tied to its field for screen readers
    described = page.get_by_label("E-mail").get_attribute("aria-describedby") or ""
    assert page.locator('[data-field="email"] .field-error').get_attribute("id") in described.split()
    shoot(page, "06-client-erreurs")
    assert page.evaluate("JSON.parse(sessionStorage.getItem('lotbook.session')).id_token") != "périmé"

    # a correction without its reason, then with it: a trace
    page.goto(f"/#/lots/{ref}")
    page.get_by_label("Date d'achat").fill("2024-03-15")
    page.get_by_role("button", name="Corriger le lot").click()
    expect(error_beside(page, "reason")).to_have_text("Motif obligatoire pour corriger le registre.")
    page.get_by_label("Motif de la correction").fill("Erreur de date à la saisie")
    page.get_by_role("button", name="Corriger le lot").click()
    expect(page.locator("#flash")).to_contain_text(f"Lot {ref} corrigé.")
    traces = page.get_by_role("table", name=f"Traces du lot {ref}")
    expect(traces).to_contain_text("Erreur de date à la saisie")
    expect(traces).to_contain_text("15/03/2024")

    # a retraction needs its comment
    page.get_by_role("button", name="Rétracter / annuler le lot").click()
    expect(error_beside(page, "comment").last).to_have_text("Champ obligatoire.")
    page.get_by_role("form", name="Rétractation du lot").get_by_label("Commentaire").fill("Lot saisi deux fois")
    page.get_by_role("button", name="Rétracter / annuler le lot").click()
    page.get_by_role("dialog", name="Confirmation").get_by_role("button", name="Rétracter le lot").click()
    expect(page.locator(".facts")).to_contain_text("Rétracté / annulé")
    expect(page.get_by_role("table", name=f"Articles du lot {ref}")).to_contain_text("0,00 €")
    shoot(page, "07-lot-retracte")

    # a session the API no longer accepts, and no refresh possible: back to the login, told why
    page.evaluate("""() => {
        const stored = JSON.parse(sessionStorage.getItem('lotbook.session'));
        sessionStorage.setItem('lotbook.session',
                               JSON.stringify({...stored, id_token: 'x', refresh_token: 'révoqué'}));
    }""")
    page.goto("/#/lots")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("reconnectez-vous")


def test_the_first_load_weighs_under_300_kb(browser: Browser, base_url: str, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    context = browser.new_context(**DESKTOP, base_url=base_url)
    page = context.new_page()
    sizes: dict[str, int] = {}
    page.on("requestfinished", lambda request: sizes.__setitem__(request.url, request.sizes()["responseBodySize"]))
    page.goto("/")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    page.wait_for_load_state("networkidle")
    first_load = sum(sizes.values())
    files = len(sizes)
    sign_in(page, shop.email)
    expect(page.get_by_role("heading", name="Antiquités Test")).to_be_visible()
    page.wait_for_load_state("networkidle")
    signed_in = sum(sizes.values())
    context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "page-weight.txt").write_text(
        f"login screen, first load: {first_load} bytes in {files} files\n"
        f"after signing in (home): {signed_in} bytes in {len(sizes)} requests\n", encoding="utf-8")
    print(f"\nfirst load {first_load} B ({files} files), signed in {signed_in} B")
    assert first_load < 300_000
    assert signed_in < 300_000


def test_the_back_office_screens_save_through_the_api(page: Page, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    shop.lot([{"description": "Buffet deux corps", "purchase_price": "120.00"}])
    sign_in(page, shop.email)

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Société").click()
    expect(page.get_by_label("Raison sociale")).to_have_value("Antiquités Test")
    page.get_by_label("SIREN").fill("12345")
    page.get_by_label("Préfixe des factures").fill("FA")
    page.get_by_role("button", name="Enregistrer").click()
    expect(error_beside(page, "siren")).to_have_text("Format invalide.")
    page.get_by_label("SIREN").fill("812345678")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#flash")).to_contain_text("Paramètres enregistrés.")
    assert shop.api.get("/api/company").body["invoicing"]["prefix"] == "FA"
    shoot(page, "08-societe")

    page.get_by_role("link", name="Utilisateurs").click()
    creation = page.get_by_role("form", name="Nouvel utilisateur")
    creation.get_by_label("Adresse e-mail").fill(unique_email("caisse"))
    creation.get_by_label("Profil").select_option(label="Boutique")
    creation.get_by_role("button", name="Ajouter").click()
    expect(page.locator("#flash")).to_contain_text("Mot de passe provisoire")
    expect(page.get_by_role("table", name="Utilisateurs")).to_contain_text("Boutique")
    shoot(page, "09-utilisateurs")

    page.get_by_role("link", name="Fournisseurs").click()
    page.get_by_label("Rechercher (nom, ville, e-mail, téléphone, SIRET)").fill("lefèvre")
    expect(page.get_by_role("table", name="Fournisseurs").get_by_role("link")).to_have_text(["Lefèvre Jean"])
    expect(page.get_by_role("table", name="Fournisseurs")).to_contain_text("Complet")

    page.get_by_role("link", name="Lots").click()
    expect(page.get_by_role("table", name="Lots")).to_contain_text("120,00 €")
    page.get_by_role("button", name="Synthèse (Σ) des lots filtrés").click()
    expect(page.get_by_role("dialog", name="Σ Synthèse des lots filtrés")).to_contain_text("120,00 €")

    # the lot price spread by weight: the API's cents, shown as they come
    shop.draft([{"description": "Alliance", "family_id": shop.gold, "weight_g": "1"} for _ in range(3)],
               purchase_price="100.00")
    page.goto("/#/saisie")
    expect(page.locator('[data-total="difference"]')).to_have_text("100,00 €")
    page.get_by_role("button", name="Répartir le prix du lot au poids").click()
    expect(page.locator('[data-total="difference"]')).to_have_text("0,00 €")
    lines = page.get_by_role("table", name="Articles du lot en cours")
    expect(lines).to_contain_text("33,34 €")
    expect(lines).to_contain_text("33,33 €")
