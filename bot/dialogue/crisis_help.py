"""The crisis help texts, in code: they must not depend on catalogs or flows, which an edit can break."""
from __future__ import annotations

import logging

from bot.dialogue.crisis import CrisisHit

logger = logging.getLogger(__name__)

__all__ = ["CRISIS_LINE", "EMERGENCY", "MEDICAL_ADVICE", "NOLLALINJA", "POISON_LINE", "acknowledged_reply",
           "crisis_reply", "number_reply"]

EMERGENCY = "112"
CRISIS_LINE = {"fi": "09 2525 0111", "sv": "09 2525 0112"}  # MIELI's Crisis Helpline, round the clock
POISON_LINE = "0800 147 111"  # Poison Information Centre, round the clock
NOLLALINJA = "080 005 005"  # violence in close relationships, free, round the clock
MEDICAL_ADVICE = "116 117"  # Päivystysapu / Jourhjälpen, round the clock
LANGS = ("fi", "sv")

# The first lines of the crisis answer, by help kind: 112 always first, where 112 is the answer.
_HELP = {
    "medical": {
        "fi": "Jos joku on nyt vaarassa tai tarvitsee kiireesti apua, soita heti hätänumeroon 112.\n"
              "Hätäkeskus neuvoo puhelimessa, mitä voit tehdä ennen kuin apu tulee.",
        "sv": "Om någon är i fara eller behöver hjälp genast, ring nödnumret 112 nu.\n"
              "Nödcentralen säger i telefon vad du kan göra tills hjälpen kommer.",
    },
    "suicidal": {
        "fi": "Jos sinä tai joku muu on nyt vaarassa, soita heti hätänumeroon 112.\n"
              f"Jos mielessäsi on ajatuksia elämän lopettamisesta tai tarvitset juuri nyt jonkun, jolle puhua, "
              f"soita MIELI ry:n Kriisipuhelimeen {CRISIS_LINE['fi']}. Se päivystää ympäri vuorokauden.",
        "sv": "Om du eller någon annan är i fara nu, ring nödnumret 112 genast.\n"
              f"Om du har tankar på att ta ditt liv eller behöver någon att prata med just nu, ring "
              f"Kristelefonen på svenska, {CRISIS_LINE['sv']}. Den är öppen dygnet runt.",
    },
    "poisoning": {
        "fi": "Jos myrkytyksen saanut on tajuton, hyvin unelias tai hänen on vaikea hengittää, soita heti 112.\n"
              f"Muuten soita Myrkytystietokeskukseen, {POISON_LINE}. Sieltä saat neuvoja ympäri vuorokauden.",
        "sv": "Om den som fått i sig något är medvetslös, mycket dåsig eller har svårt att andas, "
              "ring 112 genast.\n"
              f"Annars ring Giftinformationscentralen, {POISON_LINE}. Där får du råd dygnet runt.",
    },
    "violence": {
        "fi": "Jos sinä tai joku muu on nyt vaarassa, soita heti hätänumeroon 112.\n"
              f"Myöhemmin voit soittaa Nollalinjaan, {NOLLALINJA}. Se on maksuton ja päivystää "
              "ympäri vuorokauden, kun kotona tai lähisuhteessa on väkivaltaa tai sen uhkaa.",
        "sv": "Om du eller någon annan är i fara nu, ring nödnumret 112 genast.\n"
              f"Senare kan du ringa Nollinjen, {NOLLALINJA}. Den är avgiftsfri och öppen dygnet runt "
              "när det finns våld eller hot om våld hemma eller i en nära relation.",
    },
}
# A line more when the same message also calls for another kind of help (CrisisHit.also)
_ALSO = {
    "poisoning": {
        "fi": f"Jos on otettu lääkkeitä tai jotain myrkyllistä, Myrkytystietokeskus neuvoo numerossa {POISON_LINE} "
              "ympäri vuorokauden.",
        "sv": f"Om någon har tagit mediciner eller något giftigt får du råd av Giftinformationscentralen, "
              f"{POISON_LINE}, dygnet runt.",
    },
    "suicidal": {
        "fi": f"Jos taustalla on ajatuksia elämän lopettamisesta, Kriisipuhelin {CRISIS_LINE['fi']} päivystää "
              "ympäri vuorokauden.",
        "sv": f"Om någon har tankar på att ta sitt liv kan ni också ringa Kristelefonen, {CRISIS_LINE['sv']}, "
              "dygnet runt.",
    },
    "violence": {
        "fi": f"Väkivallasta tai sen uhasta voit myöhemmin puhua Nollalinjassa, {NOLLALINJA}, ympäri vuorokauden.",
        "sv": f"Om våld eller hot kan du senare prata med Nollinjen, {NOLLALINJA}, dygnet runt.",
    },
}
# The staff alert (bot/handoff/crisis_alert.py) carries no words and no identity: say exactly that much.
_STAFF = {
    "fi": "Kerroin myös lähitorin työntekijöille, että tässä keskustelussa tarvitaan nyt apua. He eivät näe, "
          "mitä kirjoitit. Jos apua tarvitaan heti, soita 112.",
    "sv": "Jag har också berättat för närtorgets personal att någon i den här chatten behöver hjälp nu. De ser "
          "inte vad du skrev. Om hjälp behövs genast, ring 112.",
}
_GO_ON = {
    "fi": "Voit kirjoittaa tänne lisää. Jatketaan asiaasi sitten, kun olet valmis.",
    "sv": "Du kan skriva mer här. Vi fortsätter med ditt ärende när du är redo.",
}
_NUMBERS = {
    "emergency": {
        "fi": "Hätänumero on 112. Soita siihen aina, kun joku on vaarassa tai tarvitsee kiireesti apua.",
        "sv": "Nödnumret är 112. Ring det alltid när någon är i fara eller behöver hjälp genast.",
    },
    "crisis_line": {
        "fi": f"MIELI ry:n Kriisipuhelin on {CRISIS_LINE['fi']} suomeksi ja {CRISIS_LINE['sv']} ruotsiksi. "
              "Se päivystää ympäri vuorokauden.",
        "sv": f"MIELI rf:s Kristelefon på svenska är {CRISIS_LINE['sv']} och på finska {CRISIS_LINE['fi']}. "
              "Den är öppen dygnet runt.",
    },
    "poison": {
        "fi": f"Myrkytystietokeskus on {POISON_LINE}, ympäri vuorokauden. Jos myrkytyksen saanut on tajuton, "
              "hyvin unelias tai hengittää vaikeasti, soita 112.",
        "sv": f"Giftinformationscentralen är {POISON_LINE}, dygnet runt. Om den som fått i sig något är "
              "medvetslös, mycket dåsig eller har svårt att andas, ring 112.",
    },
    "nollalinja": {
        "fi": f"Nollalinja on {NOLLALINJA}. Se on maksuton ja päivystää ympäri vuorokauden, kun kotona tai "
              "lähisuhteessa on väkivaltaa tai sen uhkaa.",
        "sv": f"Nollinjen är {NOLLALINJA}. Den är avgiftsfri och öppen dygnet runt när det finns våld eller "
              "hot om våld hemma eller i en nära relation.",
    },
    "medical_advice": {
        "fi": f"Päivystysapu on {MEDICAL_ADVICE}, ympäri vuorokauden. Sieltä saat neuvoa, kun mietit, "
              "tarvitaanko päivystystä.",
        "sv": f"Jourhjälpen är {MEDICAL_ADVICE}, dygnet runt. Där får du råd när du undrar "
              "om du behöver jouren.",
    },
}
_NUMBER_ORDER = ("emergency", "crisis_line", "poison", "nollalinja", "medical_advice")
_ACKNOWLEDGED = {
    "fi": "Hyvä, että hätänumeroon 112 on jo soitettu. Toimi hätäkeskuksen ohjeiden mukaan ja soita uudelleen, "
          "jos tilanne muuttuu. Jatketaan nyt asiaasi.",
    "sv": "Bra att ni redan har ringt nödnumret 112. Följ nödcentralens råd och ring igen om läget förändras. "
          "Nu fortsätter vi med ditt ärende.",
}


def _lang(lang: str | None) -> str:
    return lang if lang in LANGS else "fi"


def crisis_reply(hit: CrisisHit, lang: str, *, staff_notified: bool) -> str:
    """The crisis answer for this hit's help kind; says a person saw the message only when staff were notified."""
    lang = _lang(lang)
    kind = hit.help if hit.help in _HELP else "suicidal"
    lines = [_HELP[kind][lang]]
    lines += [_ALSO[extra][lang] for extra in sorted(hit.also) if extra in _ALSO and extra != kind]
    if staff_notified:
        lines.append(_STAFF[lang])
    lines.append(_GO_ON[lang])
    return "\n".join(lines)


def number_reply(kinds: frozenset[str], lang: str) -> str:
    """The numbers asked for (crisis.help_request), with their hours; every number when none is named."""
    lang = _lang(lang)
    chosen = [k for k in _NUMBER_ORDER if k in kinds] or list(_NUMBER_ORDER)
    return "\n".join(_NUMBERS[k][lang] for k in chosen)


def acknowledged_reply(lang: str) -> str:
    """A short acknowledgement when 112 is already called (crisis.already_called): then the need goes on."""
    return _ACKNOWLEDGED[_lang(lang)]
