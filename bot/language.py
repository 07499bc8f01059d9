"""Which language a caption is written in, so one language's words are not read as another's.

"un chat qui mange" is a cat eating, not chatting. A caption is read with the term list of its own
language; English phrases still count inside a foreign caption (creators mix "drone shot" into any
language), English single words do not.

Detection is deliberately small and fast (no model, no dependency): the writing system decides
Japanese (kana) and Chinese (Han without kana); for Latin-script captions, the language whose
function words (articles, prepositions, conjunctions) occur most often wins, and English wins ties.
Function words are the right signal for short captions because every sentence has them and content
words are exactly what we must not trust across languages.
"""

from __future__ import annotations

import re

LANGUAGES = ("en", "es", "fr", "pt", "de", "zh", "ja")

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Words that are frequent in one language and rare as words in the others. Shared forms ("la", "en",
# "a", "in", "de") are listed for every language that has them, so they cancel out.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the a an and of in on with is are at by from to for while his her its their this that "
                    "into over under through no not it i you my so just be was as but or out up what".split()),
    "es": frozenset("el la los las un una unos unas y en del con por para que es son se al su sus muy sobre "
                    "mientras entre hacia desde como está están".split()),
    "fr": frozenset("le la les un une des et en du avec pour qui que est sont sur dans au aux ses son sa "
                    "pendant entre vers comme très".split()),
    "pt": frozenset("o a os as um uma e em do da dos das com por para que é são no na nos nas ao sobre "
                    "enquanto entre como está estão muito seu sua".split()),
    "de": frozenset("der die das ein eine einen einem und in im mit auf für ist sind von dem den beim zum "
                    "zur über unter durch während wie sehr".split()),
}


_LANGS_OF: dict[str, tuple[str, ...]] = {}
for _lang, _words in FUNCTION_WORDS.items():
    for _w in _words:
        _LANGS_OF[_w] = (*_LANGS_OF.get(_w, ()), _lang)

# Letters one language writes and the others (nearly) never do: they break ties between languages
# that share function words ("en la" is Spanish and French).
_LETTERS: dict[str, str] = {"es": "ñ¿¡", "fr": "èêëœùûîïç", "pt": "ãõç", "de": "äöüß"}


def detect(text: str, words: list[str] | None = None) -> str:
    """The caption's language code (one of LANGUAGES); English when nothing says otherwise."""
    kana, han = len(_KANA.findall(text)), len(_HAN.findall(text))
    # An English caption quoting a few CJK words ('the text "人工智能" on a sign') stays English: one CJK
    # character carries about as much as a Latin word.
    if kana + han >= 2 and (kana + han) * 3 >= len(_LATIN.findall(text)):
        return "ja" if kana else "zh"
    if words is None:
        words = re.findall(r"[^\W\d_]+", text.lower())
    if not words:
        return "en"
    counts = dict.fromkeys(FUNCTION_WORDS, 0)
    for w in words:
        for lang in _LANGS_OF.get(w, ()):
            counts[lang] += 1
    lowered = text.lower()
    letters = {lang: sum(lowered.count(ch) for ch in chars) for lang, chars in _LETTERS.items()}
    best = max(counts, key=lambda lang: (counts[lang], lang == "en", letters.get(lang, 0)))
    if best != "en" and counts[best] >= 2 and counts[best] > counts["en"]:
        return best
    return "en"
