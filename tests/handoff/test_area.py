"""Out of the county's area: the citizen's own area's service counselling, or the general advice, in fi and sv."""
from __future__ import annotations

import pytest

from bot.handoff.area import NEIGHBOURS, SERVED, counselling_for, where_to_turn

# The area codes the text extractor produces (ascii lowercase municipality names) and whose service they get.
AREAS = {
    "helsinki": "Helsingin kaupungin", "vantaa": "Vantaan ja Keravan", "kerava": "Vantaan ja Keravan",
    "hyvinkaa": "Keski-Uudenmaan", "jarvenpaa": "Keski-Uudenmaan", "mantsala": "Keski-Uudenmaan",
    "nurmijarvi": "Keski-Uudenmaan", "tuusula": "Keski-Uudenmaan", "lahti": "Päijät-Hämeen",
    "orimattila": "Päijät-Hämeen", "kotka": "Kymenlaakson", "pyhtaa": "Kymenlaakson", "kouvola": "Kymenlaakson",
    "espoo": "Länsi-Uudenmaan",
}


@pytest.mark.parametrize(("area", "service"), AREAS.items())
def test_a_neighbouring_municipality_gets_its_own_service_counselling(area: str, service: str):
    text = where_to_turn(area, "fi")
    assert service in text and "(demo)" in text and "116 117" in text
    assert "Porvoon" in text  # whom the county serves, so the citizen knows why


def test_swedish():
    text = where_to_turn("helsinki", "sv")
    assert text.startswith("Vi betjänar invånarna i Askola, Lappträsk, Lovisa, Mörskom, Borgnäs, Borgå, Pukkila och "
                           "Sibbo")
    assert "Servicehandledningen i ditt eget område hjälper dig: Helsingfors stads social- och hälsovårdsrådgivning, " \
           "telefon 09 000 2001 (demo)." in text
    assert "dygnet runt" in text and "116 117" in text and "112" in text
    assert "Vanda och Kervo" in where_to_turn("kerava", "sv")


@pytest.mark.parametrize("area", [None, "other", "oulu", ""])
@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_unknown_area_gets_the_general_advice(area: str | None, lang: str):
    text = where_to_turn(area, lang)
    assert ("oman hyvinvointialueesi palveluohjaukseen" if lang == "fi" else "ditt eget välfärdsområde") in text
    assert "116 117" in text and "(demo)" not in text


def test_the_county_s_own_municipalities_need_no_other_place():
    assert SERVED == {"askola", "lapinjarvi", "loviisa", "myrskyla", "pornainen", "porvoo", "pukkila", "sipoo"}
    assert all(where_to_turn(code, "fi") == "" for code in SERVED)


def test_keski_uusimaa_is_its_own_county_and_kerava_goes_with_vantaa():
    keski = counselling_for("tuusula")
    assert keski is not None and keski.municipalities >= {"hyvinkaa", "jarvenpaa", "mantsala", "nurmijarvi", "tuusula"}
    assert "kerava" not in keski.municipalities
    assert counselling_for("kerava") is counselling_for("vantaa")


def test_no_municipality_in_two_places_and_none_of_the_county_s():
    seen = [code for service in NEIGHBOURS for code in service.municipalities]
    assert len(seen) == len(set(seen)) and not SERVED & set(seen)
