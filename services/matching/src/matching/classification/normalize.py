"""French text → comparable tokens: case, accents, ligatures, stop words and word endings.

Titles come in every shape: ALL CAPS without accents ("DECHETS MENAGERS"), HTML
entities ("&#8211;"), apostrophes (d'espaces, d’espaces), plurals (espaces verts,
travaux) and conjugated verbs (nettoyer, nettoyé). The lexicon phrases and the titles go
through the same function, so "Entretien des espaces verts" and "ENTRETIEN ESPACES VERT"
both become ``("entretien", "espac", "vert")``.

Stemming uses the Snowball French stemmer (PyStemmer, a C extension) on the unaccented
word: stripping accents first makes "déchets" and "DECHETS" one stem. Stems are cached
per word, because titles reuse a small vocabulary and the service classifies ~1,000
titles a second.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import Stemmer

_STEMMER = Stemmer.Stemmer("french")

# Words that carry no subject. Kept short on purpose: "travaux", "lot", "marché" or
# "fourniture" are not stop words, the lexicon decides what they mean.
STOP_WORDS = frozenset(
    (
        "a",
        "au",
        "aux",
        "avec",
        "c",
        "ce",
        "ces",
        "cet",
        "cette",
        "chez",
        "d",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "ou",
        "par",
        "pour",
        "qu",
        "que",
        "qui",
        "s",
        "sa",
        "sans",
        "ses",
        "son",
        "sous",
        "sur",
        "un",
        "une",
        "y",
        "n",
        "ne",
        "pas",
        "plus",
        "tout",
        "tous",
        "toute",
        "toutes",
        "autre",
        "autres",
        "divers",
        "diverses",
        "dont",
        "se",
        "est",
        "sont",
        "lors",
        "entre",
        "vers",
        "via",
    )
)

# Ligatures that NFKD does not decompose.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
# Letters and digits are read apart: "LOT1-GROS OEUVRE", "lot07" and "M19062" hold the
# word « lot » or a reference number, which a glued token would hide.
_WORD = re.compile(r"[a-z]+|[0-9]+")


def strip_accents(text: str) -> str:
    """Lower case, ligatures expanded, accents removed: "Œuvre Éléments" → "oeuvre elements"."""
    text = html.unescape(text).translate(_LIGATURES).lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Stem of one unaccented lower-case word.

    Plurals and a few feminine endings are folded first, because Snowball stems some
    pairs differently ("paysager" → "paysag" but "paysagers" → "paysager"; "forestier" →
    "foresti" but "forestière" → "forestier").
    """
    if len(word) > 3 and word[-1] == "s" and word[-2] not in "su":
        word = word[:-1]  # espaces → espace, but not bus, plus
    elif word.endswith(("eaux", "eux")):
        word = word[:-1]  # réseaux → réseau, jeux → jeu (Snowball handles -aux → -al)
    if len(word) > 5 and word.endswith(("iere", "agere")):
        word = word[:-1]  # forestière → forestier, ménagère → ménager
    if word in _OWN_STEM:
        return _OWN_STEM[word]
    return _STEMMER.stemWord(_SAME_STEM.get(word, word))


# Forms that the rules above still leave apart from their twin.
_SAME_STEM = {"publique": "public"}
# Words that Snowball would merge with a word of another meaning: "restaurant" (a place)
# with "restauration" (catering, or restoring a building), "fleurissement" (planting
# flowers in town) with "fleurs" (supplying them), "communication" with "commune",
# "agencement" (interior fitting) with "agence", "concertation" with "concert", "natura"
# (Natura 2000) with "nature", "voirie" (roads) with the verb "voir", "enseignement"
# (teaching) with "enseignes" (shop signs), "assistant" (a person) with "assistance",
# "programmation" and "programmiste" (a study) with "programme" (of works), "isolant"
# with "isolation".
_OWN_STEM = {
    word: word
    for word in (
        "restaurant",
        "fleurissement",
        "communication",
        "agencement",
        "concertation",
        "natura",
        "voirie",
        "enseignement",
        "assistant",
        "assistante",
        "programmation",
        "programmiste",
        "isolant",
    )
}


def words(text: str) -> list[str]:
    """Unaccented lower-case words, stop words, digits and single letters removed."""
    return [
        word
        for word in _WORD.findall(strip_accents(text))
        if len(word) > 1 and word not in STOP_WORDS and not word.isdigit()
    ]


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...]:
    """The stems of the meaningful words of ``text``, in order.

    Cached: the classifier reads a title several times (rules, model features).
    """
    return tuple(stem(word) for word in words(text))
