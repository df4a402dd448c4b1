"""Language detection: a stop-word count for clear cases, langdetect (seeded) for the rest.

Only a sample from the middle of the text is read, so detection time stays flat
however long the document is. Most news text in a common Latin-script language
is told apart by its function words in a few microseconds; when they don't name
one language clearly (mixed text, few words, another script or language), the
sample goes to langdetect with a fixed seed, so the same text always gets the
same answer.
"""

from __future__ import annotations

from collections import Counter
from itertools import islice

import regex
from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0
SAMPLE_CHARS = 600
MIN_LETTERS = 20

# Frequent function words that belong to one of these languages only (among them).
_STOPWORDS = {
    "en": "the and of that for with was are this from have were has not they their but which been "
    "would who had will said its also than more about after when there what can his her",
    "de": "der die und das ist nicht mit den von zu sich des auf für ein eine dem im auch sie wird "
    "werden bei nach wie aus oder hat sind wurde einer noch über nur kann aber vor zum zur durch "
    "wenn dass einen",
    "fr": "les et est une du qui dans pour pas sur au avec ce elle sont mais par plus ont été nous "
    "vous cette aux ces leur était être aussi ses où comme fait",
    "es": "el los las del y para pero fue muy también porque entre cuando sin sobre esta este más "
    "han su sus hay ya desde todo al",
    "pt": "os dos em um uma não ao pelo pela são foi seu sua também ele ela isso está mas nos pelos às",
    "it": "il di che della gli non sono anche più nel delle alla questo stato dal dei degli ha per è "
    "ma nella",
    "nl": "het een van voor zijn niet aan ook bij maar door naar wordt worden heeft hij werd nog "
    "deze wel geen op te er om",
    "pl": "się nie że jest już przez jego dla są czy oraz może był także tylko bardzo który która "
    "które jak od za ale tak",
}
_OWNER: dict[str, str] = {}
for _lang, _words in _STOPWORDS.items():
    for _word in _words.split():
        if _OWNER.setdefault(_word, _lang) != _lang:
            raise ValueError(f"stop word {_word!r} listed for two languages")
# A clear case: enough words, a tenth of them function words of one language,
# at least four times as many as of the runner-up.
MIN_HITS, MIN_SHARE, MIN_RATIO = 5, 0.1, 4
MIN_LATIN_SHARE = 0.9

_WORD = regex.compile(r"[^\W\d_]+")
_LETTER = regex.compile(r"[^\W\d_]")
_OTHER_SCRIPT_LETTER = regex.compile(r"[[^\W\d_]--\p{Latin}]", regex.VERSION1)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is too little text to tell."""
    if sum(1 for _ in islice(_LETTER.finditer(text, 0, SAMPLE_CHARS * 4), MIN_LETTERS)) < MIN_LETTERS:
        return None
    middle = max(0, len(text) // 2 - SAMPLE_CHARS // 2) if len(text) > SAMPLE_CHARS * 2 else 0
    sample = text[middle : middle + SAMPLE_CHARS]
    return stopword_language(sample) or _langdetect(sample)


def stopword_language(sample: str) -> str | None:
    """The language whose function words clearly dominate a Latin-script sample, else None."""
    words = _WORD.findall(sample.lower())
    letters = sum(map(len, words))
    if not letters or len(_OTHER_SCRIPT_LETTER.findall(sample)) > (1 - MIN_LATIN_SHARE) * letters:
        return None
    hits = Counter(_OWNER[word] for word in words if word in _OWNER).most_common(2)
    if not hits:
        return None
    lang, count = hits[0]
    runner_up = hits[1][1] if len(hits) > 1 else 0
    if count >= MIN_HITS and count >= MIN_SHARE * len(words) and count >= MIN_RATIO * max(runner_up, 1):
        return lang
    return None


def _langdetect(sample: str) -> str | None:
    try:
        best = detect_langs(sample)[0]
    except LangDetectException:
        return None
    return str(best.lang) if best.prob >= 0.5 else None
