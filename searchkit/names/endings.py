"""Endings that make another person or thing of a name: François and Françoise,
Zelensky and Zelenska, Russie and Russe, Conflans and Conflanais.

A module of its own, with no import, because a search needs it too: a given
name in a phrase searches its rule variants (``Variants.spellings_before``),
less those these endings tell apart, and the decision (index time) weighs them
against every merge.
"""

#: Endings that make another person of a given name, or of a Slavic surname (feminine, language).
_GIVEN_ENDINGS = {("", "e"), ("", "a"), ("", "o"), ("o", "a"), ("e", "a"), ("e", "o"), ("", "ie"), ("e", "ie")}
_GIVEN_ENDINGS |= {("", "ia"), ("", "ine"), ("", "ette"), ("", "elle"), ("t", "ce"), ("", "ne"), ("o", "e")}
_GIVEN_ENDINGS |= {("", "le")}  # Emmanuel, Emmanuelle; Gabriel, Gabrielle
_SURNAME_ENDINGS = {(m, f) for m in ("", "y", "i", "iy", "yi", "ii", "ij") for f in ("a", "aia", "aya", "ia")}
#: Endings that make a people or an adjective of a place (Conflans, Conflanais; Philippines, Philippins).
_DEMONYM_ENDINGS = {("", e) for e in ("ais", "aise", "ois", "oise", "ien", "ienne", "iens")}
_DEMONYM_ENDINGS |= {("e", "ais"), ("e", "ois"), ("e", "ien"), ("es", "s"), ("s", "ais"), ("ie", "ien")}
#: A country or a field, and its people or adjective (Russie, Russe; LGBTphobies, LGBTphobes),
#: unless the shorter is a one-letter slip (Mauritane for Mauritanie).
_COUNTRY_ENDINGS = {("ie", "e"), ("ies", "es")}
#: A feminine doubled n, t or l (Syrien, Syrienne; Rochet, Rochette; Michel, Michelle); a plural s
#: is no evidence: Donbas, Donbass.
_FEMININE_ENDINGS = {("", "ne")}
_FEMININE_DOUBLED = ("et", "el")
_FEMININE_E_AFTER = ("ain", "ais", "ois", "eur", "ier", "and", "ard", "ant", "ent", "al", "el", "ol", "if", "ien")


def gendered(a: str, b: str, given: bool, slip: bool = False) -> bool:
    """Whether ``a`` and ``b`` differ by an ending that makes another person or thing.  With
    ``slip`` (``b`` could be a one-letter slip of ``a``), a country's ending (Russie, Russe) is
    not one: Mauritane is Mauritanie with a letter dropped."""
    common = 0
    while common < min(len(a), len(b)) and a[common] == b[common]:
        common += 1
    if common < 3:
        return False
    ends = (a[common:], b[common:])
    pairs = _SURNAME_ENDINGS | _DEMONYM_ENDINGS | _FEMININE_ENDINGS | (_GIVEN_ENDINGS if given else set())
    pairs = pairs if slip else pairs | _COUNTRY_ENDINGS
    if ends in pairs or ends[::-1] in pairs:
        return True
    # a feminine e after the endings of French adjectives and nouns (Toulousain, Libanais,
    # Vainqueur); not after a name's silent e (Prigojin, Prigojine)
    shorter = min(a, b, key=len)
    if shorter.endswith(_FEMININE_DOUBLED) and set(ends) == {"", shorter[-1] + "e"}:
        return True
    return set(ends) == {"", "e"} and shorter.endswith(_FEMININE_E_AFTER)
