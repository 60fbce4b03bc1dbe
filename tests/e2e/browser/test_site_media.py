"""Media on the site: a photo uploaded on the article page (straight from the browser to
the local bucket), its thumbnail in the gallery and in the article list (desktop and
phone), its attributes edited, then deleted; a refused file explained in French."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.browser.helpers import Shop, shoot, sign_in
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def photo(width: int = 900, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (150, 90, 40)).save(out, "JPEG")
    return out.getvalue()


def natural_width(page: Page, selector: str) -> int:
    page.wait_for_function(f"document.querySelector({selector!r})?.complete")
    return int(page.eval_on_selector(selector, "img => img.naturalWidth"))


def test_a_photo_uploaded_on_the_article_page_shows_in_the_gallery_and_the_list(
        page: Page, phone: Page, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    committed = shop.lot([{"description": "Vase Gallé", "purchase_price": "60.00", "label_price": "300.00"},
                          {"description": "Lampe bouillotte", "purchase_price": "20.00", "label_price": "45.00"}])
    ref, other = (a["ref"] for a in committed["articles"])
    sign_in(page, shop.email)

    page.goto(f"/#/articles/{ref}")
    media = page.get_by_role("region", name="Médias")
    expect(media).to_contain_text("Aucun média.")
    media.locator("summary", has_text="Ajouter un média").click()
    adding = media.get_by_role("form", name="Ajouter un média")
    expect(adding.get_by_label("Fichier")).to_have_attribute("accept", ".jpg,.jpeg,.png,.gif")
    adding.get_by_label("Fichier").set_input_files({"name": "vase.jpg", "mimeType": "image/jpeg", "buffer": photo()})
    adding.get_by_label("Titre (texte alternatif)").fill("Vase de face")
    adding.get_by_role("button", name="Ajouter le média").click()
    expect(page.locator("#flash")).to_contain_text("Média ajouté.")
    gallery = media.get_by_role("list", name="Médias")
    expect(gallery.get_by_role("img", name="Vase de face")).to_be_visible()
    expect(gallery).to_contain_text("Par défaut")
    assert natural_width(page, ".media-gallery img") == 320  # the thumbnail, not the 900 px original
    shoot(page, "60-article-medias")

    # a file of another type is refused before anything is sent, in French
    adding.get_by_label("Fichier").set_input_files({"name": "notes.txt", "mimeType": "text/plain",
                                                    "buffer": b"pas une image"})
    adding.get_by_role("button", name="Ajouter le média").click()
    expect(adding.get_by_role("alert")).to_contain_text("Fichier « .txt » refusé pour une image")
    expect(gallery.locator(".media-item")).to_have_count(1)

    # attributes: title, weight, default, active
    gallery.get_by_role("button", name="Modifier le média Vase de face").click()
    editing = gallery.get_by_role("form", name="Modifier le média Vase de face")
    editing.get_by_label("Titre (texte alternatif)").fill("Vase, vue de face")
    editing.get_by_label("Poids (ordre d'affichage)").fill("lourd")
    editing.get_by_role("button", name="Enregistrer").click()
    expect(editing).to_contain_text("Doit être un nombre entier.")
    editing.get_by_label("Poids (ordre d'affichage)").fill("2")
    editing.get_by_role("button", name="Enregistrer").click()
    expect(gallery).to_contain_text("Vase, vue de face")
    expect(gallery).to_contain_text("poids 2")

    # the list shows each article's default image; the article without one, its initial
    page.goto("/#/articles")
    found = page.get_by_role("table", name="Articles trouvés")
    expect(found.get_by_role("img", name=f"Photo de l'article {ref}")).to_be_visible()
    expect(found.get_by_role("img", name=f"Photo de l'article {other}")).to_have_count(0)
    shoot(page, "61-articles-vignettes")

    sign_in(phone, shop.email)
    phone.goto("/#/articles")
    expect(phone.get_by_role("list", name="Articles").get_by_role("img", name=f"Photo de l'article {ref}")) \
        .to_be_visible()
    shoot(phone, "62-telephone-vignettes")

    # deleted: gone from the gallery and from the list
    page.goto(f"/#/articles/{ref}")
    media = page.get_by_role("region", name="Médias")
    media.get_by_role("button", name="Supprimer le média Vase, vue de face").click()
    page.get_by_role("dialog", name="Confirmation").get_by_role("button", name="Supprimer").click()
    expect(media).to_contain_text("Aucun média.")
    page.goto("/#/articles")
    expect(page.get_by_role("table", name="Articles trouvés").get_by_role("img")).to_have_count(0)
