"""The crisis guard's reviewed fi/sv pattern tables: crises, denials, idioms, help-number questions, calls made."""
# ruff: noqa: E501 - one pattern a line reads better than a pattern cut in pieces
from __future__ import annotations

# Every pattern runs on `crisis.prepare`d text: lowercase, ä/å→a, ö→o, punctuation turned into single spaces,
# letters repeated 3+ times cut to two ("apuaaa" → "apuaa") and, in a second view, to one.  A denial or an
# idiom ("en ole itsetuhoinen", "kuolen nälkään") is cut out first and leaves a "|" that no pattern crosses.
# Spoken forms: fi "mä/mun/itteni/eikä→eika", sv "ja"=jag, "int"=inte, "e"=är, "nån".
_NOT_SV = r"(?:inte?|int|inge|ej|in)"
_SELF_FI = r"(?:itte(?:ni|ani|si|nsa|ensa|aan)|itse(?:ni|ani|si|nsa|aan))"  # itteni, itseäni, ittensä...
# Someone close, as the subject of "does not open / answer": "äiti", "naapurin mummo", "hän"
_PERSON_FI = (r"(?:(?:aiti|isa|mummo|mummu|mummi|pappa|vaari|ukki|isoaiti|isoisa|naapuri|veli|velje|sisko|sisar|"
              r"mies|miehe|vaimo|puoliso|poika|poja|tytar|tyttare|ystava|kaveri|tati|eno|seta|anoppi|appi)\w*|han|se)")
_PERSON_SV = (r"(?:mamma|pappa|mormor|farmor|morfar|farfar|grannen|grannfrun|grannen|min \w+|honom|henne|han|hon|"
              r"brorsan|syrran|sonen|dottern|mannen|frun|gubben|gumman|moster|faster|morbror|farbror|\w+s mamma|"
              r"\w+s pappa|kompisen|van(?:nen)?)")

# (category, language, pattern).  Categories: see crisis.HELP_OF for the help each one gets.
TABLE: tuple[tuple[str, str, str], ...] = (
    # --- suicide, fi --------------------------------------------------------------
    ("suicide", "fi", r"\b(?:itsemurh|itsmurh|itemurh|itsemuhr|itsetuho)\w*"),
    ("suicide", "fi", r"\b(?:haluu?n|haluan|haluaisin|haluisin|tahdon|toivon)(?: \w+){0,2} kuol(?:la|isin|is|ta)\b"),
    ("suicide", "fi", r"\b(?:en|ei|ettei|etten) (?:jaksa|halua|haluu|kesta)(?: \w+){0,2} (?:ela|elaa|elama|elaman|elamaa|elossa)\b(?! (?:yksin|kotona|omassa|talossa|asunnossa|ilman apua))"),
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
    ("lethal_dose", "fi", r"\b(?:pilleri|laakk|tabletti|unilaak)\w*(?: \w+){0,8} (?:aion|meinaan|taidan|aikoo|meinaa) ottaa (?:ne |\w+ )?kaikki\b"),
    ("overdose", "sv", r"\b(?:tagit|tog|svalt|svalde|ata|atit) (?:\w+ ){0,2}(?:alla|en hel burk|for manga)(?: \w+){0,3} (?:tabletter|tabletterna|piller|mediciner|medicinerna|somntabletter)\b"),
    ("overdose", "sv", r"\boverdos\w*|\ben hel burk\b|\bhar (?:druckit|tagit) (?:\w+ ){0,4}(?:tabletter|piller) pa en gang\b"),
    # a lot at once: "otin tosi paljon unilääkkeitä", "ja har tagit en massa tabletter"
    ("overdose", "fi", r"\b(?:otin|ottanut|ottanu|otti|nielin|nieli) (?:\w+ ){0,2}(?:paljon|kasan|kourallisen|kymmenia|kymmenen|tusinan) (?:\w+ )?(?:laakkeita|pillereita|tabletteja|unilaakkeita|sarkylaakkeita)\b"),
    ("overdose", "sv", r"\b(?:tagit|tog|svalt|svalde) (?:\w+ ){0,2}(?:en massa|massor av|massa|en hog|jattemanga|hela burken|hela kartan|hela askan)(?: \w+){0,2} (?:tabletter|piller|mediciner|somntabletter|varktabletter)\b"),
    # swallowed medicine (anyone, a child most often): "lapsi nieli lääkkeitä", "barnet har svalt tabletter";
    # not "söi/ätit" alone ("isä söi lääkkeet", "ja har ätit mina mediciner" are ordinary), not one's own
    # ("nieli lääkkeensä", "barnet har ätit sin medicin")
    ("overdose", "fi", r"\b(?:nieli|nielaisi|nielas|niellyt|nielly|niellut) (?:\w+ ){0,2}(?:laakkeita|laakkeet|laakkeen|laaketta|tabletteja|tabletin|tabletit|tablettia|pillereita|pillerin|pillerit|unilaakkeita|unilaakkeet)\b"),
    ("poisoning", "fi", r"\b(?:lapsi|vauva|taapero|poika|tytto|lapseni|lapsemme) (?:\w+ )?(?:soi|joi) (?:\w+ ){0,2}(?:laakkei\w*|tabletteja|pillereita)\b"),
    ("overdose", "sv", r"\b(?:svalt|svalde|svaljt) (?!(?:sin|sina|sitt|mina|min)\b)(?:\w+ ){0,2}(?:tabletter|piller|mediciner)\b"),
    ("poisoning", "sv", r"\b(?:barnet|barn|bebisen|babyn|lillen|lillebror|lillasyster) (?:har )?(?:atit|at|druckit|drack) (?!(?:sin|sina|sitt|upp)\b)(?:\w+ ){0,2}(?:tabletter|piller|mediciner|medicin)\b"),
    # preparations: pills gathered ("oon kerännyt unilääkkeitä", "ja har samlat på tabletter")
    ("lethal_dose", "fi", r"\b(?:kerannyt|keranny|keranyt|saastanyt|saastany|hamstrannut|hamstrannu)(?: \w+){0,2} (?:pillereita|laakkeita|tabletteja|unilaakkeita)\b"),
    ("lethal_dose", "sv", r"\bhar (?:samlat|sparat) (?:pa |ihop )?(?:\w+ )?(?:tabletter|piller|somntabletter|mediciner)\b"),
    ("poisoning", "fi", r"\b(?:nieli|nielas|nielaisi|joi|juonut|juonu|soi) (?:\w+ )?(?:pesuainetta|pesuaineita|myrkky\w*|myrkyll\w*|lamppuoljy\w*|tiskiainetta|konetiskiainetta)\b"),
    ("poisoning", "sv", r"\b(?:druckit|svalt|atit) (?:\w+ )?(?:diskmedel|tvattmedel|gift|giftig\w*|lampolja|rengoringsmedel)\b"),
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
    ("violence", "sv", r"\bforfoljer (?:mig|mej)\b|\bbryter sig in\b|\bslar sonder\b|(?<!inte )(?<!\bint )(?<!aldrig )\bvaldsam\b|\bvaldtag\w*|\bvaldtakt\w*"),
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
    ("chest_pain", "fi", r"\brintakipu\w*|\brinta(?:an|ssa)? (?:sattuu|puristaa|kipee|koskee)\b(?! (?:kun|aina kun|jos) (?:yskii|yskin|yskii|aivastan|aivastaa|nauran|nauraa|hengitan|hengittaa))|\b(?:puristaa|sattuu|kipua|painaa) rinnassa\b(?!(?: \w+){0,3} (?:stressi\w*|stressaa|tilantee\w*|huole\w*|murhee\w*|jannit\w*|surusta|surua))"),
    # "rintaa puristaa", "sydän kivut", "sai sydäninfarktin" (not "sydäninfarktin jälkeinen kuntoutus")
    ("chest_pain", "fi", r"\brintaa (?:sattuu|puristaa|painaa|koskee)\b|\bsydan ?(?:kipu|kivu)\w*|\bsydameen (?:sattuu|koskee)\b"),
    ("chest_pain", "fi", r"\bsydaninfarkt\w*+(?!(?: \w+){0,5} (?:jalke\w*|kuntou\w*|vuonna|viime\w*|sitten|aikoinaan|tarvi\w*))"),
    ("chest_pain", "fi", r"\bsydankohtau\w*+(?!(?: \w+){0,5} (?:jalke\w*|kuntou\w*|vuonna|viime\w*|sitten|aikoinaan|tarvi\w*))|\bsydan (?:hakkaa|pysahty\w*)\b|\bsateilee (?:vasempaan |oikeaan )?(?:kateen|kasivarteen|leukaan)\b"),
    ("chest_pain", "sv", r"\b(?:ont|jatteont|vont|smarta|smartor) i (?:hjartat|hjarttrakten)\b|\bhjartsmart\w*|\btrycker (?:over|i|pa) brostet\b"),
    ("chest_pain", "sv", r"\b(?:ont|jatteont|vont|smarta|smartor) i (?:brostet|brostkorgen)\b(?!(?: \w+){0,2} (?:ibland|ofta|vid anstrangning|forra \w+|i fjol|for lange sedan))|\bbrostsmart\w*|\btryck (?:over|i) brostet\b|\bhjartattack\w*+(?!(?: \w+){0,5} (?:sedan|sen|efter|rehab\w*|i fjol|forra))|\bhjartinfarkt nu\b|\bstralar ut i armen\b"),
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
    ("emergency", "sv", r"\b(?:behover|behovs|skicka|kalla|kallar|ringde|ringt) (?:\w+ ){0,2}ambulans(?:en)?\b(?!(?: \w+){0,3} (?:transport\w*|resa|resor|hem|nar|da|flytt\w*))|\bambulans (?:hit|nu|genast|fort|snabbt)\b"),
    # Fire now: "keittiössä palaa", "talo palaa" (not "palaa töihin/kotiin", "keittiössä palaa valo")
    ("emergency", "fi", r"\b(?:keittiossa|talossa|asunnossa|kodissa|saunassa|autossa|kellarissa|rappukaytavassa|porraskaytavassa|olohuoneessa|makuuhuoneessa|huoneessa|parvekkeella|naapurissa|naapurilla|mokilla|mokissa|ullakolla|taalla|meilla) palaa\b(?! (?:valo\w*|lamppu\w*|kynttil\w*|merkkivalo\w*))"),
    ("emergency", "fi", r"\b(?:talo|asunto|sauna|rasva|verhot|sanky|mokki|keittio|navetta|roskakatos) palaa\b(?! (?:kotiin|takaisin|toihin|valo\w*|pohjaan))|\bliekeissa\b|\btuli on irti\b|\btaynna savua\b"),
    ("emergency", "sv", r"\b(?:koket|huset|lagenheten|spisen|bilen|bastun|rummet|stugan|garaget|soffan|sangen|trapphuset|kallaren|vinden|balkongen) brinner\b|\bbrand i (?:huset|koket|lagenheten|trapphuset)\b|\beldsvada\b|\bfull(?:t)? (?:av|med) rok\b"),
    # Someone dying or life in danger, said as such
    ("emergency", "fi", r"\bjoku (?:kuolee|on kuolemassa)\b|\bhengenvaarassa\b"),
    ("emergency", "sv", r"\blivsfara\b"),
    # A mention of 112 or the emergency number is an alarm, unless it is a question for the number
    # (crisis.help_request) or says the call was made (crisis.already_called): see crisis.MENTION.
    ("emergency", "any", r"\b112\b|\bhatanumero\w*|\bnodnummer\w*"),
    # ===== added 2026-12: indirect crises, lay words, poisonings ========================================
    # --- farewells said without the words "suicide" or "die" -----------------------------------------------
    ("farewell", "fi", r"\ben (?:ole|oo)(?: \w+)? enaa (?:\w+ )?(?:taalla|olemassa|elossa|hengissa)\b|\ben (?:ole|oo) (?:kauaa|pitkaan|kauan) (?:enaa )?(?:taalla|olemassa|elossa)\b|\ben (?:ole|oo) (?:enaa )?(?:olemassa|elossa|hengissa) (?:huomenna|kohta|pian|aamulla)\b"),
    ("farewell", "fi", r"\b(?:tama|taa) on (?:mun |minun )?viimeinen viestini\b(?! (?:talta|tanaan|taalle|tassa|ennen)\b)|\bviimeinen (?:viestini|paivani|iltani|yoni)\b(?! (?:talta|tanaan|taalle|tassa|ennen|toissa|lahitorilla)\b)|\btanaan on (?:mun |minun )viimeinen paiva(?:ni)?\b(?! (?:toissa|lomalla|taalla|ennen)\b)"),
    ("farewell", "fi", r"\b(?:kerro|kertokaa|sano|sanokaa|sanot)(?: \w+){0,2} etta (?:ma |mina )?(?:rakastin|olin pahoillani|se ei ollut (?:hanen|heidan|sun|teidan) (?:vika|syy)\w*)\b|\bse ei ollut (?:hanen|heidan|sun|teidan) (?:vika|syy)\w* (?:kerro|kertokaa|sano|sanokaa)\b"),
    ("farewell", "fi", r"\b(?:ette|et|kukaan ei) (?:enaa )?(?:nae|kuule) (?:mua|minua|musta|minusta|mista) enaa\b|\b(?:ette|et) (?:enaa )?(?:nae|kuule) (?:mua|minua|musta|minusta) (?:enaa|koskaan|ikina)\b"),
    ("farewell", "fi", r"\bparempi\w*(?: \w+){0,3} (?:mua|minua|ma|mina) ei (?:enaa )?(?:ole|oo|ois|olisi|olis)\b|\b(?:en|ei) (?:ole|oo) (?:kohta|pian|enaa) (?:kenenkaan |kenellekaan |teidan |sun )?(?:riesa\w*|taakka\w*|vaivana|tiella)\b"),
    ("farewell", "fi", r"\b(?:olen|oon) (?:laittanut|laittanu|pannut|pannu|jarjestanyt|jarjestany|hoitanut|hoitanu) (?:kaikki )?asiani (?:jarjestykseen|kuntoon)\b|\b(?:olen|oon) (?:valmis|valmiina) lahtemaan (?:pois|taalta|lopullisesti)\b"),
    ("farewell", "sv", r"\b(?:finns|existerar) (?:ja |jag )?(?:int|inte|ej) (?:langre|mera|mer)\b(?! (?:pa|i|hos|dar|har|kvar)\b)|\bi ?morgon finns (?:ja|jag) (?:int|inte|ej)\b(?! (?:pa|i|hos|dar|har)\b)|\b(?:ja|jag) (?:e|ar) (?:int|inte) (?:har|kvar) (?:langre|mera|mer) (?:i ?morgon|sen)\b|\bi ?morgon (?:e|ar) (?:ja|jag) (?:int|inte) (?:har|kvar) (?:langre|mera|mer)\b(?! (?:pa|i|hos)\b)"),
    ("farewell", "sv", r"\bmitt sista (?:meddelande|brev|ord)\b(?! (?:idag|i dag|for idag|for i dag|i kvall|har|fore|innan)\b)|\bsista gangen (?:ni|du) hor (?:av|fran) (?:mig|mej)\b|\b(?:ni|du) (?:kommer (?:int|inte|aldrig) (?:att )?|ska (?:int|inte|aldrig) )(?:se|hora (?:av|fran)) (?:mig|mej) (?:mer|mera|igen|langre)\b(?! (?:i|pa|hos|dar|har)\b)|\b(?:ni|du) ser (?:mig|mej) (?:int|inte|aldrig) (?:mer|mera|igen)\b(?! (?:pa|i|hos|dar|har)\b)"),
    ("farewell", "sv", r"\b(?:sag|saga|hals)(?: \w+){0,2} att (?:ja|jag) (?:alskade|var ledsen)\b|\bdet var (?:inte|int) (?:hennes|hans|ditt|ert) fel(?: \w+){0,2} (?:sag|hals)\b|\b(?:sag|hals)(?: \w+){0,3} att det (?:inte|int) var (?:hennes|hans|ditt|ert) fel\b"),
    ("farewell", "sv", r"\bi ?(?:kvall|natt) tar (?:allt|det hela) slut\b|\bbattre utan (?:mig|mej)\b|\b(?:e|ar) (?:bara )?en borda\b|\bligger (?:ingen|er|nagon) till last (?:langre|mer|snart)\b"),
    # a burden, missed by no one, thanked for being there, falling asleep for good
    ("farewell", "fi", r"\b(?:en halua|en jaksa|en aio) (?:enaa )?olla (?:\w+ )?(?:taakka\w*|riesa\w*|vaivaksi|tiella)\b|\bkukaan ei (?:tule )?(?:kaipaa|kaipaamaan|kaipaisi|ikavoi|kaipaile) (?:mua|minua|mua kun|minua kun)\b|\bkiitos (?:etta|kun) (?:olit|olitte) olemassa\b|\b(?:tama|taa) (?:ilta|yo) on (?:mun |minun )?viimei(?:nen|ne)\b"),
    ("farewell", "fi", r"\b(?:haluan|haluaisin|haluun|toivon|tahdon)(?: \w+){0,2} (?:nukahtaa|nukkua) (?:pois )?(?:ikuisesti|lopullisesti|pysyvasti)\b|\bnukahtaa (?:ikuisesti|lopullisesti)\b"),
    ("farewell", "sv", r"\bingen (?:kommer att |kommer |skulle |kommer nog )?sakna (?:mig|mej)\b|\btack for att (?:du|ni) fanns\b|\b(?:vill|ska) somna (?:in )?for alltid\b"),
    ("farewell", "fi", r"\b(?:parempi|parempaa|helpompaa|helpompi|kevyempaa)(?: \w+){0,2} ilman (?:mua|minua)\b"),
    ("farewell", "sv", r"\b(?:lattare|enklare) utan (?:mig|mej)\b|\b(?:ja|jag) kommer (?:int|inte) (?:att )?(?:vara|finnas) (?:har |kvar )?(?:langre|mer|mera) (?:efter )?(?:i ?natt|i ?kvall|i ?morgon|i ?dag)\b"),
    # --- lethal doses asked about, framed as curiosity ------------------------------------------------------
    ("lethal_dose", "fi", r"\b(?:montako|kuinka monta|paljonko|kuinka paljon|mika maara|minka verran|kuinka iso)\b(?: \w+){0,2} (?:laak|tablet|pillere|pilleri|unilaak|panadol|parasetamol|burana|ibuprofe|insuliin|annos|lyrica|opamox|tenox|mg|grammaa)\w*(?: \w+){0,5} (?:kuolee|kuolisi|kuolis|kuolla|kuolemaan|kuolen|tappaa|tappava\w*|kuolettava\w*|ei heraa|ei heraisi|en heraa|en heraisi|herata enaa|ettei(?: enaa)? (?:heraa|heraisi))\b|\b(?:montako|kuinka monta|paljonko|kuinka paljon)\b(?: \w+){0,4} (?:ottaa|ottais|syoda|nielaista|pistaa|juoda) (?:\w+ ){0,2}(?:etta|jotta|niin etta) (?:kuolee|kuolisi|kuolis|kuolen|ei heraa|ei heraisi|en heraa)\b"),
    ("lethal_dose", "fi", r"\b(?:tappava|tappavan|kuolettava|kuolettavan) (?:annos|annoksen|maara|maaran)\w*|\b(?:laak|tablet|pilleri|unilaak|panadol|parasetamol|burana|ibuprofe|insuliin|lyrica|opamox|tenox)\w*(?: \w+){0,5} (?:etta|jotta|niin etta) (?:kuolee|kuolisi|kuolis|ei heraa|ei heraisi|en heraa|kuolen)\b"),
    ("lethal_dose", "fi", r"\b(?:voiko|voinko|kuoleeko|kuolisiko)(?: \w+){0,3} (?:kuolla|kuolee|kuolisi)? ?(?:jos ottaa |jos otan |yliannostuk\w* |)(?:laak|tablet|pilleri|unilaak|panadol|parasetamol|burana|insuliin)\w*(?: \w+){0,3} (?:kuolla|kuolee|kuolisi|kivuttomasti)\b|\bmitka laakkeet (?:tappaa|tappavat)\b"),
    ("lethal_dose", "sv", r"\bdodlig\w* (?:dos|doser|mangd)\w*|\bhur (?:manga|mycket|stor)\b(?: \w+){0,2} (?:\w*tablett|\w*piller|medicin|alvedon|panodil|burana|ipren|paracetamol|insulin|dos|mg|gram)\w*(?: \w+){0,5} (?:dodlig\w*|for att do|do av|dor man|dor|inte vakna|int vakna|aldrig vakna|doda (?:mig|mej|sig)|dodar)\b|\bhur (?:manga|mycket)\b(?: \w+){0,4} (?:ta|ta in|svalja|ata|dricka|injicera) (?:\w+ ){0,2}for att (?:do|inte vakna|int vakna|aldrig vakna)\b"),
    ("lethal_dose", "sv", r"\bkan man do av(?: \w+){0,4} (?:tabletter|tabletterna|piller|mediciner|medicinerna|insulin|alvedon|panodil|burana|somntabletter)\b|\bvilka (?:tabletter|mediciner|piller) (?:dodar|ar dodliga)\b"),
    # --- not answering behind a door: see COMBOS; the plain case --------------------------------------
    ("not_answering", "fi", r"\b" + _PERSON_FI + r" (?:\w+ ){0,2}(?:ei|eika) (?:avaa|aukaise|tule avaamaan)(?: \w+){0,2} (?:ovea|oveansa)? ?(?:eika|ei) (?:vastaa|vastaile)\b"),
    ("not_answering", "sv", r"\b" + _PERSON_SV + r" (?:\w+ ){0,2}(?:oppnar|svarar) " + _NOT_SV + r"(?: \w+){0,3} och (?:svarar|oppnar) " + _NOT_SV + r"\b"),
    # --- stroke in lay words ---------------------------------------------------------------------
    ("stroke", "fi", r"\b(?:suu|kasvot|naama|suupieli|suupielet|huuli|kasvojen toinen puoli)\w* (?:\w+ )?(?:on |meni )?(?:(?:ihan|aivan|yhtakkia|nyt|taysin) ){0,2}(?:vino|vinossa|vinoon|kiero\w*|roikkuu|lerpallaan)\b"),
    ("stroke", "sv", r"\bsned i (?:ansiktet|munnen)\b|\bmunnen (?:e |ar )?(?:sned|hanger)\b|\bsluddrar\b(?! (?:ibland|nar)\b)|\bhanger i (?:ena )?mungipan\b|\bplotsligt (?:\w+ ){0,3}(?:kan|far) (?:int|inte) (?:prata|tala|fram)\b"),
    ("unconscious", "sv", r"\bgar (?:han|hon|hen|det) (?:int|inte) att vacka\b"),
    # --- heart in lay words -----------------------------------------------------------------------
    ("chest_pain", "fi", r"\brintakeh\w*(?: \w+){0,3} (?:puristaa|puristus\w*|painaa|paine\w*|sattuu|koskee|kipu\w*|kipua|kipee)\b(?!(?: \w+){0,2} (?:joskus|aiemmin|ennen|rasitukse\w*|viime \w+))|\b(?:puristus|puristava tunne|paine|painon tunne|kova paine|raskas paino|kova kipu|kovaa kipua|puristavaa kipua)(?: \w+){0,2} (?:rinnassa|rintakehassa)\b(?!(?: \w+){0,3} (?:stressi\w*|stressaa|tasta tilanteesta|tilantee\w*|huole\w*|murhee\w*|jannit\w*|surusta|surua))"),
    ("chest_pain", "sv", r"\b(?:tyngd\w*|tryck\w*|kramar|klamr\w*|smart\w*|vark\w*) (?:\w+ )?(?:over|i|pa) (?:brostet|brostkorgen)\b(?! (?:av|pa grund av|for|nar) (?:all |allt |den |min )?(?:oro|stress|angest|sorg|tankar))|\bstralar (?:ut )?(?:i|till|mot) (?:armen|vanster arm|vanstra armen|kaken|kakarna)\b"),
    # --- low blood sugar: see COMBOS; named outright ----------------------------------------------------
    ("hypoglycaemia", "fi", r"\binsuliini(?:shokki|sokki|kooma)\w*|\bhypoglykem\w*|\bhypo(?:ssa|on|sta)?\b(?: \w+){0,3} (?:sekava|ei heraa|tajuton|kouristaa)\b"),
    ("hypoglycaemia", "fi", r"\b(?:verensokeri|sokeri|sokerit|verensokerit)\w* (?:on |ovat )?(?:\w+ )?(?:tosi |ihan |todella |liian |aivan )?(?:matala|matalalla|alhaal\w*|laskenu\w*|pudonnu\w*|romahtan\w*)(?: \w+){0,5} (?:sekava|sekaisin|ei heraa|(?:ei|eika) \w+ heraa|tajuton|tokkura\w*|hikinen|kouristaa|outo)\b"),
    ("hypoglycaemia", "sv", r"\binsulin(?:chock|koma)\w*|\bhypoglykemi\w*|\bblodsockret (?:e |ar )?(?:jatte|valdigt|mycket|for|super)? ?lagt\b(?: \w+){0,5} (?:forvirrad|konstig|medvetslos|vaknar (?:int|inte)|svettig|kallsvettig|skakar)\b"),
    # --- poisonings (Poison Information Centre) --------------------------------------------------------
    ("poisoning", "fi", r"\b(?:nieli|nielaisi|nielas|niellyt|nielly|joi|juonut|juonu|soi|syonyt|syony|nuoli|maistoi|imeskeli|pureskeli)(?: \w+){0,2} (?:pesuaine\w*|pesukapsel\w*|pyykinpesu\w*|myrkky\w*|lamppuoljy\w*|tiskiaine\w*|konetiskiaine\w*|valkaisuaine\w*|klori\w*|rotanmyrky\w*|nikotiini\w*|tupakka\w*|tupakan|tupakoita|nuuska\w*|sytytysneste\w*|pakkasneste\w*|jaahdytysneste\w*|lasinpesuneste\w*|metanoli\w*|nappiparisto\w*|paristo\w*|kasidesi\w*|desinfiointi\w*|myrkkysien\w*|myrkyllis\w*|lipeaa|putkimies\w*)\b"),
    ("poisoning", "fi", r"\bmyrkyty(?!stieto|skeskus|sneuvon|sten)\w*|\bmyrkytt(?:i|yi|ynyt|yny|ynyt)\b|\bhakamyrky\w*|\bsienimyrky\w*|\b(?:vahingossa|erehdyksessa|epahuomiossa) (?:\w+ ){0,3}(?:kahteen kertaan|tuplana|tuplasti|kaksinkertaisen|kaksi annosta|jonkun muun|vaarat|vaaria) (?:\w+ )?(?:laak|tablet|pilleri|annok|insuliin)\w*+(?!(?: \w+){0,4} (?:viime \w+|sitten|aikoinaan|muistutu\w*|valitu\w*))"),
    ("poisoning", "fi", r"\b(?:laak|tablet|pilleri|annok|annos|insuliin|iltalaak|aamulaak)\w* (?:\w+ ){0,3}(?:kahteen kertaan|tuplana|tuplasti|kahdesti) (?:vahingossa|erehdyksessa)\b|\b(?:otti|otin|antoi|annoin|pisti|pistin) (?:vahingossa|erehdyksessa) (?:\w+ ){0,2}(?:tupla\w*+|kahteen kertaan|kahdesti|vaarat|vaaria|jonkun muun)\b(?!(?: \w+){0,4} (?:viime \w+|sitten|aikoinaan|muistutu\w*|valitu\w*))"),
    ("poisoning", "sv", r"\b(?:druckit|drack|svalt|svalde|atit|at|slickat|smakat|tuggat|tuggade)(?: \w+){0,1} (?:diskmedel\w*|tvattmedel\w*|maskindiskmedel\w*|diskmaskinstablett\w*|tvattkaps\w*|gift|giftig\w*|lampolja|rengoringsmedel|blekmedel|klorin|rattgift|nikotin\w*|snus\w*|cigarett\w*|tandare\w*|kylarvatska|glykol|spolarvatska|metanol|handsprit|desinfektion\w*|knappcell\w*|batteri\w*|giftsvamp\w*|flugsvamp\w*|lut|propplosare)\b"),
    ("poisoning", "sv", r"\bforgift\w*|\bkolmonoxid\w*|\bsvampforgift\w*|\b(?:tagit|tog|fatt|fick|gett|gav) (?:\w+ ){0,2}(?:dubbel dos|dubbla doser|dubbeldos\w*|fel (?:medicin|mediciner|tabletter|dos))\b|\bav misstag(?: \w+){0,4} (?:tabletter|mediciner|medicinen|medicin|piller|dos\w*|insulin\w*|tva ganger)\b|\b\w*(?:medicin|tablett|piller|insulin)\w*(?: \w+){0,3} (?:tva ganger|dubbelt) av misstag\b"),
)

# Several cues together, each alone ordinary ("kiitos kaikesta", "äiti ei vastaa"): (category, language,
# strong cues, weak cues, how many different cues must match, a pattern that vetoes).  At least one strong cue
# must be among them: "kiitos kaikesta" with "testamentti" or "laskut on maksettu" is a chat's ordinary end.
_PERSON_CALL_FI = r"(?:aitiin|isaan|mummoon|mummuun|pappaan|vaariin|naapuriin|veljeen|siskoon|poikaan|tyttareen|mieheen|vaimoon|ystavaan|kaveriin|haneen|siihen)"
COMBOS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], int, str | None], ...] = (
    ("farewell", "fi", (
        r"\b(?:annoin|antanut|antanu|lahjoitin|lahjoittanut|lahjoittanu|vein|vienyt|vieny)(?: \w+){0,3} (?:kissa\w*|koira\w*|lemmik\w*|tavara\w*|omaisuu\w*|koru\w*|kaiken|kaikki tavarani)\b",
        r"\ben (?:tarvitse|tarvi|tartte) (?:sita|niita|hanta|tavaroitani|tavaroita|mitaan naista) enaa\b|\b(?:ei|teidan ei|sun ei) (?:tarvitse|tarvi) (?:\w+ ){0,2}enaa (?:huolehtia|murehtia|surra) (?:musta|minusta|mista)\b",
        r"\b(?:mun|minun) ei (?:tarvitse|tarvii|tarvi) (?:enaa )?(?:huolehtia|murehtia) (?:enaa )?(?:mistaan|mistakaan)\b",
        r"\bvalmis lahtemaan\b(?! (?:kotiin|sairaalasta|toihin|kauppaan|ulos|matkalle|mokille|hoitoon|kuntoutukseen))",
        r"\bhyvastit\b|\bhyvasti kaikille\b|\bhyvasti ikuisesti\b|\bjaahyvai\w*",
        r"\banteeksi kaikille\b|\bantakaa anteeksi\b|\bolen pahoillani kaikesta\b",
        r"\bpitakaa huolta (?:toisistanne|aidista|isasta|lapsista|kissasta|koirasta)\b|\bmuistakaa (?:minut|mua)\b|\brakastan teita kaikkia\b",
    ), (
        r"\basi(?:at|ani|oita) (?:\w+ )?(?:jarjestykseen|kuntoon)\b",
        r"\btestamen\w*",
        r"\bkiit(?:os|ti) kaikesta\b",
        r"\banteeksi kaik\w*",
        r"\blaskut (?:on |ovat )?maksettu\b|\bmaksoin kaikki laskut\b|\bsiivosin kaiken\b",
        r"\b(?:huomenna|pian|kohta|tanaan|tana yona|illalla) (?:tama |taa )?kaikki (?:on ohi|loppuu|paattyy)\b|\bkaikki on (?:pian|kohta|huomenna) ohi\b",
        r"\bnyt on (?:aika|mun aika) (?:lahtea|menna)\b|\bviimeinen kerta kun (?:kirjoitan|kirjotan|soitan|puhun)\b",
    ), 2, None),
    ("farewell", "sv", (
        r"\b(?:gett|gav|lamnat|lamnade|skankt|skankte) (?:bort )?(?:\w+ ){0,2}(?:katten|hunden|mina saker|allt jag ager|smyckena|mina smycken)\b",
        r"\bbehover (?:int|inte) (?:honom|henne|den|dem|dom|mina saker) (?:langre|mer|mera)\b|\b(?:ni|du) behover (?:int|inte) (?:oroa er|oroa dig|bry er|bry dig|tanka pa mig) (?:langre|mer|mera)\b",
        r"\b(?:e|ar) (?:ja |jag )?redo att ga\b(?! (?:hem|ut|till|pa))",
        r"\bfarval\w*|\badjo for alltid\b|\bhej da for alltid\b",
        r"\bforlat (?:mig|mej) alla\b|\bforlat mig allihop\b",
        r"\bta hand om (?:varandra|katten|hunden|mamma|pappa|barnen)\b|\bkom ihag mig\b|\b(?:ja|jag) alskar er alla\b",
    ), (
        r"\bordnat (?:upp )?(?:allt|alla mina|mina|med mina)\b|\bordning pa (?:allt|mina saker|mina affarer|mina papper)\b|\bgjort i ?ordning allt\b",
        r"\btestament\w*",
        r"\btack for allt\b",
        r"\bforlat (?:mig |mej )?for allt\b",
        r"\bbetalat alla (?:mina )?rakningar\b|\bstadat (?:hela )?(?:allt|lagenheten)\b",
        r"\b(?:snart|i ?morgon|i ?natt|i ?kvall) (?:e|ar|tar) (?:allt|det hela) (?:over|slut)\b|\ballt (?:e|ar) snart over\b",
        r"\bdet (?:e|ar) dags (?:nu|att ga)\b|\bsista gangen (?:ja|jag) skriver\b",
    ), 2, None),
    ("not_answering", "fi", (
        r"\b" + _PERSON_FI + r" (?:\w+ ){0,2}(?:ei|eika) (?:ole |oo )?(?:avaa|avannut|avannu|aukaise|tule avaamaan|tullut avaamaan|vastaa|vastannut|vastannu|vastaillut|nakynyt|nakyny|kuulunut|kuulunu|reagoi)\b(?! (?:\w+ )?(?:kirje\w*|hakemu\w*|sahkopost\w*|lasku\w*|kysely\w*|viestei\w*|tekstiviest\w*))"
        r"|\ben (?:ole saanut|ole saanu|oo saanu|saa) " + _PERSON_CALL_FI + r" (?:\w+ )?yhteytta\b|\bkukaan ei (?:avaa|tule avaamaan|vastaa)\b|\b(?:eika|ei) kukaan (?:avaa|vastaa|tule avaamaan)\b|\beika (?:avaa|aukaise|tule avaamaan)\b",
        r"\b(?:ovea|oven|ovelle|ovikello\w*|koputuksiin|lukossa|valot (?:palaa|on paalla|paloi)|tv (?:kuuluu|on paalla|pauhaa)|radio kuuluu|telkkari\w*|posti\w*|lehdet|lehtia|haju\w*|haisee|koira haukkuu|auto on pihassa|kahteen paivaan|kolmeen paivaan|moneen paivaan|pariin paivaan|vuorokauteen|viikkoon|eilisesta|eilen illasta|koko paivana|aamusta asti)\b",
    ), (), 2, r"\b(?:koska|pelkaa vieraita|vieraille|tuntemattomille|myyjille|kaupustelijoille|kela\w*|palvelunumer\w*|vaihde\w*|asiakaspalvelu\w*|toimisto\w*|virasto\w*|lahitori\w*|neuvonta\w*|ajanvarau\w*|terveyskeskus\w*|jono\w*|mokilla|matkoilla|matkalla)\b"),
    ("not_answering", "sv", (
        r"\b" + _PERSON_SV + r" (?:\w+ ){0,2}(?:oppnar|svarar|reagerar) " + _NOT_SV + r"\b(?! pa (?:mina |mitt |min )?(?:meddelanden|sms|brev|mejl|e post|ansokan))|\b" + _PERSON_SV + r" har " + _NOT_SV + r" (?:svarat|synts|horts|oppnat)\b"
        r"|\b(?:far|fatt|fick) " + _NOT_SV + r" tag (?:pa|i) " + _PERSON_SV + r"\b|\b" + _NOT_SV + r" (?:fatt|fa) tag (?:pa|i) " + _PERSON_SV + r"\b|\bingen (?:oppnar|svarar)\b",
        r"\b(?:dorren|dorrklocka\w*|ringer pa|ringt pa|knackar|knackat|last|lamporna|lampan|tv n|tvn|teven|radion|post\w*|tidningar\w*|lukt\w*|luktar|hunden skall\w*|bilen star|(?:tva|tre|fyra|flera|ett par) (?:dagar|dygn)|en vecka|sen i ?gar|sedan i ?gar|sen i forrgar|sedan i forrgar|hela dagen|sen i morse|sedan i morse)\b",
    ), (), 2, r"\b(?:eftersom|framlingar|forsaljare|okanda|fpa|kundtjanst\w*|vaxeln|kontoret|telefontid\w*|kon|stugan|resa|semester)\b"),
    ("hypoglycaemia", "fi", (
        r"\b(?:tokkura\w*|tajuton|ei heraa|(?:ei|eika) (?:\w+ )?heraa|ei saa hereille|kouristel\w*|kouristaa|ihan sekava|aivan sekava|tosi sekava|yhtakkia sekava|sekavana|kayttaytyy oudosti|on ihan outo|ei vastaa\b(?! (?:puhelimeen|soittoihin|viesteihin))|ei reagoi)\b",
    ), (
        r"\b(?:diabee\w*|diabete\w*|sokeritau\w*|insuliini\w*|verensokeri\w*|sokerit|ykkostyypin)\b",
        r"\b(?:hikine\w*|hikoilee|hikoili|kylma hiki|kylmanhiki\w*|kalpea)\b",
    ), 2, r"\b(?:muistisairau\w*|dementi\w*|valilla sekava|joskus sekava)\b"),
    ("hypoglycaemia", "sv", (
        r"\b(?:helt forvirrad|jatteforvirrad|plotsligt forvirrad|valdigt forvirrad|medvetslos|gar (?:han |hon |hen )?(?:int|inte) att vacka|vaknar (?:int|inte)|krampar|kramper nu|svarar konstigt|beter sig konstigt|svarar (?:int|inte)\b(?! (?:i|pa) (?:telefon\w*|mobilen|sms))|reagerar (?:int|inte))\b",
    ), (
        r"\b(?:diabet\w*|sockersjuk\w*|insulin\w*|blodsock\w*|(?:fatt|har) en (?:kraftig |svar |ordentlig )?kanning)\b",
        r"\b(?:svettig\w*|kallsvett\w*|svettas|blek)\b",
    ), 2, r"\b(?:demens|minnessjuk\w*|ibland forvirrad)\b"),
    # Stroke: trouble speaking, a weak arm or leg, a drooping face, a sudden start; two of them together
    ("stroke", "fi", (
        r"\b(?:ei|eika|en) saa (?:\w+ )?(?:sanaa|sanoja|puhuttua|puhetta|sanottua)\b|\bpuhe (?:on )?(?:alkanut |alkanu |yhtakkia |ihan )?(?:puuroutu\w*|puurois\w*|sotkeutu\w*|sekava\w*|sammalta\w*)|\bsanat (?:ei tule|tulee vaarin|menee sekaisin)\b|\bsammaltaa\b",
        r"\b(?:toinen|vasen|oikea) (?:kasi|kasivarsi|jalka|puoli|puoli kehosta|puoli kroppaa|kasi ja jalka)(?: \w+){0,2} (?:ei (?:nouse|liiku|toimi|tottele|pysy)|(?:on )?(?:ihan )?(?:veltto|velttona|lerpall\w*|tunnoton|voimaton|halvaantu\w*))\b|\b(?:kasi|kasivarsi|jalka) (?:on )?(?:ihan )?(?:veltto|velttona|lerpallaan)\b",
        r"\b(?:suu|kasvot|naama|suupieli|suupielet)\w* (?:\w+ )?(?:on |meni )?(?:(?:ihan|aivan|yhtakkia|nyt|taysin) ){0,2}(?:vino|vinossa|vinoon|roikkuu|lerpallaan)\b",
    ), (
        r"\b(?:yhtakkia|akkia|kesken|nyt|juuri nyt|heratessa|hetki sitten|aamusta asti|aamulla)\b",
    ), 2, r"\b(?:jalkeen|vuosia|jo pitkaan|jannit\w*|kun jannittaa|aina)\b"),
    ("stroke", "sv", (
        r"\bpratar (?:konstigt|sluddrigt|otydligt|osammanhangande)\b|\bsluddrar\b|\b(?:far|kan) (?:int|inte) fram (?:ett ord|nagra ord|orden)\b|\b(?:kan|far) (?:int|inte) (?:prata|tala)\b|\borden kommer fel\b",
        r"\bena (?:armen|handen|benet|sidan|kinden|halvan) (?:e|ar|blev|har blivit|kanns|hanger) (?:helt )?(?:slapp|slak|kraftlos|domnad|bortdomnad|forlamad|tung|som dod)\b|\b(?:armen|handen|benet) (?:e|ar) (?:helt )?(?:slapp|slak|kraftlos|forlamad)\b",
        r"\bsned i (?:ansiktet|munnen)\b|\bmunnen (?:e |ar )?(?:sned|hanger)\b|\bhanger i (?:ena )?mungipan\b",
    ), (
        r"\b(?:plotsligt|helt plotsligt|nyss|just nu|nu|mitt under|i morse)\b",
    ), 2, r"\b(?:efter stroken|i flera ar|sedan lange|ibland|demens|nervos|nar han e nervos|nar hon e nervos)\b"),
    # Gone soon, with exhaustion: "jag orkar inte mer, imorgon är jag borta"; being away alone is a trip
    # ("huomenna olen poissa töistä", "imorgon är jag borta på semester") and never counts without the other cue.
    ("farewell", "fi", (
        r"\b(?:huomenna|pian|kohta|tana yona|illalla|sitten) (?:ma |mina )?(?:olen|oon) (?:jo )?poissa\b(?! (?:\w+(?:lta|sta|lla|ssa)|kotoa|matkalla|lomalla|toista|koko|pari|muutaman|viikon|paivan)\b)"
        r"|\b(?:huomenna|pian|kohta|tana yona) (?:mua|minua) ei (?:enaa )?(?:ole|oo)\b(?! (?:\w+(?:lla|ssa|lta|sta)|kotona|paikalla|toissa)\b)",
    ), (
        r"\ben (?:enaa )?(?:jaksa|kesta|pysty) (?:enaa|enempaa|tata|tallaista|mitaan)\b|\bvoimat (?:on |ovat )?loppu\b",
        r"\bluovutan\b|\bei (?:ole|oo) (?:mitaan )?(?:jarkea|tarkoitusta|toivoa)\b",
    ), 2, None),
    ("farewell", "sv", (
        r"\b(?:i ?morgon|snart|i ?natt|i ?kvall|sen) (?:e|ar) (?:ja|jag) borta\b(?! (?:pa|i|fran|hela|over|en|ett|nagra|till|hos|hemifran|resten|med)\b)"
        r"|\b(?:i ?morgon|snart|i ?natt) finns (?:ja|jag) (?:int|inte|ej)\b(?! (?:pa|i|hos|dar|har)\b)",
    ), (
        r"\b(?:orkar|klarar|palar) (?:ja |jag )?(?:int|inte|ej) (?:mer|mera|langre|lange till)\b|\bkrafterna (?:e |ar )?slut\b",
        r"\b(?:ja|jag) ger upp\b|\b(?:det )?(?:finns|e|ar) (?:ingen|inget) (?:mening|hopp|ide)\b",
    ), 2, None),

)

# Denials and idioms, cut out before the patterns run (on normalised, folded text that still has its
# punctuation, so that "en jaksa, itsemurha" is no denial).  A cut leaves " | ".
_FILL_FI = (r"(?:mulla|minulla|mul|ole|oo|ollut|ollu|olen|oon|mitaan|yhtaan|ikina|koskaan|kylla|nyt|sellaisia|"
            r"semmosia|tallaisia|tammosia|ajatellut|ajatellu|miettinyt|aio|aijo|todellakaan|enaa|siis|oikeesti)")
_FILL_SV = (r"(?:har|haft|nagra|nan|na|nagon|nagot|alls|direkt|sadana|pa|att|jag|ja|e|ar|nagonsin|riktigt|tankt|ska|"
            r"tanker|kommer|tankar|mig|mej|nu|heller|verkligen|vill)")
DENIALS: tuple[str, ...] = (
    r"\b(?:ei|en|eika|enka)(?: " + _FILL_FI + r"){0,4} (?:itsetuho\w*|itsemurh\w*|itsari\w*)(?:[ -](?:ajatuk\w*|aikei\w*|suunnitelm\w*|vaara\w*|riski\w*))?",
    r"\b(?:itsetuho\w*|itsemurh\w*)(?:[ -]ajatuk\w*)? (?:ei|mulla ei|minulla ei|ei mulla|ei minulla) (?:ole|oo|ollut|ollu)\b",
    r"\ben (?:aio|aijo|oo aikonut|ole aikonut|ajattele) (?:tehda (?:itselleni|itelleni) mitaan|satuttaa " + _SELF_FI + r"|tappaa " + _SELF_FI + r"|vahingoittaa " + _SELF_FI + r")",
    r"\ben (?:ole|oo) (?:hengen)?vaarassa\b",
    r"\b(?:inga|inte|int|inge|ej|aldrig|ingen)(?: " + _FILL_SV + r"){0,4} (?:sjalvmord\w*|suicid\w*|ta livet av (?:mig|mej)|skada (?:mig|mej) sjalv|doda (?:mig|mej) sjalv)",
    r"\b(?:e|ar) (?:int|inte) i (?:livs)?fara\b",
)
IDIOMS: tuple[str, ...] = (
    r"\b(?:kuol(?:en|in|laan|isin|la|tiin|ee|evat|lut|lu)|meinasin kuolla|olin kuolla|oli kuolla) (?:ihan |melkein |varmaan )?(?:nalkaan|janoon|tylsyyteen|nauruun|hapeaan|ikavaan|uteliaisuuteen|uteliaisuudesta|kuumuuteen|helteeseen)\b",
    r"\b(?:nauroin|nauroimme|nauratti|nauroi) (?:\w+ )?(?:kuoliaaksi|kippuraan)\b|\b(?:tylsistyn|ikavystyn|kyllastyn|tylsistyin|ikavystyin) kuoliaaksi\b|\bkuollaksen(?:ikaan|kaan)\b|\bkuolettavan (?:tylsa\w*|pitka\w*|hidas\w*)\b|\bkuolemanvasyny\w*",
    r"\b(?:tyo|tama tyo|taa tyo|duuni|kiire|stressi|helle|kuumuus|tylsyys|odottaminen|jonottaminen|jonotus|odottelu|byrokratia|paperisota|lomakkeet|tama lomake|taa lomake|tama homma|taa homma|tama|taa|tama jono|meteli|melu|tama rumba|taa rumba|tama kiire|taa kiire|tama helle|taa helle|naa portaat|nama portaat)(?: (?:ihan|viela|kohta|varmaan|muuten|oikeesti|kirjaimellisesti))? (?:tappaa|tappais|tappaisi) (?:mut|minut|mun|meidat)\b",
    r"\btapp\w* (?:aikaa|aikaansa|tylsyytta)\b",
    r"\b(?:dor|dog|do|doende|holl pa att do|haller pa att do|haller pa och do|holl pa och do|kunde ha dott) (?:av|utav) (?:skratt|tristess|hunger|tort|torst|nyfikenhet|skam|varme|hetta|langtan)\b",
    r"\b(?:det har|det dar|det|jobbet|arbetet|stressen|varmen|hettan|tristessen|vantan|vantandet|kon|koandet|koerna|pappersarbetet|blanketterna|byrakratin|trapporna|den har \w+|det har \w+)(?: (?:har|ju|snart|verkligen|bara|kommer att|kommer|ska))? (?:tar|ta) livet av (?:mig|mej|oss)\b",
    r"\b(?:jobbet|arbetet|stressen|varmen|hettan|det har|det dar|den har \w+|tristessen|vantan) (?:dodar|kommer att doda|ska doda) (?:mig|mej|oss)\b",
    r"\b(?:skrattar|skrattade|skratta|jobbar|jobbade|arbetar|arbetade|sliter|tristas|trakas) ihjal\b|\b(?:dodstrott|dodstrakig\w*|dodsled\w*|ihjaltrakad\w*|ihjalstressad\w*)\b|\btrakigt som doden\b|\bdoda tid(?:en)?\b",
)

# Which help numbers a citizen asks for: (kind, pattern) on prepared text; a question or request cue must be
# there too (or the message is a few words only).
HELP_NAMES: tuple[tuple[str, str], ...] = (
    ("crisis_line", r"\bkriisi(?:puhelin|numero|linja|puhelimen|puhelimeen|keskus|keskuksen|palvelu)\w*|\bmieli ry\w*|\bkriisipuh\w*|\bmielenterveyden (?:tukipuhelin|puhelin)\w*"),
    ("crisis_line", r"\b(?:mihin|minne|johon|jonne|kenelle|kehen|jollekin|johonkin|mista|minka numeroon)\b(?: \w+){0,3} (?:soittaa|soitella|soittaisin|soitan|puhua|jutella|olla yhteydessa|ottaa yhteytta)\b(?: \w+){0,4} (?:kun|jos) (?:\w+ ){0,3}(?:ahdistaa|masentaa|pelottaa|paha olla|paha olo|yksinaista|itkettaa|ei jaksa|en jaksa|ahdistus|kriisi\w*|hata)\b"),
    ("crisis_line", r"\bkristelefon\w*|\bkris(?:nummer|linje|linjen|jour|jouren|centrum|centret|centr)\w*|\bsamtalsstod\w*|\bstodlinje\w*"),
    ("crisis_line", r"\b(?:vart|vem|vilket nummer|vilket telefonnummer|nagon|nan)\b(?: \w+){0,3} (?:ringa|ringer|vanda (?:mig|sig|en)|ta kontakt|prata med|prata)\b(?: \w+){0,4} (?:nar|om) (?:\w+ ){0,3}(?:angest|angslig|mar daligt|ledsen|ensam|deprimerad|orkar (?:int|inte)|kris)\b"),
    ("emergency", r"\bhatanumero\w*|\bhatakeskuksen (?:numero|puhelin)\w*|\bnodnummer\w*|\bnodnumret\b|\bnodcentralens (?:nummer|telefon)\w*|\bnummer(?:et)? till nodcentralen\b"),
    ("poison", r"\bmyrkytys(?:tieto|keskus|neuvon)\w*|\bmyrkkykeskus\w*|\bmyrkytysten? (?:numero|puhelin)\w*|\bmyrkky(?:puhelin|numero)\w*"),
    ("poison", r"\bgift(?:information|central|info|linje|jour|telefon)\w*"),
    ("nollalinja", r"\bnollalinja\w*|\bnolla linja\w*|\bnollinjen\w*|\bnollalinjen\b|\blahisuhdevakival\w*(?: \w+){0,3} (?:numero|puhelin|linja)\w*|\bvald i (?:nara relationer|hemmet)(?: \w+){0,3} (?:nummer|telefon|linje)\w*"),
    ("medical_advice", r"\b116 ?117\b|\bpaivystysapu\w*|\bpaivystysav\w*|\bhoitoneuvo\w*|\bterveysneuvon\w*|\bjourhjalpen\b|\bjourhjalp\b|\bvardradgivning\w*|\bsjukvardsradgivning\w*|\bhalsoradgivning\w*"),
)
HELP_CUES = (r"\b(?:numero\w*|puhelinnumero\w*|puhelin|mihin|minne|mika|mita|kenelle|miten|voiko|voinko|saako|saisinko|"
             r"tarviin|tarvin|tarvitsen|tarvisin|tarvitsisin|tarvitsis|anna|antaisitko|kerro|kertoisitko|kerrotko|"
             r"haluaisin|haluan|soittaa|soitan|soittaisin|yhteystied\w*|onko|missa|paljonko|"
             r"nummer\w*|telefonnummer\w*|vart|vilket|vilken|vad|hur|var|kan|far|behover|ge|ger|ber|vill|ringa|ringer|"
             r"kontaktuppgift\w*|finns|skulle)\b|\b\w+(?:ko|ko)\b")

# 112 already called or help on its way: "soitin jo 112", "ambulanssi on tulossa", "ambulansen är på väg".
ALREADY_CALLED: tuple[str, ...] = (
    r"(?<!\ben )(?<!\bei )\b(?:soitin|soitimme|soitettiin|soitti|halytin|halytimme|halytettiin|tilasin|tilattiin|kutsuin|kutsuttiin|olen soittanut|oon soittanut|oon soittanu|on soittanut|on soittanu|olemme soittaneet|ollaan soitettu|on soitettu|on halytetty|on tilattu|on kutsuttu|olen halyttanyt)(?: \w+){0,3} (?:112|hatanumeroon|hatakeskukseen|ambulanssin|ambulanssi|ensihoi\w*|palokunnan|poliisin|poliisit)\b",
    r"\b(?:112|hatakeskukseen|hatanumeroon|ambulanssi|ensihoito)(?: een| seen)? (?:on |ollaan )?(?:jo )?(?:soitettu|halytetty|tilattu|kutsuttu)\b",
    r"\b(?:ambulanssi|ensihoito|ensihoitajat|ensihoitaja|palokunta|poliisi|poliisit|apu|lanssi) (?:on |ovat |o )?(?:jo )?(?:tulossa|tulee|matkalla|paikalla|taalla|tassa|tullut|tullu|paasemassa)\b(?! (?:huomenna|ensi|maanantaina|tiistaina|keskiviikkona|torstaina|perjantaina|hakemaan))",
    r"(?<!\bint )(?<!\binte )\b(?:ja|jag|vi|nan|nagon|grannen|han|hon|min man|min fru|dottern|sonen) (?:har )?(?:redan )?(?:ringt|ringde|larmat|larmade|kallat|kallade|tillkallat|beställt|bestallt)(?: \w+){0,2} (?:112|nodnumret|nodcentralen|ambulans\w*|brandkaren|polisen)\b",
    r"\b(?:ambulans(?:en)?|hjalpen|brandkaren|polisen|akutvarden|forstavarden|vardarna|ambulanspersonalen) (?:e|ar|har|kommer) (?:redan )?(?:pa vag|pa vag hit|har|pa plats|kommit|kommer nu|framme|snart har)\b",
    r"\b112 (?:e|ar|har) (?:redan )?(?:ringt|kontaktat|larmat)\b|\b(?:har|e|ar) (?:redan )?(?:ringt|larmat) 112\b",
)
