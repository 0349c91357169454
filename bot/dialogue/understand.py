"""Rule-based reading of a citizen's free text (fi/sv): intake prefill, language switch, identity, question, strain."""
from __future__ import annotations

import logging
import re
import unicodedata

from nlu.text import fold, normalize, tokens

logger = logging.getLogger(__name__)

__all__ = ["MAX_CHARS", "delete_request", "identity_question", "is_question", "language_request", "prefill",
           "strain"]

# Longer messages are cut first: the first 2,000 characters carry what a first message tells.
MAX_CHARS = 2000

# Patterns run on `_prep`ed text: normalize(fold_diacritics=True), words and sentence punctuation
# single-spaced ("mun äiti, 85v" -> "mun aiti , 85v"), so `(?: \w+){0,3}` never crosses a comma.
_PIECE_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[.,!?;:]")


def _prep(text: object) -> str:
    if not isinstance(text, str) or not text:
        return ""
    return " ".join(_PIECE_RE.findall(normalize(text[:MAX_CHARS], fold_diacritics=True)))


# --- for_whom ---------------------------------------------------------------------------------------
_POSS = r"(?:ni|nsa|mme|nne|si)?"
_FI_NOM = (r"isa|isi|iska|faija|fatsi|isukki|aiti|aitee|mutsi|mamma|mummo|mummu|mummi|mumma|isoaiti|isoisa|vaari"
           r"|pappa|ukki|vaimo|puoliso|avopuoliso|aviomies|avomies|tytar|naapuri|anoppi|appi|appiukko|veli|sisko|sisar"
           r"|serkku|kumppani|poikaystava|tyttoystava|omaishoidettava|vanhemmat|isovanhemmat")
_FI_MORE = (  # possessive-only nominatives and a few irregular forms
    r"mieheni|miehensa|poikani|poikamme|poikansa|lapseni|lapsemme|lapsensa|veljeni|sisareni|tyttareni"
    r"|appeni|tyttoni|ystavani|kaverini|laheiseni|omaiseni|vanhempani|isovanhempani|apen|apelle|lapsi|lapset")
_FI_OBL = (r"(?:aidi|isa|iska|faija|mutsi|mamma|mummo|mummu|mummi|vaari|pappa|uki|vaimo|puoliso|avopuoliso|miehe"
           r"|tyttare|poja|lapse|lapsi|naapuri|anopi|velje|sisko|sisare|serku|kumppani|laheise|omaise|ystava|kaveri"
           r"|vanhemmi|isovanhemmi)(?:n|lle|lla|lta|sta|ssa|ksi|na)" + _POSS)
_MY = r"(?:mun|minun|miun|meidan|meian|meijan|mei) (?:mies|poika|lapsi|lapset|tytto|ystava|kaveri|ukko|akka|eukko)"
_SV_KIN = (r"(?:mamma|mamman|pappa|pappan|mormor|farmor|morfar|farfar|mommo|mommon|moffa|fammo|faffa|morsan|farsan"
           r"|mamsen|maken|frun|hustrun|sambon|gubben|gumman|sonen|dottern|barnet|barnen|barnbarn\w*|grannen|grannar\w*"
           r"|svarmor\w*|svarfar\w*|brorsan|brodern|systern|syrran|kusin\w*|moster\w*|faster\w*|morbror\w*|farbror\w*"
           r"|foraldrar\w*|anhorig\w*|narstaende\w*|(?:min|mitt|mina|var|vart|vara) (?:gamla |aldre |lilla )?"
           r"(?:man|make|maka|fru|hustru|sambo|partner|gubbe|gumma|son|dotter|barn|mor|far|bror|syster|van|vaninna"
           r"|kompis|granne|foraldrar)|mor min|far min"
           r"|(?:en|ett) (?:son|dotter|bror|syster|granne|van|kompis)(?= som\b))s?")
_KIN_RE = re.compile(rf"\b(?:(?P<nom>(?:{_FI_NOM}){_POSS}a?|{_FI_MORE}|{_MY}|{_SV_KIN})|(?P<obl>{_FI_OBL}))\b")
_PRONOUN_RE = re.compile(r"\b(?:han|hanella|hanen|hanelle|hanta|hanesta|hanelta|hanet|hon|hen|honom|henne|hennes)\b")
# The close one as the subject of a verb: "äiti tarvitsee", "isä, 85, kaatui", "mamma behöver".
_SUBJ_AFTER = re.compile(
    r"(?: (?:[\w-]+|,)){0,4}? (?:tarvitsee|tarvii|tarvis|tarvitsis|tarvitsisi|tarttee|tarttis|tarvitsevat|ei|eika"
    r"|on|oli|ois|olis|olisi|ovat|asuu|asuvat|sairastaa|sairastui|kaatui|kaatu|kaatuu|kaatuili|parjaa|jaksa|jaksaa|muistaa"
    r"|muista|unohtelee|unohtaa|sai|saa|saisi|sais|voisi|vois|voi|haluaa|haluu|joutui|joutu|tulee|pitaisi|pitais"
    r"|kotiutuu|kotiutui|behover|behovde|har|hade|ar|e|bor|kan|klarar|orkar|mar|ska|skulle|sku|vill|fick|far|foll"
    r"|glommer|blev|blir|borde|maste|kommer|ligger|sitter)\b")
# Someone else as the beneficiary or the worry: "apua äidille", "hjälp åt mamma", "huolissani isästä".
_BEN_BEFORE = re.compile(
    r"\b(?:apua|apuu|tukea|huoli\w*|huolissani|huolestu\w*|huolettaa|murehdin|kysyn|kysyisin|kysya|haen|hakea"
    r"|hakisin|hakemaan|puolesta|koskien|at|for|till|om|angaende|gallande|orolig|oroar|oro|hjalp|hjalpa|bekymrad"
    r"|bekymrar)(?: (?!(?:koska|kun|mutta|ja|etta|silla|vaikka|och|men|eftersom|fast|att|nar)\b)[\w-]+){0,2} $")
_GEN_NOUN = re.compile(r" (?!(?:ja|tai|vai|ei|on|kanssa|luona|luokse|luota|och|eller|ar|e)\b)[\w-]{3,}")
# Writer names their own role ("olen kahden lapsen äiti", "jag är mormor"): a self mention, not a close one.
_SELF_ROLE = re.compile(
    r"\b(?:olen|oon|olin|jag ar|ja ar|ja e|jag e)(?: [\w-]+){0,3}? (?:aiti|isa|mummo|mummi|vaari|isoaiti"
    r"|isoisa|pappa|mamma|mormor|farmor|morfar|farfar|mommo|moffa|granne|naapuri|anhorig|narstaende)"
    r"(?: till(?: [\w-]+){0,2}? (?:barn|barnbarn|son|soner|dotter|dottrar)\b)?\b")
# "mulla on äiti, joka...", "jag har en mamma som...", "mulla on kysymys": owning, not a need of one's own.
_HAS_KIN = re.compile(
    r"\b(?:mulla|minulla|miulla|meilla|jag har|ja har)(?: on)?(?= (?:[\w-]+ ){0,2}?"
    r"(?:aiti|isa|mamma|pappa|mummo|vaari|mies|vaimo|poika|tytar|lapsi|son|dotter|man|fru|sambo|granne"
    r"|kysy|asia|fraga|fragor|sak))")
_NEED_SELF = re.compile(
    r"\b(?:tarvitsen|tarviin|tarvin|tarvisin|tarvitsisin|tarttisin|tartten|tartteisin|mulla|minulla|miulla"
    r"|itselleni|itsellani|itseni|itseani|itsestani|(?:mina|ma|mie|en) (?:itse|ite|itte)|sairastan|paasenko"
    r"|saisinko|saanko"
    r"|hakisin|(?:jag|ja) (?:behover|behovde|har|hade|soker|lider|skulle behova)|behover (?:jag|ja)|far (?:jag|ja)"
    r"|(?:mig|mej) sjalv|(?:behover|behovde) sjalv|(?:jag|ja) sjalv|(?:at|for) (?:mig|mej)|for (?:min )?egen del)\b")
# First person, but not only asking for information ("haluaisin tietää", "jag undrar" say nothing about whom).
_SOFT_SELF = re.compile(
    r"\b(?:olen|oon|olin|oisin|olisin|olenko|oonko|ma|mie|mua|minua|minut|miuta|asun"
    r"|mina(?! (?:foraldrar|barn|barnbarn|syskon|grannar|vanner))"
    r"|(?:jag|ja) (?:ar|e|mar|orkar|bor|kan|klarar|ska|sku|skulle|vill ha|har|behover|far|fick|blev|blir|jobbar"
    r"|sitter|ligger|sover|minns|glommer)|en (?:enaa |oikein |ihan )?(?:jaksa|pysty|tieda|osaa|paase|ymmarra"
    r"|halua|muista|voi|saa|ole|oo|tarvitse|parjaa|kesta|ehdi|kehtaa|viitsi|uskalla|nae|kuule|itse))\b")
_WE = re.compile(
    r"\b(?:jag|ja|mig|mej) och (?:min|mitt|mina)\b|\b(?:min|mitt) \w+ och (?:jag|ja|mig|mej)\b"
    r"|\b(?:mina|ma|mie) ja (?:mun|minun|miun) |\b\w+ni ja (?:mina|ma|mie|minulla|mulla|minun|mun)\b"
    r"|\b(?:mulla|minulla) ja \w+lla\b|\bme (?:molemmat|kumpikin)\b|\bvi (?:bada|tva)\b|\boss bada\b")
_NOT_ME = re.compile(
    r"\b(?:ei|en)(?: [\w-]+){0,2}? (?:mulle|minulle|itselleni|minua|mua|itse|mina|ma)"
    r"(?: [\w-]+){0,5}? ,? ?vaan\b"
    r"|\b(?:inte|int)(?: (?:for|at))? (?:mig|mej|jag|ja)(?: sjalv)? ,? ?utan\b")


def _for_whom(s: str) -> str | None:
    if _WE.search(s):
        return None
    s = _SELF_ROLE.sub(" mina ", s)
    ben = subj = mention = False
    for m in _KIN_RE.finditer(s):
        word = m.group(0)
        before = s[max(0, m.start() - 40):m.start()]
        genitive = word.endswith("n") if m.group("obl") else bool(re.search(r"(?<!mie)s$", word))
        if re.search(r"lle" + _POSS + "$", word) or _BEN_BEFORE.search(before) or (
                genitive and _GEN_NOUN.match(s, m.end())):
            ben = True
        elif m.group("nom") and _SUBJ_AFTER.match(s, m.end()):
            subj = True
        else:
            mention = True
    mention = mention or bool(_PRONOUN_RE.search(s))
    rest = _HAS_KIN.sub(" ", s)
    need_self, soft_self = bool(_NEED_SELF.search(rest)), bool(_SOFT_SELF.search(rest))
    if ben or ((subj or mention) and _NOT_ME.search(s)):
        return "close_one"
    if subj and not need_self:
        return "close_one"
    if subj or mention:
        return None if need_self or soft_self else "close_one"
    return "self" if need_self or soft_self else None


# --- municipality -------------------------------------------------------------------------------------
# Per code: exact words and prefixes ("porvoo*" = Porvoo, Porvoossa, porvoolainen...).
_PLACES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("porvoo", ("porvoo*", "borga", "borgas")),
    ("loviisa", ("loviisa*", "lovisa", "lovisas", "pernaja*", "ruotsinpyhta*", "stromfors", "liljendal*")),
    ("sipoo", ("sipoo*", "sibbo", "nikkila*", "nickby", "soderkulla*")),
    ("askola", ("askola*",)),
    ("lapinjarvi", ("lapinjarv*", "lapptrask")),
    ("myrskyla", ("myrskyla*", "morskom")),
    ("pornainen", ("pornai*", "borgnas")),
    ("pukkila", ("pukkila*",)),
    ("other:helsinki", ("helsin*", "helsingfors")),
    ("other:vantaa", ("vantaa*", "vanda")),
    ("other:kerava", ("kerava*", "kervo")),
    ("other:espoo", ("espoo*", "esbo")),
    ("other:jarvenpaa", ("jarvenpa*", "traskanda")),
    ("other:tuusula", ("tuusula*", "tusby")),
    ("other:mantsala", ("mantsala*",)),
    ("other:lahti", ("lahtis", "lahti*", "lahde*", "lahte*")),
    ("other:orimattila", ("orimattila*",)),
    ("other:kotka", ("kotka*",)),
    ("other:pyhtaa", ("pyhta*", "pyttis")),
    ("other:kouvola", ("kouvola*",)),
    ("other:hyvinkaa", ("hyvinka*", "hyvinge")),
    ("other:nurmijarvi", ("nurmijarv*",)),
)
# Also common nouns (lahti = bay, kotka = eagle): a capital letter or an unmistakable inflection is needed.
_CASED = frozenset({"other:lahti", "other:kotka"})
_LOWER_OK = frozenset({"lahtis", "lahdessa", "lahdesta", "lahteen", "lahtelainen", "kotkassa", "kotkasta", "kotkaan",
                       "kotkalainen"})
_BAD_TAIL = re.compile(r"tie|kat|kadu|kuj|vag|gat|joki|joe|ranta|ranna|lahti|lahde|lahte|sanomat|seudu|seutu")
_LIVE_PREFIX = ("asu", "koton", "kotikun", "kirjoilla", "hemkommun", "hemma")
_LIVE_SV = frozenset({"bor", "bodde", "bott", "bosatt", "bosatta", "boende", "flyttade", "flyttar", "flyttat"})
_FIRST = frozenset({"asun", "asumme", "asutaan", "asuin", "asuimme", "asustan", "muutin", "muutimme", "muutan"})
_THIRD = frozenset({"asuu", "asuvat", "asui", "asuivat", "asuva", "asuvan", "asustaa", "muutti", "muuttivat"})


def _place(low: str, raw: str) -> tuple[str, str] | None:
    """(code, tail) when the lowercased folded token names a place."""
    for code, names in _PLACES:
        for name in names:
            stem = name.rstrip("*")
            if low == stem or (name.endswith("*") and low.startswith(stem) and len(low) - len(stem) <= 10
                               and not _BAD_TAIL.search(low[len(stem):])):
                if code in _CASED and not raw[:1].isupper() and low not in _LOWER_OK:
                    return None
                return code, low[len(stem):]
    return None


def _municipality(text: str, who: str | None) -> dict[str, str]:
    raw = "".join(ch for ch in unicodedata.normalize("NFKC", text[:MAX_CHARS]) if unicodedata.category(ch) != "Cf")
    words = tokens(raw)
    low = [fold(w.lower()) for w in words]
    places = [(i, *found) for i, (w, lw) in enumerate(zip(words, low, strict=True)) if (found := _place(lw, w))]
    codes = list(dict.fromkeys(code for _, code, _ in places))
    # Where someone lives: each "asuu/asun/bor/muutti" word goes to the nearest place (following ones first).
    lived: dict[str, set[str]] = {code: {""} for _, code, tail in places if "lai" in tail}
    place_at = {i for i, _, _ in places}
    for j, lw in enumerate(low):
        moved = lw.startswith(("muut", "flytt"))
        if j in place_at or not (moved or lw.startswith(_LIVE_PREFIX) or lw in _LIVE_SV):
            continue
        near = [(abs(i - j) + (0.5 if i < j else 0), code) for i, code, tail in places if 0 < abs(i - j) <= 4
                and not (moved and (tail.endswith(("sta", "lta")) or low[i - 1] == "fran"))]
        if not near:
            continue
        prev = low[j - 1] if j else ""
        if lw in _LIVE_SV:
            person = "first" if prev in ("jag", "ja", "vi") else "third" if prev else ""
        else:
            person = "first" if lw in _FIRST else "third" if lw in _THIRD else ""
        lived.setdefault(min(near)[1], set()).add(person)
    want = {"close_one": "third", "self": "first"}.get(who or "", "-")
    for choice in (codes, list(lived), [c for c, persons in lived.items() if want in persons]):
        if len(choice) == 1:
            code = choice[0]
            if code.startswith("other:"):
                return {"municipality": "other", "area": code.removeprefix("other:")}
            return {"municipality": code}
    return {}


# --- urgency ------------------------------------------------------------------------------------------
_NO_HURRY = re.compile(
    r"\b(?:ei|eika)(?: (?:oo|ole|ol|mulla|meilla|mul|nyt|niin|kovin|mitaan|mikaan|yhtaan|erityista|kauheen|kauheeta"
    r"|kauheaa|hirvee|tassa|ihan|sen|olla|tarvi|tarvitse|tarvii|tartte|asialla|asian|kanssa)){0,3}"
    r" (?:kiire\w*|heti|akuutti\w*|hoppu\w*|hataa|hatapaivaa)\b|\bkiireet(?:on|onta|tomasti|tomana)\b"
    r"|\bkun (?:ehditte|ehdit|ehtii|kerkeette|kerkiatte|on aikaa)\b|\bajan kanssa\b|\brauhassa\b"
    r"|\bingen (?:brad\w*|bratt\w*|stress|hast|panik)\b|\b(?:inte|int|inge|ej|icke)(?: (?:sa|nagot|nat|sarskilt"
    r"|alls|heller|nan|sarskit)){0,2} (?:bratt\w*|brad\w*|akut\w*)\b|\bnar (?:ni|du) (?:hinner|har tid)\b"
    r"|\bi lugn och ro\b|\b(?:hastar|bradskar) (?:inte|int|inge|ej)\b"
    r"|\bkiire\w*(?: \w+)? (?:ei|eika)(?: \w+)? (?:ole|oo|ol)\b")
_URGENT = re.compile(
    r"\b(?:heti|kiire|kiireen|kiireesti|kiireel\w*|kiiret\w*|kiireh\w*|mahdollisimman pian|niin pian kuin|pikimmiten"
    r"|nopeasti|nopeesti|nopsaa|pikaisesti"
    r"|pikainen|pikaista|pikaisen|pikimmiten|akuutti\w*|tanaan|tana (?:paivana|iltana)|huomenna|huomiseen|asap"
    r"|valittomasti|saman tien|samantien|hata|hatatilan\w*|bradsk\w*|bratt\w*|genast|snabbt|snabbast|snarast"
    r"|omedelbart|idag|i dag|imorgon|i morgon|imorron|i morron|imorn|i morn|akut|akuta|direkt"
    r"|sa (?:fort|snart|snabbt) (?:som mojligt|det gar))\b")
_SOON = re.compile(
    r"\b(?:pian|lahiaikoina|lahiaikoin|lahipaivina|lahiviikkoina|lahiviikkoin|piakkoin|kohtapuoliin|ensi viikolla"
    r"|ensi viikon|ensiviikolla|tulevalla viikolla|(?:parin|muutaman|kahden|kolmen)? ?viikon (?:sisalla|aikana"
    r"|paasta|kuluessa)|taman kuun aikana|kuun sisalla|snart|nasta vecka|nasta veckan|inom (?:nagra|ett par|en|tva"
    r"|nan|nagon) (?:vecka|veckor|veckorna)|(?:de )?narmaste (?:veckorna|tiden)|inom kort)\b")


# Asking about urgency is not stating it: "en tiedä onko tämä kiireellinen", "hur brådskande är det".
_UNSURE = re.compile(
    r"\b(?:onko|onks|oliko|kuinka|miten)(?: [\w-]+){0,2} kiire\w*|\b(?:ar|e) (?:det|detta)(?: \w+)? bradsk\w*"
    r"|\bhur bradsk\w*|\bhur bratt\w*")


def _urgency(s: str) -> str | None:
    s = _UNSURE.sub(" , ", s)
    calm = bool(_NO_HURRY.search(s))
    rest = _NO_HURRY.sub(" , ", s)
    if _URGENT.search(rest):
        return None if calm else "urgent"
    if _SOON.search(rest):
        return "soon"
    return "no_hurry" if calm else None


def prefill(text: str) -> dict[str, str]:
    """Intake slots a message already answers: for_whom, municipality (+ area for "other"), urgency."""
    s = _prep(text)
    if not s:
        return {}
    found: dict[str, str] = {}
    if who := _for_whom(s):
        found["for_whom"] = who
    found.update(_municipality(text, found.get("for_whom")))
    if urgency := _urgency(s):
        found["urgency"] = urgency
    return found


# --- language switch ----------------------------------------------------------------------------------
_LANG_FI = re.compile(r"\b(?:suomeksi|suomeks|suomea|suomee|suomi|suomen kielella|suomenkielella|finska|finskt"
                      r"|finsk)\b")
_LANG_SV = re.compile(r"\b(?:ruotsiksi|ruotsiks|ruotsia|ruotsii|ruotsi|ruotsin kielella|ruotsinkielella|svenska"
                      r"|svenskt|svensk)\b")
_NOT_UNDERSTAND = re.compile(
    r"\b(?:en (?:ymmarra|ymmarda|osaa|puhu|oikein ymmarra|kauheesti osaa)|ymmarran huonosti"
    r"|(?:jag|ja) (?:forstar|kan|talar|pratar) (?:inte|int|inge|ej|daligt|bara lite)"
    r"|forstar (?:inte|int|daligt))\b")
_CONV_CUE = re.compile(
    r"\b(?:puhutko|puhutteko|puhua|puhutaan|puhutaanko|puhuttaisiinko|osaatko|osaatteko|osaat|ymmarratko|ymmarrat"
    r"|jatkaa|jatketaan|jatketaanko|jatkan|jatkanko|kirjoita|kirjoitetaan|kirjoittaa|kirjoitatko|kirjottaa|vaihtaa"
    r"|vaihdetaan|vaihdetaanko|vaihda|vastaa|vastaatko|vastata|voidaanko|voitaisiinko|voisitko|voitko|voinko|saanko"
    r"|haluan|haluaisin|haluun|haluisin|mieluummin|mieluiten|talar du|pratar du|kan du|kan vi|kunde vi|kan ni"
    r"|talar ni|pratar ni|ta det|tar vi|skriv|skriva|skriver du|svara|byta|byt|fortsatta|fortsatt|(?:jag|ja) vill"
    r"|helst|hellre|gar det|funkar det)\b")
_FILLER = frozenset({
    "kiitos", "kiitti", "kiits", "tack", "please", "anteeksi", "sori", "sorry", "ursakta", "forlat", "hei", "moi",
    "hej", "hejsan", "moikka", "terve", "pa", "mielellaan", "garna", "bara", "vain", "vaan", "kielella", "ok",
    "okei", "okej", "jos", "om", "mahdollista", "mojligt", "voisi", "kiitoksia", "nyt", "nu", "hyva", "bra", ",",
    ".", "!", "?", "ja", "tai", "eller"})
_SERVICE = re.compile(
    r"\b(?:palvelu\w*|hoit\w*|laakar\w*|kotihoi\w*|tyontekij\w*|asiakas\w*|hoivakod\w*|palveluohjaa\w*"
    r"|service\w*|vard\w*|hemvard\w*|hemtjanst\w*|lakar\w*|personal\w*|skotare\w*|boende\w*|tolk\w*"
    r"|tulk\w*|lomake\w*|blankett\w*|papper\w*)\b")
_TARGET = re.compile(r"\b(?:till|pa) (?:svenska|svensk)\b|\b(?:till|pa) (?:finska|finsk)\b|\bruotsiksi\b|\bsuomeksi\b")


def language_request(text: str) -> str | None:
    """Return "fi" or "sv" when a short message asks to change the chat's language ("på svenska tack")."""
    s = _prep(text)
    if not s or len(tokens(s)) > 8 or _SERVICE.search(s) or _KIN_RE.search(s) or _PRONOUN_RE.search(s):
        return None
    fi, sv = _LANG_FI.search(s), _LANG_SV.search(s)
    if not fi and not sv:
        return None
    refuse = _NOT_UNDERSTAND.search(s)
    rest = set(_LANG_FI.sub(" ", _LANG_SV.sub(" ", s)).split()) - _FILLER
    if not refuse and not _CONV_CUE.search(s) and rest:
        return None
    if fi and sv:  # "kan vi byta från finska till svenska", "voinko kirjoittaa ruotsiksi, en osaa suomea"
        targets = {"sv" if m.group(0).endswith(("svenska", "svensk", "ruotsiksi")) else "fi"
                   for m in _TARGET.finditer(s)}
        return targets.pop() if len(targets) == 1 else None
    named = "fi" if fi else "sv"
    if refuse:
        return "sv" if named == "fi" else "fi"
    return named


# --- identity -------------------------------------------------------------------------------------------
_WHAT = (r"(?:oikea|oikee|oikia|aito|elava|ihminen|ihmine|robotti|botti|kone|tekoaly|chatbot|chattibotti|chatbotti"
         r"|ai|automaatti|ohjelma|tietokone|manniska|robot|bot|maskin|dator|riktig|levande|person|human)")
_IDENTITY = re.compile(
    r"\bkuka (?:sa|sina|sie|te)\b|\bkuka (?:oot|olet|olette|ootte)\b|\bmika (?:sa|sina|sie) (?:oot|olet)\b"
    r"|\b(?:kenen|kenenka) kanssa (?:ma |mina |mie )?(?:puhun|keskustelen|juttelen|kirjoitan|chattaan|viestittelen)\b"
    r"|\b(?:ootko|oletko|ooksa|ootsa|oletsa|ootteko|oletteko|oot sa|olet sina|oot sie|ootko sa|oletko sa|sa oot"
    rf"|sina olet|sie oot)(?: \w+){{0,2}}? {_WHAT}\b"
    rf"|\b(?:onko|onks|onkohan) (?:tama|taa|ta|se|tassa|siella|tuolla)(?: \w+){{0,2}}? {_WHAT}\b"
    r"|\b(?:puhunko|juttelenko|keskustelenko|kirjoitanko|chattaanko|viestittelenko)(?: \w+){0,2}? "
    r"(?:koneen|robotin|botin|ihmisen|tekoalyn|automaatin|ohjelman|tietokoneen)\b|\bihminen vai (?:kone|robotti|botti)"
    r"|\b(?:kone|robotti|botti|tekoaly) vai ihminen|\bihminenko\b|\bvastaako (?:tahan|taalla) (?:oikea )?ihminen"
    r"|\b(?:oikea|oikee|oikia|aito) ihminen(?: vai \w+)? \?"
    r"|\bvem (?:ar|e) (?:du|ni)\b|\bvad (?:ar|e) (?:du|ni)\b|\bvem (?:talar|pratar|skriver|chattar) (?:jag|ja) med\b"
    rf"|\b(?:ar|e) (?:du|ni|det har|de har|detta|det)(?: \w+){{0,2}}? {_WHAT}\b"
    rf"|\b(?:talar|pratar|skriver|chattar) (?:jag|ja) med(?: \w+){{0,2}}? {_WHAT}\b"
    r"|\b(?:sitter|finns) det (?:en |nan |nagon )?(?:riktig )?(?:manniska|person)\b"
    r"|\bmanniska eller (?:robot|maskin|bot|dator)|\b(?:robot|maskin|bot|dator) eller manniska"
    r"|\bwho are you\b|\bare you (?:a |an )?(?:human|bot|robot|real|ai)\b")


def identity_question(text: str) -> bool:
    """True when the citizen asks who or what the bot is, or whether a human is writing."""
    s = _prep(text)
    return bool(s) and len(tokens(s)) <= 40 and bool(_IDENTITY.search(s))


# --- question -------------------------------------------------------------------------------------------
_GREETING = frozenset({
    "hei", "hej", "moi", "moikka", "terve", "morjens", "moro", "heippa", "hello", "hallo", "halloo", "hejsan",
    "noniin", "tjena", "tjenare", "halla", "anteeksi", "ursakta", "forlat", "sorry", "sori", "joo", "no", "niin",
    "okei", "ok", "okej", "eli", "siis", "kiitos", "tack", "mutta", "men", "nii", "hmm"})
_Q_WORDS_FI = frozenset({
    "voiko", "voinko", "voisinko", "voisiko", "voitteko", "voitko", "voisitko", "saako", "saanko", "saisinko",
    "pitaako", "pitaisiko", "tarviiko", "tarvitseeko", "tarvitsenko", "tartteeko", "onko", "oonko", "olenko",
    "ootko", "oletko", "mika", "mita", "miten", "mitenka", "kuinka", "paljonko", "montako", "missa", "mista",
    "mihin", "milloin", "kuka", "kenelle", "kenen", "keneen", "kenelta", "ketka", "miksi", "miks", "mitka",
    "kumpi", "millainen", "millaista", "minkalainen", "kauanko", "mille", "kenella", "mistas", "mitas", "mites"})
_Q_WORDS_SV = frozenset({"vad", "hur", "nar", "vem", "vilken", "vilket", "vilka", "varfor", "vart", "varifran"})
_SV_V1 = frozenset({
    "kan", "kunde", "far", "fick", "maste", "behover", "ska", "skall", "skulle", "sku", "ar", "e", "har", "finns",
    "galler", "kostar", "tar", "gar", "brukar", "kommer", "vet", "borde", "hjalper", "betalar", "var", "hinner",
    "sitter", "svarar"})
_SV_SUBJ = frozenset({
    "du", "ni", "jag", "ja", "man", "vi", "hon", "han", "hen", "det", "de", "dom", "den", "mamma", "pappa", "min",
    "mitt", "mina", "nagon", "nan", "tjansten", "hemvarden", "hemtjansten", "ert", "er"})
_NOT_KO = frozenset({"heikko", "jaakko", "marko", "ukko", "kokko", "lakko", "tikko", "kiekko", "jakso", "mokko",
                     "eikka", "hirvikko", "hakko", "kaks", "siks", "ehks", "vaiks", "koks"})
_SENTENCE_RE = re.compile(r"[.!?\n]+")
_QMARK_RE = re.compile(r"\?(?![\w/=&%])")  # not a URL's query string


def is_question(text: str) -> bool:
    """True when the message asks something: a "?" ending a sentence, or a sentence opening like a question."""
    if not isinstance(text, str) or not text:
        return False
    cut = normalize(text[:MAX_CHARS], fold_diacritics=True)
    if _QMARK_RE.search(cut):
        return True
    for sentence in _SENTENCE_RE.split(cut):
        words = tokens(sentence)
        while words and words[0] in _GREETING:
            words.pop(0)
        if not words:
            continue
        first, second = words[0], words[1] if len(words) > 1 else ""
        if first in _Q_WORDS_FI or first in _Q_WORDS_SV:
            return True
        if (first in _SV_V1 and second in _SV_SUBJ) or (first == "var" and second in _SV_V1):
            return True
        # "pääseekö", "maksaako", spoken "onks", "voiks" (but not "heikko", "Mikko", "kaks")
        if first not in _NOT_KO and re.search(r"\w{3}(?<!k)(?:ko|kohan|kos)$|\w{2}ks$", first):
            return True
    return False


# --- strain ---------------------------------------------------------------------------------------------
_STRAIN = re.compile(
    r"\b(?:vasy\w*|uupu\w*|uuvu\w*|(?:ihan|aivan|tosi|taysin|totaalisen|jo|olen|oon|ole|oo) (?:loppu|lopussa|poikki)"
    r"|voimat (?:on |ovat |ihan |aivan )?(?:loppu|lopussa|loppumassa|vahissa|vahiin)|voimavarat \w+ (?:loppu|vahissa)"
    r"|loppuun ?palanut|palanut loppuun|burn ?out|en (?:enaa |oikein |ihan |vaan )?(?:jaksa|jaksais|kesta)"
    r"|jaksaminen (?:on )?(?:koetuksella|vahissa|lopussa|kortilla)|jaksamisen (?:kanssa|rajoilla|aarirajoilla)"
    r"|rankka\w*|raskas|raskasta|raskaalta|raskaaksi|kuormittu\w*|ylikuormit\w*|stressaa\w*|hermot (?:on |ovat )?"
    r"(?:riekaleina|loppu|kireella)|voimaton|voimattomuus|ei (?:ole |oo )?voimia|trott\w*|utbrand\w*|utmatt\w*"
    r"|(?:(?:ar|e|kanner mig|kanns) (?:helt |alldeles |totalt |sa )?|helt |alldeles )slut(?! pa\b)"
    r"|slut pa (?:orken|ork|krafterna|krafter)|totalslut|slutkord"
    r"|(?:jag|ja) (?:\w+ )?orkar (?:inte|int|inge|ej)|orkar (?:inte|int|inge|ej) (?:mer|langre|lenge)|orkeslos"
    r"|kraftlos\w*|krafterna (?:ar |e )?slut|tungt|jobbigt|sliten|stressad|ingen ork|orken (?:ar |e )?slut"
    r"|kan inte mer|klarar inte mer|pa gransen|pa knana|pa bristningsgransen)\b")


_FIRST_PERSON = re.compile(
    r"\b(?:olen|oon|ma|mina|mie|en|mua|minua|mulla|minulla|jag|ja (?:e|ar|mar|orkar|kanner)|mig|mej|tama|taa|det)\b")


def strain(text: str) -> bool:
    """True when the writer sounds worn out (a tone cue for an empathetic word, not crisis detection)."""
    s = _prep(text)
    for m in _STRAIN.finditer(s):
        # "äiti on väsynyt", "mamma är trött": someone else's tiredness, unless the clause also speaks of the writer
        clause = re.split(r"[.,!?;:]", s[:m.start()])[-1]
        if not ((_KIN_RE.search(clause) or _PRONOUN_RE.search(clause)) and not _FIRST_PERSON.search(clause)):
            return True
    return False


# --- a request to delete one's data ---------------------------------------------------------------------
# "poista kaikki tietoni", "haluan että tietoni poistetaan", "radera allt om mig", "ta bort mina uppgifter": a delete
# verb and, as its object, the writer's own data, themselves or "everything". Typos of a letter are forgiven. Not a
# request: another thing to delete ("poista se viesti", "ta bort bokningen"), a negation ("älä poista"), or data
# elsewhere ("tietoni Omakannasta", "mina uppgifter från Facebook").
_DELETE_MAX_WORDS = 16
_FI_VERBS = ("poistaa", "poista", "poistakaa", "poistatte", "poistetaan", "poistaisitteko", "poistaisitko",
             "poistamaan", "poistettua", "poistettu", "poistettava", "poistaminen", "poistamista", "poistakaas",
             "havittakaa", "havita", "havittaa", "unohda", "unohtakaa", "unohtaa", "tyhjenna", "tyhjentakaa")
_SV_VERBS = ("radera", "raderas", "raderar", "raderat", "raderade", "radering", "raderingen", "rensa", "rensas",
             "utplana", "utplanas", "stryk", "stryka", "glom", "glomma", "glomm")
_SV_TAKE = frozenset({"ta", "tag", "tas", "tar", "tagit", "tagits", "tog", "togs", "tabort"})
# The writer's own data: forms that say "mine" themselves, and forms that need an owner word nearby.
_FI_MINE = ("tietoni", "tietojani", "tietojeni", "tiedoistani", "tiedoni", "henkilotietoni", "henkilotietojani",
            "yhteystietoni", "yhteystietojani", "asiakastietoni", "datani", "keskusteluni", "keskusteluhistoriani",
            "viestini", "viestihistoriani", "profiilini", "tilini", "kayttajatilini")
_FI_DATA = ("tiedot", "tietoja", "tietojen", "tiedoista", "henkilotiedot", "henkilotietoja", "yhteystiedot", "data",
            "datat", "dataa", "keskusteluhistoria")
_FI_OWNER = frozenset({"minun", "mun", "miun", "meidan", "omat", "omia", "kaikki", "minusta", "musta", "itsestani",
                       "minua", "mua", "tallennetut", "tallennettu", "tallentamanne", "tallentamat"})
_FI_ME = frozenset({"minut", "mut", "miut", "itseni"})
_SV_MINE = ("personuppgifter", "personuppgifterna", "kontaktuppgifter")
_SV_DATA = ("uppgifter", "uppgifterna", "data", "datan", "information", "informationen", "konto", "kontot", "profil",
            "profilen", "meddelanden", "meddelandena", "historik", "historiken", "chatt", "chatten", "konversation")
_SV_OWNER = frozenset({"mina", "min", "mitt", "mig", "mej", "allt", "alla", "sparade"})
_SV_ME = frozenset({"mig", "mej"})
_EVERYTHING = frozenset({"kaikki", "kaiken", "allt"})
_AFTER_EVERYTHING = frozenset({"minusta", "musta", "mita", "mika", "tallennettu", "tallennetut", "om", "ni", "som",
                               "ja", "och", "heti", "nyt", "genast", "nu", "pois", "bort", "kiitos", "tack"})
_FI_NOT = frozenset({"ala", "alkaa", "alkaka", "en", "ei", "emme", "ette", "eivat"})
_SV_NOT = frozenset({"inte", "int", "ej", "icke", "aldrig"})
_HERE = frozenset({  # "from here": this bot's own store
    "minusta", "musta", "itsestani", "teilta", "taalta", "kaikkialta", "jarjestelmasta", "jarjestelmastanne",
    "tietokannasta", "tietokannastanne", "rekisterista", "rekisteristanne", "botilta", "botista", "chatista",
    "palvelusta", "palvelustanne", "tasta", "tiedoista", "tiedoistani", "keskustelusta", "alusta"})
_SV_FROM = frozenset({"fran", "ur"})
_SV_HERE = frozenset({"er", "ert", "era", "boten", "chatten", "systemet", "registret", "databasen", "tjansten", "hit",
                      "har", "den", "det", "denna", "detta"})


def _near(word: str, target: str) -> bool:
    """`word` is `target` or one typo away from it (a letter wrong, missing, extra, or two swapped), for words of
    five letters or more."""
    if word == target:
        return True
    if len(target) < 5 or abs(len(word) - len(target)) > 1:
        return False
    if len(word) == len(target):
        wrong = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        return len(wrong) == 1 or (len(wrong) == 2 and wrong[1] == wrong[0] + 1
                                   and word[wrong[0]] == target[wrong[1]] and word[wrong[1]] == target[wrong[0]])
    short, long = (word, target) if len(word) < len(target) else (target, word)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _any_near(word: str, targets: tuple[str, ...]) -> bool:
    return any(_near(word, target) for target in targets)


def delete_request(text: str) -> bool:
    """True when a short message asks to delete the writer's own data (fi/sv, typos and missing diacritics too)."""
    words = tokens(normalize(text[:MAX_CHARS], fold_diacritics=True)) if isinstance(text, str) else []
    if not words or len(words) > _DELETE_MAX_WORDS:
        return False
    fi_verb = next((i for i, w in enumerate(words) if (w.startswith("poist") and not w.startswith("poistu"))
                    or w == "pois" or _any_near(w, _FI_VERBS)), None)
    sv_verb = next((i for i, w in enumerate(words) if w.startswith("rader") or _any_near(w, _SV_VERBS)
                    or (w == "bort" and _SV_TAKE & set(words[max(0, i - 5):i])) or w == "tabort"), None)
    if fi_verb is not None and not _FI_NOT & set(words[:fi_verb]) and _fi_object(words, fi_verb):
        return not any(w.endswith(("sta", "lta")) and w not in _HERE and not w.startswith("poist") for w in words)
    if sv_verb is not None and not _SV_NOT & set(words) and _sv_object(words, sv_verb):
        return not any(w in _SV_FROM and (i + 1 >= len(words) or words[i + 1] not in _SV_HERE)
                       for i, w in enumerate(words))
    return False


def _everything(words: list[str]) -> bool:
    """"kaikki" / "allt" as the whole object: at the end, or followed by "about me", "what you stored"..."""
    return any(w in _EVERYTHING and (i + 1 == len(words) or words[i + 1] in _AFTER_EVERYTHING)
               for i, w in enumerate(words))


def _fi_object(words: list[str], verb: int) -> bool:
    owner = bool(_FI_OWNER & set(words))
    # "ajanvarauksen tiedot": a thing's data, not the writer's
    data = [i for i, w in enumerate(words) if _any_near(w, _FI_DATA)
            and not (i and words[i - 1].endswith("n") and words[i - 1] not in _FI_OWNER)]
    return (any(_any_near(w, _FI_MINE) for w in words) or (owner and bool(data))
            or bool(_FI_ME & set(words[verb + 1:verb + 3])) or _everything(words))


def _sv_object(words: list[str], verb: int) -> bool:
    owner = bool(_SV_OWNER & set(words))
    return (any(w.startswith("personuppgift") or _any_near(w, _SV_MINE) for w in words)
            or (owner and any(w.startswith("uppgift") or _any_near(w, _SV_DATA) for w in words))
            or bool(_SV_ME & set(words[verb + 1:verb + 3])) or _everything(words))
