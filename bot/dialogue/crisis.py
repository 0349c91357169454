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
    # reported intent or the deed: "sanoo tappavansa itsensä", "on tappanut itsensä"
    ("suicide", "fi", r"\b(?:tappavansa|tappavani|tappaisin|tappanut|tappanu) " + _SELF_FI + r"\b"),
    ("suicide", "fi", r"\b(?:aion|aikoo|uhkaa|meinaa|mietin|ajattelen|paattany|paattanyt|paattanut) (?:\w+ )?(?:tappaa|lopettaa) (?:" + _SELF_FI + r"|elamansa|elamani|kaiken)\b"),
    ("suicide", "fi", r"\b(?:lopetan|lopettaa) (?:kaiken|tan|taman|elamani|elamansa)\b"),
    ("suicide", "fi", r"\b(?:en|ei) (?:halua|haluu) (?:enaa )?(?:herata|heraa)\b|\b(?:nukahtaa|nukkua)(?: \w+){0,3} (?:koskaan|ikina) herat\w*"),
    ("suicide", "fi", r"\b(?:hyppaan|hypata|hyppaamaan|hyppaisin)\b|\bjunan alle\b"),
    ("suicide", "fi", r"\b(?:koysi|koyden|koytta) (?:on )?valmiin\w*|\bjaahyvaiskirj\w*|\bhyvasti kaikki\b"),
    # preparations: a rope or noose made ready ("laittanu köyden valmiiksi", "köysi kattoon"), hanging
    ("suicide", "fi", r"\b(?:koysi|koyden|koytta|hirttokoy\w*|hirttosilmuk\w*)(?: \w+){0,2} (?:valmii\w*|kattoon|kaulaan|kaulalle)\b|\bhirtta(?:a|ay|yd|yt)\w*"),
    # farewells written or said: "kirjoitin kaikille hyvästit", "kirjoitin jäähyväiset perheelle"
    ("suicide", "fi", r"\b(?:kirjoitin|kirjotin|kirjoittanut|kirjoittanu|kirjottanu|jatin|sanoin)(?: \w+){0,2} (?:hyvastit|jaahyvaiset|jaahyvaisviest\w*)\b"),
    ("suicide", "fi", r"\bparempi (?:ilman (?:mua|minua)|jos (?:mua|minua|ma|mina) ei (?:ois|olis|olisi))\b|\b(?:oon|olen) (?:vaan |vain )?taakka\b"),
    ("suicide", "fi", r"\bpois tasta maailmasta\b|\bajattelen kuolemaa\b"),
    ("suicide", "fi", r"\ben (?:kesta|jaksa)(?: \w+){0,3} teen sen\b"),
    # "en kestä enää, aion tehdä sen tänä yönä": "do it" counts only after "I can't take it"
    ("suicide", "fi", r"\ben (?:kesta|jaksa)(?: \w+){0,4} (?:aion|meinaan|taidan) tehda sen\b"),
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
    # killing oneself, told or reported; "han ska döda mig" stays violence (no "själv"/"sig", no "ja")
    ("suicide", "sv", r"\bdoda (?:mig|mej|sig) sjalv\b|\b(?:ja|jag) (?:tanker|ska|vill|kommer att) doda (?:mig|mej)\b|\b(?:ska|tanker|vill|hotar att) doda sig\b"),
    ("suicide", "sv", r"\bingen (?:orsak|anledning|mening|ide|poang) (?:att|med att) leva\b|\b(?:inte|int|ej|inge) vart att leva\b|\b(?:inget|ingenting) (?:kvar )?att leva for\b"),
    # "ja vill int vakna mera" (not "vill inte vakna så tidigt", "orkar int vakna på morgonen")
    ("suicide", "sv", r"\b(?:vill|orkar) " + _NOT_SV + r" vakna(?: (?:mera|mer|igen|nagonsin|alls)\b|$)"),
    # preparations: a rope or noose ("gjort i ordning ett rep", "knutit ett rep"), a weapon, a car in the garage
    ("suicide", "sv", r"\b(?:gjort i ordning|gjort iordning|knutit|fixat|satt upp|hangt upp) (?:ett |en |mitt |min )?(?:rep|repet|snara|snaran)\b|\bsnaran\b"),
    ("suicide", "sv", r"\bvapen\w*(?: \w+){0,5} (?:anvanda|skjuta)\b|\b(?:ja|jag) har (?:ett )?vapen\b"),
    ("suicide", "sv", r"\bgarage\w*(?: \w+){0,4} (?:bilen|motorn) (?:\w+ )?igang\b|\b(?:bilen|motorn) (?:\w+ ){0,2}igang(?: \w+){0,3} garage\w*"),
    # farewells: "ja har skrivit farväl till alla"
    ("suicide", "sv", r"\b(?:skrivit|skrev|skickat)(?: \w+){0,2} (?:farval|avsked)\b|\bfarval till (?:alla|er|familjen)\b"),
    ("suicide", "sv", r"\bhoppa(?:r)? (?:fran|ner fran|ut fran|ut genom|framfor) (?:bron|en bro|balkongen|taket|fonstret|tornet|tage\w*|tunnelbanan)\b"),
    # "ja gör slut i dag" (but "gör slut med" is a break-up)
    ("suicide", "sv", r"\bgor (?:ja |jag )?slut (?:i ?dag|i ?kvall|i ?natt)\b(?! med)"),
    # --- self-harm ----------------------------------------------------------------
    ("self_harm", "fi", r"\bviil(?:sin|lan|telen|lella|sin|telin|tely|lin)\w*|\bsatut(?:taa|an) " + _SELF_FI + r"\b"),
    # cut wrists: "olen viiltänyt ranteeni", "viilsi ranteensa auki" (not "viiltävä kipu")
    ("self_harm", "fi", r"\bviil[ts]\w*(?: \w+){0,2} (?:ranne|ranteet|ranteeni|ranteensa|ranteen|ranteita|ranteitani|kateni|kasivarte\w*)\b|\bviilt\w* " + _SELF_FI + r"\b|\branteet auki\b"),
    ("self_harm", "sv", r"\bskurit (?:mig|mej)\b|\bskar (?:mig|mej)\b|\bskada[r]? (?:mig|mej) sjalv\b"),
    ("self_harm", "sv", r"\b(?:skurit|skar) (?:upp )?(?:\w+ )?handleder\w*"),
    # --- overdose, poisoning ------------------------------------------------------
    ("overdose", "fi", r"\b(?:otin|ottanu|ottanut|otti|nielin|nieli|nielaisin|join|joi|ottaa|syonyt|soin) (?:\w+ ){0,2}(?:kaikki|liikaa|koko purkin|purkillisen|jo)(?: \w+){0,2} (?:pillerit|pillereita|laakkeet|laakkeita|laakkeeni|unilaakkeet|unilaakkeita|tabletit|tabletteja)\b"),
    ("overdose", "fi", r"\byliann\w*|\bkoko purkin\b|\bjoi (?:\w+ ){0,3}ja pillerei\w*"),
    ("overdose", "fi", r"\b(?:pilleri|laakk|tabletti|unilaak)\w*(?: \w+){0,8} (?:aion|meinaan|taidan|aikoo|meinaa) ottaa (?:ne |\w+ )?kaikki\b"),
    ("overdose", "sv", r"\b(?:tagit|tog|svalt|svalde|ata|atit) (?:\w+ ){0,2}(?:alla|en hel burk|for manga)(?: \w+){0,3} (?:tabletter|tabletterna|piller|mediciner|medicinerna|somntabletter)\b"),
    ("overdose", "sv", r"\boverdos\w*|\ben hel burk\b|\bhar (?:druckit|tagit) (?:\w+ ){0,4}(?:tabletter|piller) pa en gang\b"),
    # a lot at once: "otin tosi paljon unilääkkeitä", "ja har tagit en massa tabletter"
    ("overdose", "fi", r"\b(?:otin|ottanut|ottanu|otti|nielin|nieli) (?:\w+ ){0,2}(?:paljon|kasan|kourallisen|kymmenia|kymmenen|tusinan) (?:\w+ )?(?:laakkeita|pillereita|tabletteja|unilaakkeita|sarkylaakkeita)\b"),
    ("overdose", "sv", r"\b(?:tagit|tog|svalt|svalde) (?:\w+ ){0,2}(?:en massa|massor av|massa|en hog|jattemanga|hela burken|hela kartan|hela askan)(?: \w+){0,2} (?:tabletter|piller|mediciner|somntabletter|varktabletter)\b"),
    # swallowed medicine (anyone, a child most often): "lapsi nieli lääkkeitä", "barnet har svalt tabletter";
    # not "söi/ätit" alone ("isä söi lääkkeet", "ja har ätit mina mediciner" are ordinary), not one's own
    # ("nieli lääkkeensä", "barnet har ätit sin medicin")
    ("overdose", "fi", r"\b(?:nieli|nielaisi|nielas|niellyt|nielly|niellut) (?:\w+ ){0,2}(?:laakkeita|laakkeet|laakkeen|laaketta|tabletteja|tabletin|tabletit|tablettia|pillereita|pillerin|pillerit|unilaakkeita|unilaakkeet)\b"),
    ("overdose", "fi", r"\b(?:lapsi|vauva|taapero|poika|tytto|lapseni|lapsemme) (?:\w+ )?(?:soi|joi) (?:\w+ ){0,2}(?:laakkei\w*|tabletteja|pillereita)\b"),
    ("overdose", "sv", r"\b(?:svalt|svalde|svaljt) (?!(?:sin|sina|sitt|mina|min)\b)(?:\w+ ){0,2}(?:tabletter|piller|mediciner)\b"),
    ("overdose", "sv", r"\b(?:barnet|barn|bebisen|babyn|lillen|lillebror|lillasyster) (?:har )?(?:atit|at|druckit|drack) (?!(?:sin|sina|sitt|upp)\b)(?:\w+ ){0,2}(?:tabletter|piller|mediciner|medicin)\b"),
    # preparations: pills gathered ("oon kerännyt unilääkkeitä", "ja har samlat på tabletter")
    ("overdose", "fi", r"\b(?:kerannyt|keranny|keranyt|saastanyt|saastany|hamstrannut|hamstrannu)(?: \w+){0,2} (?:pillereita|laakkeita|tabletteja|unilaakkeita)\b"),
    ("overdose", "sv", r"\bhar (?:samlat|sparat) (?:pa |ihop )?(?:\w+ )?(?:tabletter|piller|somntabletter|mediciner)\b"),
    ("child_danger", "fi", r"\b(?:nieli|nielas|nielaisi|joi|juonut|juonu|soi) (?:\w+ )?(?:pesuainetta|pesuaineita|myrkky\w*|myrkyll\w*|lamppuoljy\w*|tiskiainetta|konetiskiainetta)\b"),
    ("child_danger", "sv", r"\b(?:druckit|svalt|atit) (?:\w+ )?(?:diskmedel|tvattmedel|gift|giftig\w*|lampolja|rengoringsmedel)\b"),
    # --- violence, threats ----------------------------------------------------------
    ("violence", "fi", r"\b(?:lyo|lyoo|hakkaa|potkii|kuristi|kuristaa) (?:mua|minua|meita|aitia|aitii|lapsia|lasta|vaimoa|mummoa)\b|\bjoku lyo\b"),
    ("violence", "fi", r"\buhka(?:a|ilee|ili|s)?(?: \w+){0,3} (?:tappaa|tappavansa|satuttaa|satuttavansa|lapsia|veitsella|aseella|ampua|ampuvansa|puukottaa|puukottavansa|lyoda|lyovansa|kuristaa)\b|\buhkailee\b"),
    ("violence", "fi", r"\b(?:lupas|lupasi|sano|sanoi) tappaa\b|\btappaa (?:mut|minut|meidat|lapset)\b"),
    ("violence", "fi", r"\b(?:veitsi|veitsen|puukko|puukon|ase|aseen)(?: \w+){0,3} (?:uhkail\w*|uhkaa)\b|\bpuukott\w*|\bampu(?:i|ttiin)\b"),
    # "naapuria puukotettiin", "ammuttiin"
    ("violence", "fi", r"\bpuukote\w*|\bammu(?:ttiin|ttu)\b|\b(?:joku|naapuri|mies|mieheni) ampuu\b|\blaukauksia\b"),
    # who hits, said without the victim: "puoliso lyö", "mieheni hakkaa taas" (not "lyö laimin", "hakkaa puita")
    ("violence", "fi", r"\b(?:puoliso|puolisoni|mies|mieheni|miehe|vaimo|vaimoni|poikaystava\w*|tyttoystava\w*|kumppani\w*|isa|isapuoli|aiti|aitipuoli|veli|exa|exani|ex|naapuri|joku) (?:taas |nyt |koko ajan )?(?:lyo|lyoo|hakkaa|potkii|kuristaa|pahoinpitelee)\b(?! (?:laimin|puita|halkoja|klapeja))|\bpahoinpitel(?:ee|laan)\b|\b(?:mua|minua|meita) (?:lyodaan|hakataan)\b"),
    # a break-in now: "joku yrittää murtautua sisään", "murtovaras on sisällä".  Kept with violence as the
    # reviewed sv "bryter sig in" is: the intruder may be an ex-partner, and the Nollalinja line is conditional.
    ("violence", "fi", r"\bmurtau\w*|\bmurtovaras\w*|\bmurto (?:kaynnissa|menossa|nyt)\b"),
    ("violence", "fi", r"\bpelkaan (?:henkeni|etta se (?:tappaa|satuttaa|lyo))\w*|\bsatuttaa lapsia\b"),
    ("violence", "fi", r"\bvakival\w* (?:kotona )?(?:nyt|juuri nyt|kaynnissa)\b|\bvakivaltaa kotona\b"),
    ("violence", "fi", r"\boven takana ja yrittaa\b|\blukinnu\w* (?:itte|itse)\w*|\braiskat\w*|\braiskas\w*|\bheittelee tavaroita\b"),
    ("violence", "sv", r"\bslar (?:mig|mej|oss|mamma|pappa|barnen|barnet|henne|honom)\b|\bslagit (?:mig|mej)\b|\bblir slag(?:en|et|na)?\b"),
    ("violence", "sv", r"\bhotar (?:mig|mej|oss|barnen|att (?:doda|dod|skada|sla|skjuta|knivhugga|hugga|strypa))\b|\bhotar med (?:mer|kniv|vapen|stryk|pistol|gevar)\b"),
    # happening now or just done: "min man misshandlar mig", "blev knivhuggen", "högg mig med kniv"
    ("violence", "sv", r"\bmisshandlar\b|\bblir misshandla\w*|\bknivhug\w*|\bhogg (?:mig|mej|oss|honom|henne|barnet)\b|\bblev (?:skjuten|nerslagen|nedslagen)\b|\b(?:skjuter|skot) (?:mig|mej|oss|honom|henne|pa oss)\b"),
    # shooting: "han skjuter" as the whole message (not "skjuter upp", "skjuter på rullstolen")
    ("violence", "sv", r"\b(?:han|hon|nan|nagon|grannen|mannen) skjuter(?: nu)?$|\bskjuter (?:med )?(?:vapen|pistol|gevar)\b|\bskottlossning\b"),
    ("violence", "sv", r"\bvald (?:hemma |i hemmet )?(?:just )?nu\b|\bpagar (?:\w+ )?vald\b|\bvald pagar\b"),
    # a break-in now: "nån försöker bryta sig in", "en inbrottstjuv e i huset"
    ("violence", "sv", r"\b(?:bryta|brutit|brot) sig in\b|\binbrottstjuv\w*|\binbrott (?:pagar|nu|just nu)\b|\btjuv(?:en)? (?:e|ar) i (?:huset|lagenheten)\b"),
    ("violence", "sv", r"\b(?:ska|vill) doda (?:mig|mej|oss|barnen)\b|\bkniv\w*(?: \w+){0,3} hotar\b|\bhar kniv\b"),
    ("violence", "sv", r"\bforfoljer (?:mig|mej)\b|\bbryter sig in\b|\bslar sonder\b|\bvaldsam\b|\bvaldtag\w*|\bvaldtakt\w*"),
    ("violence", "sv", r"\bskada barnen\b|\butanfor dorren och skriker\b"),
    # --- unconscious, not waking ------------------------------------------------------
    ("unconscious", "fi", r"\b(?:ei|eika|eiks) (?:heraa|hera|reagoi|saa hereille)\b|\btajut(?:on|toma|tomaksi|tomana)\w*"),
    ("unconscious", "fi", r"\b(?:makaa|lysahti|lysahtanu\w*|romahti|romahtanu\w*|pyortyi|pyortyny\w*|kaatui|kaatu|kaatunu\w*|maassa|lattialla)(?: \w+){0,4} (?:eika|ei) (?:vastaa|liiku|reagoi)\b"),
    ("unconscious", "fi", r"\bmenet\w* tajun\w*|\btaju (?:meni|lahti|on mennyt)\b"),
    # no pulse: "pulssi ei tunnu", "en tunne pulssia"
    ("unconscious", "fi", r"\bpulssi(?:a)? (?:ei )?(?:tunnu|loydy)\b|\ben (?:tunne|loyda) pulssia\b"),
    ("unconscious", "fi", r"\bromahti (?:ja on|eika|lattialle|maahan)\b|\bei (?:oo |ole )?pulssia\b|\bei tunnu pulssia\b"),
    ("unconscious", "sv", r"\b(?:vaknar|reagerar) " + _NOT_SV + r"\b|\bmedvetslos\w*|\bgar (?:int|inte) att vacka\b|\b(?:han|hon) (?:e|ar) helt borta\b"),
    ("unconscious", "sv", r"\b(?:ligger|golvet|svimmat|svimmade|tagit|druckit)(?: \w+){0,4} (?:och )?svarar " + _NOT_SV + r"\b"),
    # fallen and not answering or moving: "mamma har ramlat och svarar int", "ligger på marken och rör sig int"
    ("unconscious", "sv", r"\b(?:ligger|legat|golvet|marken|ramlat|ramlade|fallit|foll|segnat|segnade|kollapsat|kollapsade)(?: \w+){0,4} (?:och )?(?:svarar|ror sig|reagerar) " + _NOT_SV + r"\b"),
    ("unconscious", "sv", r"\bingen puls\b|\bkanner " + _NOT_SV + r" (?:nan |nagon )?puls\b|\bpulsen (?:e |ar )?borta\b"),
    # --- breathing, choking, allergy --------------------------------------------------
    ("not_breathing", "fi", r"\b(?:ei|eika) (?:hengita|hengitys kulje)\b|\b(?:en|ei) saa henkea\b|\bhaukko\w* henkea\b"),
    # "en saa kunnolla henkeä", "hengitys ei kulje", a bite stuck in the throat, drowning
    ("not_breathing", "fi", r"\b(?:en|ei) saa (?:\w+ )?henkea\b|\bhengitys (?:ei|eika) (?:kulje|kulkenut|kulkenu)\b|\bhengitys (?:on )?(?:pysahtyny\w*|loppuny\w*)"),
    ("not_breathing", "fi", r"\bjuuttu\w*(?: \w+){0,2} kurkkuun\b|\bjai (?:\w+ )?kurkkuun\b|\bhukku(?:u|massa|mas)\b"),
    ("not_breathing", "fi", r"\bhengenahdistu\w*|\b(?:huulet|kasvot|naama) (?:on )?(?:ihan )?(?:siniset|sininen|sinisena|sinertavat)\b|\btukehtu\w*|\bei saa ilmaa\b|\banafyla\w*"),
    ("not_breathing", "sv", r"\bandas (?:int|inte|inge|knappt|konstigt)\b|\b(?:far|fa) " + _NOT_SV + r" luft\b|\bkan " + _NOT_SV + r" andas\b"),
    # "får int ordentligt luft", "kippar efter andan", choking ("bebisen kvävs"), drowning
    ("not_breathing", "sv", r"\b(?:far|fa) " + _NOT_SV + r" (?:\w+ )?luft\b|\bkippar (?:efter )?(?:andan|luft)\b|\bkvav(?:s|as|es|des|ts)\b|\bfastnat i halsen\b|\bdrunkn(?:ar|a)\b(?! i (?:papper|arbete|jobb))"),
    ("not_breathing", "sv", r"\bsvart att andas\b|\bandnod\b|\bbla om lapparna\b|\bsatt (?:nat|nagot|nanting) i halsen\b|\bhalsen svaller\b|\ballergisk(?:t)? (?:anfall|chock)\b"),
    # --- fallen and cannot get up -------------------------------------------------------
    ("fallen", "fi", r"\b(?:kaatu\w*|kaadu\w*|lysahti|maassa|lattialla|lattialle)(?: \w+){0,5} (?:eika|ei|en) (?:paase|paa|jaksa|pysty)(?: \w+){0,1} (?:ylos|nousemaan|nousta)\b"),
    ("fallen", "fi", r"\b(?:makaa|maannu\w*|ollu\w*) (?:\w+ ){0,2}(?:lattialla|maassa)(?: \w+){0,3} (?:koko yon|tunnin|tunteja|eika)\b"),
    ("fallen", "fi", r"\bkaatu\w*(?: \w+){0,6} (?:en jaksa nostaa|en saa ylos|en saa nostettua)\b"),
    ("fallen", "sv", r"\b(?:ramla\w*|fallit|foll|ligger pa golvet|ligger pa marken)(?: \w+){0,5} (?:kommer|kan|orkar|far|tar) " + _NOT_SV + r"(?: \w+){0,2} (?:upp|resa sig|resa mig|lyfta|rora sig|stiga upp)\b"),
    ("fallen", "sv", r"\b(?:ligger|legat|varit) pa golvet\b|\bfar (?:int|inte) upp (?:honom|henne)\b"),
    # --- chest pain, heart ----------------------------------------------------------------
    ("chest_pain", "fi", r"\brintakipu\w*|\brinta(?:an|ssa)? (?:sattuu|puristaa|kipee|koskee)\b|\b(?:puristaa|sattuu|kipua|painaa) rinnassa\b"),
    # "rintaa puristaa", "sydän kivut", "sai sydäninfarktin" (not "sydäninfarktin jälkeinen kuntoutus")
    ("chest_pain", "fi", r"\brintaa (?:sattuu|puristaa|painaa|koskee)\b|\bsydan ?(?:kipu|kivu)\w*|\bsydameen (?:sattuu|koskee)\b"),
    ("chest_pain", "fi", r"\bsydaninfarkt\w*+(?!(?: \w+){0,5} (?:jalke\w*|kuntou\w*|vuonna|viime\w*|sitten|aikoinaan|tarvi\w*))"),
    ("chest_pain", "fi", r"\bsydankohtau\w*+(?! jalke)|\bsydan (?:hakkaa|pysahty\w*)\b|\bsateilee (?:vasempaan |oikeaan )?(?:kateen|kasivarteen|leukaan)\b"),
    ("chest_pain", "sv", r"\b(?:ont|jatteont|vont|smarta|smartor) i (?:hjartat|hjarttrakten)\b|\bhjartsmart\w*|\btrycker (?:over|i|pa) brostet\b"),
    ("chest_pain", "sv", r"\b(?:ont|jatteont|vont|smarta|smartor) i (?:brostet|brostkorgen)\b|\bbrostsmart\w*|\btryck (?:over|i) brostet\b|\bhjartattack\w*|\bhjartinfarkt nu\b|\bstralar ut i armen\b"),
    # --- stroke signs -------------------------------------------------------------------
    ("stroke", "fi", r"\b(?:suu|kasvot|suupieli|naama) roikku\w*|\bpuhe sammal\w*|\bsammaltaa\b|\bavh oire\w*|\baivohalvaus nyt\b"),
    # "isällä on aivohalvaus" (present; "on ollut", "sai ... ja tarvii kuntoutusta" are not matched),
    # "puhe on sekavaa" (not "epäselvää": a child's unclear speech is a speech-therapy question)
    ("stroke", "fi", r"\bon (?:varmaan |ehka |kai |nyt )?(?:aivohalvaus|aivoinfarkti)\b|\bpuhe (?:on )?(?:ihan |yhtakkia |aivan )?sekava\w*"),
    ("stroke", "fi", r"\b(?:toinen|vasen|oikea) (?:kasi|jalka|puoli) (?:ei (?:liiku|toimi)|halvaantu\w*|veltto)\b|\beika toinen kasi (?:toimi|liiku)\b|\byhtakkia (?:\w+ ){0,2}(?:sekava|sekaisin)\b"),
    ("stroke", "sv", r"\bstroke nu\b|\bfatt (?:en )?stroke\b(?!(?: \w+){0,4} (?:rehab\w*|terapi|fysio\w*|efter|forra|i fjol))|\bpratar (?:sluddrigt|otydligt)\b|\bansiktet hanger\b|\bena sidan av (?:ansiktet|kroppen)\b"),
    ("stroke", "sv", r"\bkan " + _NOT_SV + r" lyfta (?:hogra|vanstra|ena) armen\b|\bdomnade plotsligt\b"),
    ("stroke", "sv", r"\bstrokesymtom\w*|\bmungipa\w* hanger\b|\b(?:armen|benet|handen|ena armen|ena benet) lyder " + _NOT_SV + r"\b(?!(?: \w+){0,4} (?:efter|sedan|sen|rehab\w*|terapi\w*|fysio\w*))"),
    # --- bleeding, head injury ---------------------------------------------------------------
    ("bleeding", "fi", r"\bverta (?:tulee|vuotaa|valuu|joka paikassa|joka puolella|paljon)\b|\bverenvuoto (?:ei lopu|runsas|kova)\b|\bvuotaa (?:paljon )?verta\b|\bruns\w* verenvuo\w*"),
    ("bleeding", "fi", r"\bloi paansa ja (?:oksentaa|on unelias|on sekava|vuotaa)\b"),
    ("bleeding", "sv", r"\bblod(?:et)? (?:sprutar|forsar|rinner)\b|\bblo(?:der|dde)(?: \w+){0,2} (?:mycket|jattemycket|kraftigt|fran huvudet|massor)\b|\bkraftig blodning\b|\bja blo(?:der|dde)\b"),
    # --- seizure ------------------------------------------------------------------------
    ("seizure", "fi", r"\bkouristel\w*|\bkouristaa\b"),
    # "lapsella on kouristuskohtaus" (not "kouristuskohtauksia joskus", "jäykkäkouristusrokote")
    ("seizure", "fi", r"\b(?:kouristus|epilepsia)kohtau\w*+(?!(?: \w+){0,4} (?:jalke\w*|viime\w*|sitten|joskus|usein|vuonna))"),
    ("seizure", "sv", r"\bkrampanfall\w*|\bkramper nu\b|\bligger och rycker\b"),
    ("seizure", "sv", r"\bkramper pa (?:golvet|marken)\b|\bkrampar\b"),
    # --- child in danger ---------------------------------------------------------------
    ("child_danger", "fi", r"\b(?:lapsi|vauva|poika|tytto) (?:putosi|putos|joutui) (?:veteen|jaihin)\b|\b(?:lapsi|vauva)\w* (?:on )?jatetty yksin\b|\bvauva ei hengita\b"),
    ("child_danger", "fi", r"\blapsi (?:on )?(?:vaarassa|hengenvaarassa)\b|\bjatetty yksin autoon\b"),
    # "lapsi on jäänyt yksin ja on vaarassa", "lapset on vaarassa"
    ("child_danger", "fi", r"\b(?:lapsi|lapset|lapseni|lapsemme|vauva|taapero|poika|tytto)(?: \w+){0,5} (?:vaarassa|hengenvaarassa)\b(?! (?:jaada|joutua|menettaa|syrjaytya|pudota|olla)\b)|\bjaan lapi\b"),
    ("child_danger", "fi", r"\b(?:putosi|putos|pudonnut|pudonnu|kaatui|kaatu|meni) (?:\w+ )?(?:veteen|jarveen|jaihin|avantoon|kaivoon|mereen|jokeen)\b"),
    ("child_danger", "sv", r"\bbarnet? (?:e|ar) i fara\b|\bbarn (?:e|ar) ensamt hemma\b|\bbebisen andas\b|\bbarnet? (?:har )?(?:ramlat|fallit) i vattnet\b"),
    # "ett litet barn e ensamt och i fara", "barnen e i fara just nu", "föll genom isen", fell into water
    ("child_danger", "sv", r"\b(?:barn|barnet|barnen|bebis|bebisen|babyn|lillen)(?: \w+){0,5} i (?:fara|livsfara)\b(?! att)|\bgenom isen\b"),
    ("child_danger", "sv", r"\b(?:ramlat|ramlade|fallit|foll) (?:ner )?i (?:vattnet|sjon|havet|an|brunnen|poolen|vaken)\b"),
    # --- missing person, generic emergency ---------------------------------------------------
    ("missing_person", "fi", r"\b(?:lahti|karkasi|katosi|harhaili)\w*(?: \w+){0,5} (?:eika|ei) (?:loydy|oo loytyny|ole loytynyt)\b"),
    ("missing_person", "sv", r"\b(?:mamma|pappa|farmor|mormor|farfar|morfar|barnet|sonen|dottern|han|hon) (?:har )?(?:forsvunnit|forsvann|gatt vilse)\b"),
    ("emergency", "fi", r"^(?:apua+|hata|apua nyt)(?: (?:apua|hata|nyt))*$|\bsoittakaa? ambulanssi\b|\btulipalo\b|\bhatatilan\w*"),
    ("emergency", "sv", r"^(?:hjalp+|hjalp nu|akut)(?: (?:hjalp|nu))*$|\bring(?:er)? (?:efter )?ambulans\w*|\bdet brinner\b|\bnan (?:dor|haller pa att do)\b"),
    # A cry for help as the whole message: "auttakaa nopeasti", "nyt on hätä", "hätä on", "tarviin apua nyt";
    # "hätä" inside a sentence is often worry ("mulla on hätä äidistä"), "auttakaa" inside one a request.
    ("emergency", "fi", r"^(?:(?:nyt|heti|on|joku|tulkaa) )*(?:apua+|apuu|hata|autt?akaa|auta|tulkaa apuun)(?: (?:apua+|hata|autt?akaa|nyt|heti|nopeasti|pian|on|kiireesti|kiire|tulkaa|tanne|mua|minua|meita|joku|hataan|apuun))*$"),
    ("emergency", "fi", r"^(?:ma |mina )?(?:tarviin|tarvin|tarvitsen|tarvitaan) apua(?: (?:nyt|heti|nopeasti|kiireesti|hataan|tanne))+$"),
    # "skynda er", "snabbt hjälp", "hjälp mig", "nöd", "det e nöd nu" as the whole message
    ("emergency", "sv", r"^(?:(?:snabbt|fort|nu|genast|kom|hit) )*(?:hjalp+|akut|skynda (?:er|dig|pa)|nod)(?: (?:hjalp|nu|mig|mej|oss|snabbt|fort|genast|skynda|er|pa|kom|hit|nagon|nan|har))*$"),
    ("emergency", "sv", r"^det (?:e|ar) (?:akut )?nod(?: nu| har)*$|\b(?:e|ar) (?:akut )?nod nu\b|\bnodsituation\w*|\bnodlage\w*|\bnodcentral\w*"),
    # Asking for an ambulance: "tarviin ambulanssin", "ja behöver ambulans".  Compounds ("ambulanssikyydit",
    # "ambulanstransport") and "-ko" questions ("tarvitaanko ambulanssi") are not matched; neither is a need
    # followed by a transport word ("tarvitsee ambulanssin kotiutukseen"), which is a transport question.
    ("emergency", "fi", r"\b(?:tarviin|tarvin|tarvitsen|tarvitaan|tarvii|tarvitsee|tarttee|tarvis|tilatkaa|kutsukaa|kutsu|lahettakaa|laheta|soita|soitan|soitin) (?:\w+ ){0,2}ambulanssi(?:n|a)?\b(?!(?: \w+){0,3} (?:kuljetu\w*|kyydi\w*|kyyti\w*|siirto\w*|kotiutu\w*|siirtoon))|\bambulanssi (?:heti|nyt|tanne|paikalle)\b|\bhatakesku\w*"),
    ("emergency", "sv", r"\b(?:behover|behovs|skicka|kalla|kallar|ringde|ringt) (?:\w+ ){0,2}ambulans(?:en)?\b(?!(?: \w+){0,3} (?:transport\w*|resa|resor|hem))|\bambulans (?:hit|nu|genast|fort|snabbt)\b"),
    # Fire now: "keittiössä palaa", "talo palaa" (not "palaa töihin/kotiin", "keittiössä palaa valo")
    ("emergency", "fi", r"\b(?:keittiossa|talossa|asunnossa|kodissa|saunassa|autossa|kellarissa|rappukaytavassa|porraskaytavassa|olohuoneessa|makuuhuoneessa|huoneessa|parvekkeella|naapurissa|naapurilla|mokilla|mokissa|ullakolla|taalla|meilla) palaa\b(?! (?:valo\w*|lamppu\w*|kynttil\w*|merkkivalo\w*))"),
    ("emergency", "fi", r"\b(?:talo|asunto|sauna|rasva|verhot|sanky|mokki|keittio|navetta|roskakatos) palaa\b(?! (?:kotiin|takaisin|toihin|valo\w*|pohjaan))|\bliekeissa\b|\btuli on irti\b|\btaynna savua\b"),
    ("emergency", "sv", r"\b(?:koket|huset|lagenheten|spisen|bilen|bastun|rummet|stugan|garaget|soffan|sangen|trapphuset|kallaren|vinden|balkongen) brinner\b|\bbrand i (?:huset|koket|lagenheten|trapphuset)\b|\beldsvada\b|\bfull(?:t)? (?:av|med) rok\b"),
    # Someone dying or life in danger, said as such
    ("emergency", "fi", r"\bjoku (?:kuolee|on kuolemassa)\b|\bhengenvaarassa\b"),
    ("emergency", "sv", r"\blivsfara\b"),
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
