"""Where a citizen from outside the county turns: their own area's service counselling (demo directory data)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# The municipalities the county serves (ascii lowercase, as the flows and the text extractor name them).
SERVED = frozenset({"askola", "lapinjarvi", "loviisa", "myrskyla", "pornainen", "porvoo", "pukkila", "sipoo"})


@dataclass(frozen=True, slots=True)
class Counselling:
    """A neighbouring area's service counselling; the phone numbers are invented demo data."""

    name_fi: str
    name_sv: str
    phone: str
    municipalities: frozenset[str]

    def name(self, lang: str) -> str:
        return self.name_sv if lang == "sv" else self.name_fi


NEIGHBOURS = (
    Counselling("Helsingin kaupungin sosiaali- ja terveysneuvonta",
                "Helsingfors stads social- och hälsovårdsrådgivning", "09 000 2001", frozenset({"helsinki"})),
    Counselling("Vantaan ja Keravan hyvinvointialueen palveluneuvonta",
                "Vanda och Kervo välfärdsområdes servicerådgivning", "09 000 2002", frozenset({"vantaa", "kerava"})),
    Counselling("Keski-Uudenmaan hyvinvointialueen palveluohjaus",
                "Mellersta Nylands välfärdsområdes servicehandledning", "09 000 2003",
                frozenset({"hyvinkaa", "jarvenpaa", "mantsala", "nurmijarvi", "tuusula"})),
    Counselling("Päijät-Hämeen hyvinvointialueen palveluneuvonta",
                "Päijät-Tavastlands välfärdsområdes servicerådgivning", "03 000 2004",
                frozenset({"lahti", "orimattila", "hollola", "heinola", "asikkala", "karkola", "iitti", "hartola",
                           "padasjoki", "sysma"})),
    Counselling("Kymenlaakson hyvinvointialueen palveluneuvonta", "Kymmenedalens välfärdsområdes servicerådgivning",
                "05 000 2005", frozenset({"kotka", "pyhtaa", "kouvola", "hamina", "miehikkala", "virolahti"})),
    Counselling("Länsi-Uudenmaan hyvinvointialueen palveluneuvonta", "Västra Nylands välfärdsområdes servicerådgivning",
                "09 000 2006", frozenset({"espoo", "kauniainen", "kirkkonummi", "vihti", "lohja", "raasepori", "hanko",
                                          "inkoo", "siuntio", "karkkila"})),
)

# Written in both languages here rather than in the catalogs: like the services above, this is directory data that
# could later come from the county's service directory.
WE_SERVE = {
    "fi": "Palvelemme Askolan, Lapinjärven, Loviisan, Myrskylän, Pornaisen, Porvoon, Pukkilan ja Sipoon asukkaita, "
          "joten en voi välittää asiaasi täältä palveluohjaajalle.",
    "sv": "Vi betjänar invånarna i Askola, Lappträsk, Lovisa, Mörskom, Borgnäs, Borgå, Pukkila och Sibbo, "
          "så jag kan inte skicka ditt ärende härifrån till en servicehandledare.",
}
YOUR_AREA = {
    "fi": "Oman alueesi palveluohjaus auttaa sinua: {name}, puhelin {phone} (demo).",
    "sv": "Servicehandledningen i ditt eget område hjälper dig: {name}, telefon {phone} (demo).",
}
ANY_AREA = {
    "fi": "Ota yhteyttä oman hyvinvointialueesi palveluohjaukseen (Helsingissä kaupungin neuvontaan). "
          "Yhteystiedot löydät alueesi verkkosivuilta.",
    "sv": "Kontakta servicehandledningen i ditt eget välfärdsområde (i Helsingfors stadens rådgivning). "
          "Kontaktuppgifterna hittar du på områdets webbplats.",
}
ALWAYS = {
    "fi": "Terveysneuvontaa saat ympäri vuorokauden Päivystysavusta, puhelin 116 117. Hätätilanteessa soita 112.",
    "sv": "Hälsorådgivning får du dygnet runt av Jourhjälpen, telefon 116 117. I en nödsituation ringer du 112.",
}


def counselling_for(area: str | None) -> Counselling | None:
    """The neighbouring area's service counselling for a municipality code; None when it is not in the directory."""
    return next((c for c in NEIGHBOURS if area in c.municipalities), None) if area else None


def where_to_turn(area: str | None, lang: str) -> str:
    """What a citizen the county does not serve is told: their own area's service counselling, or the general
    advice when the area is unknown (None, "other" or not in the directory). '' for a municipality the county
    serves: that citizen goes on to a coordinator here."""
    if area in SERVED:
        return ""
    lang = "sv" if lang == "sv" else "fi"
    service = counselling_for(area)
    if service is None:
        logger.info("out of area, not in the directory: the general advice")
        middle = ANY_AREA[lang]
    else:
        middle = YOUR_AREA[lang].format(name=service.name(lang), phone=service.phone)
    return " ".join((WE_SERVE[lang], middle, ALWAYS[lang]))
