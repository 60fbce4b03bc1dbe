"""The 2093 file's layout and content rules (DMET.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chalicelib.domain import dmet
from chalicelib.domain.dmet import Seller, read_zone

COMPANY = {"company_name": "Bijouterie Dupré", "siren": "999888777", "siret": "99988877700015",
           "street_number": "12", "street_type": "RUE", "street_name": "de la Paix", "postcode": "75002",
           "city": "Paris", "city_insee": "75102", "ape_code": "4777Z", "contact_name": "Élodie Dupré",
           "phone": "01 23 45 67 89", "email": "contact@dupre.fr"}
PERSON = {"title": "Mme", "last_name": "Lefèvre", "birth_name": "Müller", "first_names": "Anaïs Chloé",
          "street_number": "25 bis", "street_type": "Avenue", "street_name": "du Général de Gaulle",
          "postcode": "54", "city": "Nancy", "birth_date": "1970-05-09", "birth_city": "Strasbourg",
          "birth_department": "67", "birth_insee": "67482"}
FIRM = {"company_name": "Métaux Précieux SARL", "siret": "12345678900011", "last_name": "Roux",
        "first_names": "Jean", "street_number": "3", "street_type": "BD",
        "street_name": "Saint-Michel", "postcode": "69001", "city": "Lyon"}
NOBIRTH = {"title": "M", "last_name": "Petit", "first_names": "Luc", "street_name": "Grande Rue",
           "street_type": "R", "postcode": "13001", "city": "Marseille"}


def _file() -> list[str]:
    purchases = [("p1", Decimal("100.20")), ("p1", Decimal("20.30")),  # 120.50 → 121
                 ("f1", Decimal("999.49")), ("n1", Decimal("0.49")), ("b1", Decimal("0.50"))]
    totals = dmet.seller_totals(purchases)
    parties = {"p1": PERSON, "f1": FIRM, "n1": NOBIRTH, "b1": NOBIRTH | {"last_name": "Bas"}}
    sellers = [Seller(i, parties[i], total) for i, total in totals.items()]
    text = dmet.build_file(2025, COMPANY, sellers, "20260130")
    assert text.endswith("\n")
    return text[:-1].split("\n")


def test_a_tenants_purchases_give_records_of_550_ascii_characters_in_e_q_t_order() -> None:
    lines = _file()
    assert all(len(line) == 550 for line in lines)
    assert all(" " <= c <= "~" for line in lines for c in line)
    assert [line[19] for line in lines] == ["E", "Q", "Q", "Q", "T"]
    assert all(line[:19] == "2025999888777000151" for line in lines)


def test_the_declarant_record_has_its_fields_at_the_documented_positions() -> None:
    e = _file()[0]
    assert e[20:70] == "BIJOUTERIE DUPRE".ljust(50)
    assert e[102:106] == "0012" and e[106] == " "
    assert e[108:134] == "R   DE LA PAIX".ljust(26)
    assert e[134:139] == "75102" and e[166:171] == "75002" and e[140:166] == "PARIS".ljust(26)
    assert e[198:203] == "4777Z" and e[203:205] == "58" and e[205:213] == "20260130"
    assert e[213:] == " " * 337


def test_seller_records_transliterate_apply_address_rules_and_round_half_up() -> None:
    q = {read_zone(line, "Q", "birth_name").strip() or read_zone(line, "Q", "company_name").strip(): line
         for line in _file()[1:-1]}
    assert set(q) == {"MULLER", "METAUX PRECIEUX SARL", "BAS"}  # 0.49 € left out, 0.50 € rounds to 1
    person = q["MULLER"]
    assert person[123:126] == "MME" and person[156:176] == "ANAIS CHLOE".ljust(20)
    assert person[176:206] == "LEFEVRE".ljust(30)
    assert person[84:92] == "09051970" and person[92:94] == "67" and person[94:97] == "482"
    assert person[239:243] == "0025" and person[243] == "B"
    assert person[245:271] == "AV  DU GENERAL DE GAULLE".ljust(26)
    assert person[303:308] == "54000"
    assert person[335:345] == "0000000121"
    assert person[20:34] == " " * 14
    firm = q["METAUX PRECIEUX SARL"]
    assert firm[20:34] == "12345678900011" and firm[335:345] == "0000000999"
    assert firm[245:271] == "BD  SAINT-MICHEL".ljust(26)
    assert q["BAS"][84:92] == "00000000" and q["BAS"][335:345] == "0000000001"  # missing birth date → zeros


def test_the_totals_record_counts_the_sellers_and_names_the_filer() -> None:
    t = _file()[-1]
    assert t[20:30] == "0000000003"
    assert t[30:80] == "ELODIE DUPRE".ljust(50)
    assert t[80:90] == "0123456789" and t[90:150] == "CONTACT@DUPRE.FR".ljust(60)
    assert t[150:159] == "999888777" and t[159:] == " " * 391


def test_a_long_street_is_cut_from_the_left_keeping_the_last_word() -> None:
    zone = dmet.street_zone("rue", "du Maréchal Jean Marie Gabriel de Lattre de Tassigny")
    assert len(zone) <= 26 and zone.startswith("R   ") and zone.endswith(" TASSIGNY")
    assert dmet.street_number("25 bis") == ("0025", "B") and dmet.street_number("7", "ter") == ("0007", "T")
    assert dmet.postcode("54") == "54000" and dmet.postcode("5400") is None


def test_the_precheck_names_a_company_without_siret_and_a_malformed_postcode() -> None:
    assert "SIRET (14 chiffres) manquant pour une société" in dmet.seller_problems(FIRM | {"siret": ""})
    assert "code postal mal formé" in dmet.seller_problems(PERSON | {"postcode": "5400"})
    assert dmet.seller_problems(PERSON) == []
    assert dmet.file_name(2025, "999888777", 1, "20260130151220") == "DMET_2025_999888777_001_20260130151220.txt"


def test_a_long_street_is_cut_between_words_never_inside_one() -> None:
    # was "CHE ND CHENE SAINT-NICOLAS": cut inside "GRAND"
    assert dmet.street_zone("Chemin", "du Grand Chêne Saint-Nicolas") == "CHE CHENE SAINT-NICOLAS"
    # a street type written in the name becomes the FANTOIR code, leaving the room to the name
    assert dmet.street_zone(None, "Chemin du Grand Chêne Saint-Nicolas") == "CHE CHENE SAINT-NICOLAS"
    assert dmet.street_zone("", "Grande Rue du Faubourg Saint-Antoine") == "GR  FAUBOURG SAINT-ANTOINE"
    assert dmet.street_zone("Ruelle", "des Chats") == "RLE DES CHATS"
    # a last word longer than the zone keeps its last hyphenated parts
    assert dmet.street_zone("R", "Saint-Nicolas-de-Port-sur-Meurthe-et-Moselle") == "R   SUR-MEURTHE-ET-MOSELLE"
    for kind, name in (("rue", "du Maréchal Jean Marie Gabriel de Lattre de Tassigny"),
                       ("Chemin", "de la Croix de Saint-Pierre-des-Champs et du Moulin")):
        zone = dmet.street_zone(kind, name)
        kept, words = zone[4:].split(" "), dmet.ascii_upper(name).split(" ")
        assert len(zone) <= 26 and len(kept) > 1
        assert words[-len(kept):] == kept  # the last whole words


def test_the_insee_code_comes_from_the_postcode_and_the_commune_name() -> None:
    from chalicelib.domain.communes import insee_code

    assert insee_code("75011", "PARIS") == "75111"  # each Paris arrondissement has its own code
    assert insee_code("75011", "Paris 11e Arrondissement") == insee_code("75011", "paris 11") == "75111"
    assert insee_code("75116", "Paris") == "75116" and insee_code("69001", "Lyon") == "69381"
    assert insee_code("13001", "MARSEILLE") == "13201"
    assert insee_code("93200", "Saint-Denis") == insee_code("93200", "ST DENIS") == "93066"
    assert insee_code("97400", "St-Denis") == "97411"  # La Réunion's Saint-Denis
    assert insee_code("76600", "LE HAVRE") == insee_code("76600", "Havre") == "76351"
    assert insee_code("01400", "L'Abergement-Clémenciat") == "01001"
    assert insee_code("49120", "Chemillé") == "49092"  # a former commune: its new commune's code
    assert insee_code("20000", "Ajaccio") == "2A004"
    assert insee_code("75008", "PARIS CEDEX 08") == "75108"
    assert insee_code("75011", "Lyon") is None and insee_code("98000", "Monaco") is None


def test_the_file_carries_the_insee_codes_of_the_sellers_and_of_the_company() -> None:
    q = {read_zone(line, "Q", "birth_name").strip() or read_zone(line, "Q", "company_name").strip(): line
         for line in _file()[1:-1]}
    assert read_zone(q["MULLER"], "Q", "city_insee") == "54395"  # "54" + Nancy
    assert read_zone(q["METAUX PRECIEUX SARL"], "Q", "city_insee") == "69381"  # 69001 Lyon
    assert read_zone(q["BAS"], "Q", "city_insee") == "13201"  # 13001 Marseille
    lookup_only = {k: v for k, v in COMPANY.items() if k != "city_insee"} | {"postcode": "93200",
                                                                              "city": "Saint-Denis"}
    e = dmet.build_file(2025, lookup_only, [], "20260130").split("\n")[0]
    assert read_zone(e, "E", "city_insee") == "93066"
    corsica = Seller("c1", NOBIRTH | {"last_name": "Casanova", "postcode": "20000", "city": "Ajaccio"}, Decimal(5))
    q = dmet.build_file(2025, COMPANY, [corsica], "20260130").split("\n")[1]
    assert read_zone(q, "Q", "city_insee") == "2A004"  # not "02004"


def test_the_precheck_names_a_seller_whose_commune_is_unknown_or_ambiguous(monkeypatch: Any) -> None:
    from chalicelib.domain import communes

    [problem] = dmet.seller_problems(PERSON | {"postcode": "75011", "city": "Lyon"})
    assert "Lyon" in problem and "75011" in problem and "INSEE" in problem
    assert "inconnu" in dmet.seller_problems(PERSON | {"postcode": "98000", "city": "Monaco"})[0]
    assert "INSEE" in dmet.seller_problems(PERSON | {"postcode": "54", "city": "Atlantis"})[0]
    assert "INSEE" in dmet.company_problems(COMPANY | {"city_insee": None, "city": "Atlantis"})[0]
    rows = {"99990": (("Villeneuve", "99001"), ("Villeneuve", "99002"))}
    monkeypatch.setattr(communes, "_rows", lambda: rows)
    try:
        [ambiguous] = dmet.seller_problems(PERSON | {"postcode": "99990", "city": "VILLENEUVE"})
        assert "ambiguë" in ambiguous and "99001" in ambiguous and "99002" in ambiguous
    finally:
        communes._names.cache_clear()
        communes._lookup.cache_clear()
