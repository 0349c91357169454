"""The crisis guard: reviewed fi/sv patterns (and the classifier's crisis intent) that trigger 112 at once."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

from nlu.text import normalize
from nlu.types import Prediction

logger = logging.getLogger(__name__)

__all__ = ["CATEGORIES", "CLASSIFIER_MIN_CONFIDENCE", "CrisisHit", "PATTERNS", "check", "prepare"]

# A false alarm costs a citizen one extra message; a miss can cost a life.  So the
# classifier's crisis intent counts from a lower confidence than any other intent
# (the embedded model's calibrated threshold is 0.5).  Out of fold on nlu/data, a
# raw crisis top intent at >= 0.3 finds 73 % of crisis examples with 1.9 % false
# alarms (0.4: 70 % / 1.2 %; 0.2: 75 % / 2.6 %); the patterns do the rest.
CLASSIFIER_MIN_CONFIDENCE = 0.30

CATEGORIES = frozenset({
    "suicide", "self_harm", "overdose", "violence", "unconscious", "not_breathing", "fallen",
    "chest_pain", "stroke", "bleeding", "seizure", "child_danger", "missing_person", "emergency",
})


@dataclass(frozen=True, slots=True)
class CrisisHit:
    """Why the guard fired: a category of CATEGORIES (or "crisis" for the classifier) and the source."""

    category: str
    source: Literal["pattern", "classifier"]


# Patterns run on `prepare`d text: lowercase, ä/å→a, ö→o, punctuation turned into
# single spaces, letters repeated 3+ times cut to two ("apuaaa" → "apuaa").
# Spoken forms: fi "mä/mun/itteni/eikä→eika", sv "ja"=jag, "int"=inte, "e"=är, "nån".
_NOT_SV = r"(?:inte?|int|inge|ej|in)"
_SELF_FI = r"(?:itte(?:ni|ani|si|nsa|ensa|aan)|itse(?:ni|ani|si|nsa|aan))"  # itteni, itseäni, ittensä...

_TABLE: tuple[tuple[str, str, str], ...] = (
    # --- suicide, fi --------------------------------------------------------------
    ("suicide", "fi", r"\b(?:itsemurh|itsmurh|itemurh|itsemuhr|itsetuho)\w*"),
    ("suicide", "fi", r"\b(?:haluu?n|haluan|haluaisin|haluisin|tahdon|toivon)(?: \w+){0,2} kuol(?:la|isin|is|ta)\b"),
    ("suicide", "fi", r"\b(?:en|ei|ettei|etten) (?:jaksa|halua|haluu|kesta)(?: \w+){0,2} (?:ela|elaa|elama|elaman|elamaa|elossa)\b"),
    ("suicide", "fi", r"\b(?:ei|en|ettei|etten)(?: \w+){0,3} (?:jarkea|syyta|merkitysta)(?: \w+){0,2} (?:elaa|ela|jatkaa|elamaa|elaman|elossa)\b"),
    ("suicide", "fi", r"\b(?:tappaa|tapan|tappais|tappamaan|tapa) " + _SELF_FI + r"\b"),
    ("suicide", "fi", r"\b(?:aion|aikoo|uhkaa|meinaa|mietin|ajattelen|paattany|paattanyt|paattanut) (?:\w+ )?(?:tappaa|lopettaa) (?:" + _SELF_FI + r"|elamansa|elamani|kaiken)\b"),
    ("suicide", "fi", r"\b(?:lopetan|lopettaa) (?:kaiken|tan|taman|elamani|elamansa)\b"),
    ("suicide", "fi", r"\b(?:en|ei) (?:halua|haluu) (?:enaa )?(?:herata|heraa)\b|\b(?:nukahtaa|nukkua)(?: \w+){0,3} (?:koskaan|ikina) herat\w*"),
    ("suicide", "fi", r"\b(?:hyppaan|hypata|hyppaamaan|hyppaisin)\b|\bjunan alle\b"),
    ("suicide", "fi", r"\b(?:koysi|koyden|koytta) (?:on )?valmiin\w*|\bjaahyvaiskirj\w*|\bhyvasti kaikki\b"),
    ("suicide", "fi", r"\bparempi (?:ilman (?:mua|minua)|jos (?:mua|minua|ma|mina) ei (?:ois|olis|olisi))\b|\b(?:oon|olen) (?:vaan |vain )?taakka\b"),
    ("suicide", "fi", r"\bpois tasta maailmasta\b|\bajattelen kuolemaa\b"),
    ("suicide", "fi", r"\ben (?:kesta|jaksa)(?: \w+){0,3} teen sen\b"),
    ("suicide", "fi", r"\b(?:mulla|minulla) on ase\b|\b(?:ase|aseen)(?: \w+){0,3} (?:kayttoa|kayttaa)\b"),
    # --- suicide, sv --------------------------------------------------------------
    ("suicide", "sv", r"\bsjalvmord\w*|\bsjalmord\w*|\bsuicid\w*"),
    ("suicide", "sv", r"\bvill+ (?:bara |nu )?do\b|\bvil do\b"),
    ("suicide", "sv", r"\b(?:vill|orkar|kan) " + _NOT_SV + r"(?: \w+){0,1} (?:leva|vara vid liv)\b|\b(?:int|inte) (?:vill|orkar) leva\b"),
    ("suicide", "sv", r"\bta (?:livet av (?:mig|sig|mej)|mitt liv|sitt liv)\b"),
    ("suicide", "sv", r"\bgora slut pa (?:det|mig|mej|allt|livet|mitt liv)\b|\bgor (?:ja |jag )?slut (?:nu|pa det)\b|\bi ?kvall gor (?:ja|jag) det\b"),
    ("suicide", "sv", r"\b(?:ett rep|repet) (?:i|pa|hanger)\b|\btanker hoppa\b|\bhoppa (?:fran|ner fran) bron\b|\bavskedsbrev\w*"),
    ("suicide", "sv", r"\bom (?:ja|jag) (?:int|inte) fanns\b|\bsomna och aldrig vakna\b|\b(?:int|inte) vakna i ?morgon\b"),
    ("suicide", "sv", r"\bingen mening (?:med (?:nanting|nagonting|livet|att leva)|att leva)\b"),
    ("suicide", "sv", r"\bmotorn igang i garaget\b|\btanker pa doden\b|\blivet (?:e|ar) slut\b"),
    # --- self-harm ----------------------------------------------------------------
    ("self_harm", "fi", r"\bviil(?:sin|lan|telen|lella|sin|telin|tely|lin)\w*|\bsatut(?:taa|an) " + _SELF_FI + r"\b"),
    ("self_harm", "sv", r"\bskurit (?:mig|mej)\b|\bskar (?:mig|mej)\b|\bskada[r]? (?:mig|mej) sjalv\b"),
    # --- overdose, poisoning ------------------------------------------------------
    ("overdose", "fi", r"\b(?:otin|ottanu|ottanut|otti|nielin|nieli|nielaisin|join|joi|ottaa|syonyt|soin) (?:\w+ ){0,2}(?:kaikki|liikaa|koko purkin|purkillisen|jo)(?: \w+){0,2} (?:pillerit|pillereita|laakkeet|laakkeita|laakkeeni|unilaakkeet|unilaakkeita|tabletit|tabletteja)\b"),
    ("overdose", "fi", r"\byliann\w*|\bkoko purkin\b|\bjoi (?:\w+ ){0,3}ja pillerei\w*"),
    ("overdose", "fi", r"\b(?:pilleri|laakk|tabletti|unilaak)\w*(?: \w+){0,8} (?:aion|meinaan|taidan|aikoo|meinaa) ottaa (?:ne |\w+ )?kaikki\b"),
    ("overdose", "sv", r"\b(?:tagit|tog|svalt|svalde|ata|atit) (?:\w+ ){0,2}(?:alla|en hel burk|for manga)(?: \w+){0,3} (?:tabletter|tabletterna|piller|mediciner|medicinerna|somntabletter)\b"),
    ("overdose", "sv", r"\boverdos\w*|\ben hel burk\b|\bhar (?:druckit|tagit) (?:\w+ ){0,4}(?:tabletter|piller) pa en gang\b"),
    ("child_danger", "fi", r"\b(?:nieli|nielas|nielaisi|joi|juonut|juonu|soi) (?:\w+ )?(?:pesuainetta|pesuaineita|myrkky\w*|lamppuoljy\w*|tiskiainetta|konetiskiainetta)\b"),
    ("child_danger", "sv", r"\b(?:druckit|svalt|atit) (?:\w+ )?(?:diskmedel|tvattmedel|gift|lampolja|rengoringsmedel)\b"),
    # --- violence, threats ----------------------------------------------------------
    ("violence", "fi", r"\b(?:lyo|lyoo|hakkaa|potkii|kuristi|kuristaa) (?:mua|minua|meita|aitia|aitii|lapsia|lasta|vaimoa|mummoa)\b|\bjoku lyo\b"),
    ("violence", "fi", r"\buhka(?:a|ilee|ili|s)?(?: \w+){0,3} (?:tappaa|tappavansa|satuttaa|satuttavansa|lapsia|veitsella|aseella)\b|\buhkailee\b"),
    ("violence", "fi", r"\b(?:lupas|lupasi|sano|sanoi) tappaa\b|\btappaa (?:mut|minut|meidat|lapset)\b"),
    ("violence", "fi", r"\b(?:veitsi|veitsen|puukko|puukon|ase|aseen)(?: \w+){0,3} (?:uhkail\w*|uhkaa)\b|\bpuukott\w*|\bampu(?:i|ttiin)\b"),
    ("violence", "fi", r"\bpelkaan (?:henkeni|etta se (?:tappaa|satuttaa|lyo))\w*|\bsatuttaa lapsia\b"),
    ("violence", "fi", r"\bvakival\w* (?:kotona )?(?:nyt|juuri nyt|kaynnissa)\b|\bvakivaltaa kotona\b"),
    ("violence", "fi", r"\boven takana ja yrittaa\b|\blukinnu\w* (?:itte|itse)\w*|\braiskat\w*|\braiskas\w*|\bheittelee tavaroita\b"),
    ("violence", "sv", r"\bslar (?:mig|mej|oss|mamma|pappa|barnen|barnet|henne|honom)\b|\bslagit (?:mig|mej)\b|\bblir slag(?:en|et|na)?\b"),
    ("violence", "sv", r"\bhotar (?:mig|mej|oss|barnen|att (?:doda|dod|skada|sla))\b|\bhotar med (?:mer|kniv|vapen|stryk)\b"),
    ("violence", "sv", r"\b(?:ska|vill) doda (?:mig|mej|oss|barnen)\b|\bkniv\w*(?: \w+){0,3} hotar\b|\bhar kniv\b"),
    ("violence", "sv", r"\bforfoljer (?:mig|mej)\b|\bbryter sig in\b|\bslar sonder\b|\bvaldsam\b|\bvaldtag\w*|\bvaldtakt\w*"),
    ("violence", "sv", r"\bskada barnen\b|\butanfor dorren och skriker\b"),
    # --- unconscious, not waking ------------------------------------------------------
    ("unconscious", "fi", r"\b(?:ei|eika|eiks) (?:heraa|hera|reagoi|saa hereille)\b|\btajut(?:on|toma|tomaksi|tomana)\w*"),
    ("unconscious", "fi", r"\b(?:makaa|lysahti|romahti|pyortyi|kaatui|kaatu|maassa|lattialla)(?: \w+){0,4} (?:eika|ei) (?:vastaa|liiku|reagoi)\b"),
    ("unconscious", "fi", r"\bromahti (?:ja on|eika|lattialle|maahan)\b|\bei (?:oo |ole )?pulssia\b|\bei tunnu pulssia\b"),
    ("unconscious", "sv", r"\b(?:vaknar|reagerar) " + _NOT_SV + r"\b|\bmedvetslos\w*|\bgar (?:int|inte) att vacka\b|\b(?:han|hon) (?:e|ar) helt borta\b"),
    ("unconscious", "sv", r"\b(?:ligger|golvet|svimmat|svimmade|tagit|druckit)(?: \w+){0,4} (?:och )?svarar " + _NOT_SV + r"\b"),
    # --- breathing, choking, allergy --------------------------------------------------
    ("not_breathing", "fi", r"\b(?:ei|eika) (?:hengita|hengitys kulje)\b|\b(?:en|ei) saa henkea\b|\bhaukko\w* henkea\b"),
    ("not_breathing", "fi", r"\bhengenahdistu\w*|\b(?:huulet|kasvot|naama) (?:on )?(?:ihan )?(?:siniset|sininen|sinisena|sinertavat)\b|\btukehtu\w*|\bei saa ilmaa\b|\banafyla\w*"),
    ("not_breathing", "sv", r"\bandas (?:int|inte|inge|knappt|konstigt)\b|\b(?:far|fa) " + _NOT_SV + r" luft\b|\bkan " + _NOT_SV + r" andas\b"),
    ("not_breathing", "sv", r"\bsvart att andas\b|\bandnod\b|\bbla om lapparna\b|\bsatt (?:nat|nagot|nanting) i halsen\b|\bhalsen svaller\b|\ballergisk(?:t)? (?:anfall|chock)\b"),
    # --- fallen and cannot get up -------------------------------------------------------
    ("fallen", "fi", r"\b(?:kaatu\w*|kaadu\w*|lysahti|maassa|lattialla|lattialle)(?: \w+){0,5} (?:eika|ei|en) (?:paase|paa|jaksa|pysty)(?: \w+){0,1} (?:ylos|nousemaan|nousta)\b"),
    ("fallen", "fi", r"\b(?:makaa|maannu\w*|ollu\w*) (?:\w+ ){0,2}(?:lattialla|maassa)(?: \w+){0,3} (?:koko yon|tunnin|tunteja|eika)\b"),
    ("fallen", "fi", r"\bkaatu\w*(?: \w+){0,6} (?:en jaksa nostaa|en saa ylos|en saa nostettua)\b"),
    ("fallen", "sv", r"\b(?:ramla\w*|fallit|foll|ligger pa golvet|ligger pa marken)(?: \w+){0,5} (?:kommer|kan|orkar|far|tar) " + _NOT_SV + r"(?: \w+){0,2} (?:upp|resa sig|resa mig|lyfta|rora sig|stiga upp)\b"),
    ("fallen", "sv", r"\b(?:ligger|legat|varit) pa golvet\b|\bfar (?:int|inte) upp (?:honom|henne)\b"),
    # --- chest pain, heart ----------------------------------------------------------------
    ("chest_pain", "fi", r"\brintakipu\w*|\brinta(?:an|ssa)? (?:sattuu|puristaa|kipee|koskee)\b|\b(?:puristaa|sattuu|kipua|painaa) rinnassa\b"),
    ("chest_pain", "fi", r"\bsydankohtau\w*+(?! jalke)|\bsydan (?:hakkaa|pysahty\w*)\b|\bsateilee (?:vasempaan |oikeaan )?(?:kateen|kasivarteen|leukaan)\b"),
    ("chest_pain", "sv", r"\b(?:ont|jatteont|vont|smarta|smartor) i (?:brostet|brostkorgen)\b|\bbrostsmart\w*|\btryck (?:over|i) brostet\b|\bhjartattack\w*|\bhjartinfarkt nu\b|\bstralar ut i armen\b"),
    # --- stroke signs -------------------------------------------------------------------
    ("stroke", "fi", r"\b(?:suu|kasvot|suupieli|naama) roikku\w*|\bpuhe sammal\w*|\bsammaltaa\b|\bavh oire\w*|\baivohalvaus nyt\b"),
    ("stroke", "fi", r"\b(?:toinen|vasen|oikea) (?:kasi|jalka|puoli) (?:ei (?:liiku|toimi)|halvaantu\w*|veltto)\b|\beika toinen kasi (?:toimi|liiku)\b|\byhtakkia (?:\w+ ){0,2}(?:sekava|sekaisin)\b"),
    ("stroke", "sv", r"\bstroke nu\b|\bfatt (?:en )?stroke\b(?!(?: \w+){0,4} (?:rehab\w*|terapi|fysio\w*|efter|forra|i fjol))|\bpratar (?:sluddrigt|otydligt)\b|\bansiktet hanger\b|\bena sidan av (?:ansiktet|kroppen)\b"),
    ("stroke", "sv", r"\bkan " + _NOT_SV + r" lyfta (?:hogra|vanstra|ena) armen\b|\bdomnade plotsligt\b"),
    # --- bleeding, head injury ---------------------------------------------------------------
    ("bleeding", "fi", r"\bverta (?:tulee|vuotaa|valuu|joka paikassa|joka puolella|paljon)\b|\bverenvuoto (?:ei lopu|runsas|kova)\b|\bvuotaa (?:paljon )?verta\b|\bruns\w* verenvuo\w*"),
    ("bleeding", "fi", r"\bloi paansa ja (?:oksentaa|on unelias|on sekava|vuotaa)\b"),
    ("bleeding", "sv", r"\bblod(?:et)? (?:sprutar|forsar|rinner)\b|\bblo(?:der|dde)(?: \w+){0,2} (?:mycket|jattemycket|kraftigt|fran huvudet|massor)\b|\bkraftig blodning\b|\bja blo(?:der|dde)\b"),
    # --- seizure ------------------------------------------------------------------------
    ("seizure", "fi", r"\bkouristel\w*|\bkouristaa\b"),
    ("seizure", "sv", r"\bkrampanfall\w*|\bkramper nu\b|\bligger och rycker\b"),
    # --- child in danger ---------------------------------------------------------------
    ("child_danger", "fi", r"\b(?:lapsi|vauva|poika|tytto) (?:putosi|putos|joutui) (?:veteen|jaihin)\b|\b(?:lapsi|vauva)\w* (?:on )?jatetty yksin\b|\bvauva ei hengita\b"),
    ("child_danger", "fi", r"\blapsi (?:on )?(?:vaarassa|hengenvaarassa)\b|\bjatetty yksin autoon\b"),
    ("child_danger", "fi", r"\b(?:putosi|putos|pudonnut|pudonnu|kaatui|kaatu|meni) (?:\w+ )?(?:veteen|jarveen|jaihin|avantoon|kaivoon|mereen|jokeen)\b"),
    ("child_danger", "sv", r"\bbarnet? (?:e|ar) i fara\b|\bbarn (?:e|ar) ensamt hemma\b|\bbebisen andas\b|\bbarnet? (?:har )?(?:ramlat|fallit) i vattnet\b"),
    # --- missing person, generic emergency ---------------------------------------------------
    ("missing_person", "fi", r"\b(?:lahti|karkasi|katosi|harhaili)\w*(?: \w+){0,5} (?:eika|ei) (?:loydy|oo loytyny|ole loytynyt)\b"),
    ("missing_person", "sv", r"\b(?:mamma|pappa|farmor|mormor|farfar|morfar|barnet|sonen|dottern|han|hon) (?:har )?(?:forsvunnit|forsvann|gatt vilse)\b"),
    ("emergency", "fi", r"^(?:apua+|hata|apua nyt)(?: (?:apua|hata|nyt))*$|\bsoittakaa? ambulanssi\b|\btulipalo\b|\bhatatilan\w*"),
    ("emergency", "sv", r"^(?:hjalp+|hjalp nu|akut)(?: (?:hjalp|nu))*$|\bring(?:er)? (?:efter )?ambulans\w*|\bdet brinner\b|\bnan (?:dor|haller pa att do)\b"),
    ("emergency", "any", r"\b112\b|\bhatanumero\w*|\bnodnummer\w*"),
)


def _compile() -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for category, _lang, pattern in _TABLE:
        if category not in CATEGORIES:
            raise ValueError(f"crisis pattern with unknown category {category!r}")
        compiled.append((category, re.compile(pattern)))
    return tuple(compiled)


PATTERNS = _compile()
_NON_WORD = re.compile(r"[\W_]+")
_REPEATS = re.compile(r"(\w)\1{2,}")


def prepare(text: str) -> str:
    """The guard's view of a message: normalised, folded, punctuation as single spaces."""
    text = normalize(text or "", fold_diacritics=True)
    text = _REPEATS.sub(r"\1\1", text)
    return _NON_WORD.sub(" ", text).strip()


def check(text: str, prediction: Prediction | None = None) -> CrisisHit | None:
    """A CrisisHit when the message may be an emergency, else None; never raises."""
    try:
        prepared = prepare(text)
        for category, pattern in PATTERNS:
            if pattern.search(prepared):
                return CrisisHit(category=category, source="pattern")
    except Exception as exc:  # noqa: BLE001 - the guard must not break a turn
        logger.warning("crisis patterns failed: %s", type(exc).__name__)
    if prediction is not None and _classifier_says_crisis(prediction):
        return CrisisHit(category="crisis", source="classifier")
    return None


def _classifier_says_crisis(prediction: Prediction) -> bool:
    """Crisis as the answer, or as the raw top intent (before the fallback) above the lower bar."""
    if prediction.intent == "crisis":
        return True
    extra = prediction.extra or {}
    raw, confidence = extra.get("raw_intent"), extra.get("raw_confidence", 0.0)
    if raw is None and prediction.ranking:
        raw, confidence = prediction.ranking[0]
    return raw == "crisis" and float(confidence or 0.0) >= CLASSIFIER_MIN_CONFIDENCE
