"""Rule-based understanding of fi/sv free text: intake prefill, language switch, identity, question, strain."""
from __future__ import annotations

import time

import pytest

from bot.dialogue.understand import identity_question, is_question, language_request, prefill, strain

BACKGROUND_FI = (
    "Hei, en oikein tiedä mihin tässä pitäisi ottaa yhteyttä, joten kokeilen tätä. Tilanne on jatkunut jo "
    "pitkään ja olen miettinyt asiaa monelta kantilta. "
)
BACKGROUND_SV = (
    "Hej, jag vet inte riktigt vart jag ska vända mig så jag försöker här. Läget har pågått länge "
    "och jag har funderat mycket på det. "
)

# --- for_whom -----------------------------------------------------------------------------------------
FOR_WHOM_FI = [
    ("Mun äiti tarvitsee kotihoitoa, oon tosi huolissani", "close_one"),
    ("isäni asuu yksin eikä enää pärjää", "close_one"),
    ("mun isä kaatuili viime viikolla", "close_one"),
    ("mulla on iäkäs äiti joka ei enää pärjää kotona", "close_one"),
    ("Tarvitsen apua äidilleni, hän ei muista syödä", "close_one"),
    ("haen apua mummolle", "close_one"),
    ("olen huolissani isästä", "close_one"),
    ("Äidin muisti on huonontunut", "close_one"),
    ("vaimoni sairastaa parkinsonia ja tarvitsisi kuntoutusta", "close_one"),
    ("naapurin vanha rouva ei ole käynyt kaupassa viikkoon", "close_one"),
    ("en itse tarvitse apua vaan äitini", "close_one"),
    ("anoppi tarttis kuljetuspalvelua", "close_one"),
    ("hänellä on muistisairaus eikä hän pärjää yksin", "close_one"),
    (BACKGROUND_FI + "Nyt kysyn isän puolesta, koska hän ei itse osaa käyttää nettiä.", "close_one"),
    ("Tarvitsen apua siivoukseen", "self"),
    ("tarviin jonku auttaa mua kaupassakäynnis", "self"),
    ("minulla on diabetes ja jalat turpoaa", "self"),
    ("Olen 82-vuotias ja asun yksin", "self"),
    ("oon ihan yksin enkä pääse ulos", "self"),
    ("Olen kahden lapsen äiti ja tarvitsen apua jaksamiseen", "self"),
    (BACKGROUND_FI + "Tarvitsisin itselleni apua raha-asioiden kanssa.", "self"),
    ("aitini tarvii apua", "close_one"),
    ("isalle tarttis saada kuljetuspalvelu", "close_one"),
    ("meiän mutsi on 90 ja ei muista syödä", "close_one"),
    ("tyttäreni on 15 ja voi huonosti", "close_one"),
    ("Mie tarvitsisin apua", "self"),
    ("Minulla on syöpä ja mieheni on huolissaan", None),
    ("tarvitsen apua koska mieheni on sairas", None),
    ("Haluaisin tietää mitä palveluita on tarjolla Sipoossa", None),
    ("Moi, mulla on kysymys kuljetuspalvelusta", None),
    ("mä en jaksa enää hoitaa isää yksin", None),
    ("minä ja mun mies tarvitaan apua", None),
    ("Mistä saa tietoa kotihoidosta?", None),
    ("kotihoito", None),
    ("", None),
]
FOR_WHOM_SV = [
    ("mamma behöver hemvård", "close_one"),
    ("min pappa klarar sig inte hemma längre", "close_one"),
    ("jag behöver hjälp åt mamma", "close_one"),
    ("ja söker hjälp för min mommo", "close_one"),
    ("jag är orolig för min man", "close_one"),
    ("mammas minne har blivit sämre", "close_one"),
    ("Min fru har fått en stroke och behöver rehabilitering", "close_one"),
    ("grannen har inte varit ute på en vecka", "close_one"),
    ("svärmor bor ensam och klarar inte städningen", "close_one"),
    ("hon har demens och kan inte bo ensam", "close_one"),
    ("int för mej utan för min pappa", "close_one"),
    (BACKGROUND_SV + "Nu skriver jag för min mormor som inte använder dator.", "close_one"),
    ("jag behöver hjälp med städningen", "self"),
    ("ja behöver nån som hjälper mej med att handla", "self"),
    ("jag har diabetes och såren läker inte", "self"),
    ("ja e 80 år och bor ensam", "self"),
    ("Jag är mormor till tre barnbarn och behöver själv hjälp", "self"),
    ("det gäller mig själv", "self"),
    (BACKGROUND_SV + "Jag behöver hjälp att fylla i en ansökan.", "self"),
    ("Jag har en son som behöver stöd", "close_one"),
    ("mamma e 90 å bor i Borgå", "close_one"),
    ("jag ringer för min grannes räkning", "close_one"),
    ("ja e ensam o behöver hjälp me maten", "self"),
    ("Jag och min man behöver hjälp", None),
    ("Jag undrar vilka tjänster som finns i Sibbo", None),
    ("Jag har en fråga om färdtjänst", None),
    ("vi båda behöver hemvård", None),
    ("Hur ansöker man om färdtjänst?", None),
    ("hemvård", None),
]


@pytest.mark.parametrize(("text", "expected"), FOR_WHOM_FI + FOR_WHOM_SV)
def test_for_whom(text: str, expected: str | None) -> None:
    assert prefill(text).get("for_whom") == expected


# --- municipality -------------------------------------------------------------------------------------
MUNICIPALITY_FI = [
    ("asun Porvoossa", ("porvoo", None)),
    ("äiti muutti porvooseen viime vuonna", ("porvoo", None)),
    ("olen porvoolainen eläkeläinen", ("porvoo", None)),
    ("isä asuu loviisassa", ("loviisa", None)),
    ("Sipoosta soittelen", ("sipoo", None)),
    ("asutaan Nikkilässä", ("sipoo", None)),
    ("mummo on askolasta", ("askola", None)),
    ("Lapinjärvellä asuu isäni", ("lapinjarvi", None)),
    ("myrskylassa asun", ("myrskyla", None)),
    ("Pornaisissa ei ole bussia", ("pornainen", None)),
    ("pukkilan kunnassa", ("pukkila", None)),
    ("Asun Helsingissä mutta äiti asuu Porvoossa ja tarvitsee apua", ("porvoo", None)),
    ("Äiti asuu Helsingissä, minä Porvoossa", ("other", "helsinki")),
    ("asun Keravalla", ("other", "kerava")),
    ("Asun Lahdessa", ("other", "lahti")),
    ("asun Kotkassa", ("other", "kotka")),
    ("isä asuu Järvenpäässä", ("other", "jarvenpaa")),
    ("Muutin Helsingistä Porvooseen", ("porvoo", None)),
    (BACKGROUND_FI + "Äiti on 87-vuotias ja asuu yksin Loviisan keskustassa.", ("loviisa", None)),
    ("Isä on Porvoon sairaalassa, asuu Askolassa", ("askola", None)),
    ("perna on suurentunut", (None, None)),
    ("kesämökillä lahden rannalla", (None, None)),
    ("kotka lensi järven yli", (None, None)),
    ("Asun Porvoontiellä Helsingissä", ("other", "helsinki")),
    ("Kävin Lahdessa ja Porvoossa", (None, None)),
]
MUNICIPALITY_SV = [
    ("jag bor i Borgå", ("porvoo", None)),
    ("mamma bor i Lovisa", ("loviisa", None)),
    ("pappa bor i sibbo", ("sipoo", None)),
    ("vi bor i Söderkulla", ("sipoo", None)),
    ("mommo bor i Lappträsk", ("lapinjarvi", None)),
    ("hon bor i Mörskom", ("myrskyla", None)),
    ("jag bor i borgnäs", ("pornainen", None)),
    ("jag bor i Helsingfors", ("other", "helsinki")),
    ("mamma bor i Esbo", ("other", "espoo")),
    ("vi bor i vanda", ("other", "vantaa")),
    ("Min pappa bor i Helsingfors men jag bor i Borgå", ("other", "helsinki")),
    ("jag bor i Borgå men mamma bor i Kervo och hon behöver hjälp", ("other", "kerava")),
    (BACKGROUND_SV + "Mamma är 90 år och bor i Strömfors.", ("loviisa", None)),
    ("Jag flyttade från Helsingfors till Borgå", ("porvoo", None)),
    ("jag har hört att Borgå och Lovisa har olika regler", (None, None)),
]


@pytest.mark.parametrize(("text", "expected"), MUNICIPALITY_FI + MUNICIPALITY_SV)
def test_municipality(text: str, expected: tuple[str | None, str | None]) -> None:
    found = prefill(text)
    assert (found.get("municipality"), found.get("area")) == expected


# --- urgency ------------------------------------------------------------------------------------------
URGENCY_FI = [
    ("tarvitsen apua heti", "urgent"),
    ("asialla on kiire", "urgent"),
    ("mahdollisimman pian kiitos", "urgent"),
    ("tarvitsisin apua pian", "soon"),
    ("äiti kotiutuu huomenna eikä kukaan ole kotona", "urgent"),
    ("tänään pitäis saada joku käymään", "urgent"),
    ("tarvitaan nopeesti apua", "urgent"),
    ("lähiaikoina olisi hyvä saada tietoa", "soon"),
    ("ensi viikolla olisi hyvä", "soon"),
    ("parin viikon sisällä", "soon"),
    ("ei kiire", "no_hurry"),
    ("Ei oo kiire", "no_hurry"),
    ("ei mitään kiirettä", "no_hurry"),
    ("asia ei ole kiireellinen", "no_hurry"),
    ("kiirettä ei ole, soitelkaa kun ehditte", "no_hurry"),
    ("ei kiire, mutta lähiviikkoina olisi kiva", "soon"),
    (BACKGROUND_FI + "Mitään kiirettä ei ole, kunhan joku ottaa yhteyttä.", "no_hurry"),
    ("ei ole kiire, mutta huomenna on lääkäri", None),
    ("olen kiireinen arkisin", None),
    ("En tiedä onko tämä kiireellinen", None),
    ("äidin kotihoito", None),
]
URGENCY_SV = [
    ("det är brådskande", "urgent"),
    ("jag behöver hjälp genast", "urgent"),
    ("snabbt tack", "urgent"),
    ("helst idag", "urgent"),
    ("mamma kommer hem från sjukhuset i morgon", "urgent"),
    ("så snart som möjligt", "urgent"),
    ("det är lite bråttom", "urgent"),
    ("snart skulle vara bra", "soon"),
    ("nästa vecka passar", "soon"),
    ("inom några veckor", "soon"),
    ("ingen brådska", "no_hurry"),
    ("det är int bråttom", "no_hurry"),
    ("inte så bråttom", "no_hurry"),
    ("det brådskar inte", "no_hurry"),
    ("när ni hinner", "no_hurry"),
    (BACKGROUND_SV + "Det är ingen brådska men jag vill gärna få svar.", "no_hurry"),
    ("mamma behöver hemvård", None),
    ("hur brådskande är det här?", None),
]


@pytest.mark.parametrize(("text", "expected"), URGENCY_FI + URGENCY_SV)
def test_urgency(text: str, expected: str | None) -> None:
    assert prefill(text).get("urgency") == expected


def test_prefill_combines_slots() -> None:
    assert prefill("Mun isä asuu Loviisassa ja tarvitsee apua mahdollisimman pian") == {
        "for_whom": "close_one", "municipality": "loviisa", "urgency": "urgent"}
    assert prefill("ja bor i Helsingfors och behöver hjälp, int bråttom") == {
        "for_whom": "self", "municipality": "other", "area": "helsinki", "urgency": "no_hurry"}


# --- language_request ---------------------------------------------------------------------------------
LANGUAGE_FI = [
    ("anteeksi, voinko jatkaa suomeksi?", "fi"),
    ("suomeksi kiitos", "fi"),
    ("Suomeksi", "fi"),
    ("puhutko suomea", "fi"),
    ("osaatko suomee?", "fi"),
    ("voidaanko puhua ruotsiksi", "sv"),
    ("haluisin jatkaa ruotsiks", "sv"),
    ("en ymmärrä ruotsia", "fi"),
    ("en osaa suomea kunnolla", "sv"),
    ("vaihdetaanko suomeksi", "fi"),
    ("tarvitsen ruotsinkielistä palvelua kotihoitoon", None),
    ("saako kotihoitoa ruotsiksi?", None),
    ("äiti puhuu vain ruotsia", None),
    ("asun suomessa", None),
    (BACKGROUND_FI + "Voinko jatkaa suomeksi?", None),
]
LANGUAGE_SV = [
    ("kan vi ta det på svenska", "sv"),
    ("på svenska tack", "sv"),
    ("svenska?", "sv"),
    ("kan du svenska", "sv"),
    ("talar du svenska?", "sv"),
    ("jag förstår inte finska", "sv"),
    ("ja förstår int finska", "sv"),
    ("pratar du finska?", "fi"),
    ("på finska tack", "fi"),
    ("jag kan inte svenska så bra", "fi"),
    ("kan vi byta från finska till svenska", "sv"),
    ("mamma talar bara svenska", None),
    ("finns hemvård på svenska?", None),
    ("behöver en svensk tolk", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), LANGUAGE_FI + LANGUAGE_SV)
def test_language_request(text: str, expected: str | None) -> None:
    assert language_request(text) == expected


# --- identity_question --------------------------------------------------------------------------------
IDENTITY_FI = [
    ("kuka sä oot?", True),
    ("kuka sinä olet", True),
    ("ootko oikee ihminen vai kone?", True),
    ("oletko robotti", True),
    ("onko tää botti", True),
    ("puhunko koneen kanssa", True),
    ("oot sä joku tekoäly?", True),
    ("kenen kanssa mä puhun", True),
    ("vastaako tähän oikea ihminen", True),
    ("onks tää joku tekoäly", True),
    ("oikee ihminen?", True),
    ("kuka voisi auttaa äitiä", False),
    ("kuka päättää kotihoidosta", False),
    ("onko kotihoito maksullista", False),
    ("mun kone ei toimi", False),
    ("olen robotti-imurin ostanut", False),
]
IDENTITY_SV = [
    ("Vem är du?", True),
    ("är du en människa", True),
    ("e du en robot", True),
    ("pratar jag med en maskin", True),
    ("är det här en bot", True),
    ("är du en riktig människa eller en dator?", True),
    ("Vem pratar jag med?", True),
    ("vad är du för nåt", True),
    ("människa eller robot?", True),
    ("sitter det en människa där", True),
    ("vem kan hjälpa mig", False),
    ("vem ska jag ringa", False),
    ("är det här rätt ställe för hemvård", False),
    ("mamma är en människa som behöver hjälp", False),
    ("", False),
]


@pytest.mark.parametrize(("text", "expected"), IDENTITY_FI + IDENTITY_SV)
def test_identity_question(text: str, expected: bool) -> None:
    assert identity_question(text) is expected


# --- is_question --------------------------------------------------------------------------------------
QUESTION_FI = [
    ("Voiko äiti saada kotihoitoa", True),
    ("voinko hakea omaishoidon tukea", True),
    ("mitä maksaa", True),
    ("miten haen", True),
    ("paljonko kuljetuspalvelu maksaa", True),
    ("pääseekö isä päivätoimintaan", True),
    ("maksaako se jotain", True),
    ("onks teillä kuljetuspalvelua", True),
    ("Hei! Missä lähitori on", True),
    ("äiti kaatui. mistä saa turvarannekkeen", True),
    ("tarvitsen apua?", True),
    ("Noniin, voitteko auttaa", True),
    ("äiti tarvitsee apua", False),
    ("Mikko tässä hei", False),
    ("heikko olo", False),
    ("koska äiti kaatui, tarvitaan apua", False),
    ("kiitos", False),
    ("lue lisää osoitteesta https://example.fi/haku?q=kotihoito", False),
]
QUESTION_SV = [
    ("kan ni hjälpa mamma", True),
    ("får jag hemvård", True),
    ("måste jag betala", True),
    ("behöver jag en remiss", True),
    ("vad kostar det", True),
    ("hur ansöker man", True),
    ("var kan jag få hjälp", True),
    ("när öppnar ni", True),
    ("vem ska jag ringa", True),
    ("vilken blankett behövs", True),
    ("kostar det något", True),
    ("Hej! Finns det färdtjänst i Borgå", True),
    ("sitter det nån där", True),
    ("ja behöver nån som hjälper mej", False),
    ("har ont i ryggen", False),
    ("kan inte gå ut längre", False),
    ("mamma behöver hemvård.", False),
]


@pytest.mark.parametrize(("text", "expected"), QUESTION_FI + QUESTION_SV)
def test_is_question(text: str, expected: bool) -> None:
    assert is_question(text) is expected


# --- strain -------------------------------------------------------------------------------------------
STRAIN_FI = [
    ("olen tosi väsynyt", True),
    ("oon ihan poikki", True),
    ("en jaksa enää", True),
    ("voimat on loppu", True),
    ("tää on ollut tosi rankkaa", True),
    ("omaishoitajana raskasta", True),
    ("olen aivan uupunut", True),
    ("vasyttaa ihan hirveesti", True),
    (BACKGROUND_FI + "Hoidan miestäni yksin ja olen ihan loppu.", True),
    ("äiti tarvitsee kotihoitoa", False),
    ("kuun loppuun mennessä", False),
    ("tytär on raskaana", False),
    ("jaksan hyvin, kiitos", False),
    ("äiti on masentunut ja väsynyt", False),
    ("äiti on väsynyt ja minä olen ihan loppu", True),
]
STRAIN_SV = [
    ("jag är så trött", True),
    ("ja e helt slut", True),
    ("jag orkar inte mer", True),
    ("ja orkar int längre", True),
    ("det är tungt", True),
    ("jag är utmattad", True),
    ("känner mig kraftlös", True),
    ("det har varit jobbigt", True),
    ("krafterna är slut", True),
    ("Jag har slut på ork", True),
    ("mamma behöver hemvård", False),
    ("det är slut på medicinen", False),
    ("i slutet av månaden", False),
    ("jag mår bra", False),
    ("mamma är så trött hela tiden", False),
    ("mamma har demens och det är tungt", True),
]


@pytest.mark.parametrize(("text", "expected"), STRAIN_FI + STRAIN_SV)
def test_strain(text: str, expected: bool) -> None:
    assert strain(text) is expected


# --- robustness ---------------------------------------------------------------------------------------
ODD = ["", "   ", "\x00\x07", "\u200b\u200b", "👍👍👍", "?", "???", "-" * 50, "ä" * 5000, "a" * 100_000,
       ("äiti " * 30_000), "\ud800", None, 42]


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
def test_odd_input_never_raises(text: object) -> None:
    assert isinstance(prefill(text), dict)  # type: ignore[arg-type]
    assert language_request(text) in (None, "fi", "sv")  # type: ignore[arg-type]
    assert isinstance(identity_question(text), bool)  # type: ignore[arg-type]
    assert isinstance(is_question(text), bool)  # type: ignore[arg-type]
    assert isinstance(strain(text), bool)  # type: ignore[arg-type]


def test_long_input_is_cut_and_fast() -> None:
    text = ("Mun äiti asuu Porvoossa ja tarvitsee apua, olen ihan poikki. " * 2000) + " Asun Helsingissä."
    start = time.perf_counter()
    for _ in range(5):
        found = prefill(text)
        strain(text), is_question(text), identity_question(text), language_request(text)
    assert time.perf_counter() - start < 2.0
    assert found == {"for_whom": "close_one", "municipality": "porvoo"}  # the tail after the cut is not read
