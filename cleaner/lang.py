"""Language detection: a stop-word count for clear cases, langdetect (seeded) for the rest.

Only a sample from the middle of the text is read, so detection time stays flat
however long the document is. Most news text in a common Latin-script language
is told apart by its function words in a few microseconds; when they don't name
one language clearly (mixed text, few words, another script or language), the
sample goes to langdetect with a fixed seed, so the same text always gets the
same answer.
"""

from __future__ import annotations

import functools
from collections import Counter
from itertools import islice
from typing import Any

import numpy as np
import regex
from langdetect import DetectorFactory, detector_factory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

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


def detect_langs(text: str) -> list[Any]:
    """langdetect's ``detect_langs``, the same answers, with its trials run on numpy arrays.

    langdetect updates 55 language probabilities one Python float at a time, a
    thousand times per text. Here each update is one numpy operation over all
    of them: element by element the same IEEE operations in the same order (the
    sums that normalise them stay Python's ``sum``), with the same random draws,
    so the probabilities come out bit for bit the same, several times faster.
    """
    detector_factory.init_factory()
    detector = detector_factory._factory.create()
    detector.append(text)
    detector.cleaning_text()
    ngrams = _ngrams(detector.text, detector.word_lang_prob_map)
    if not ngrams:
        raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
    count = len(detector.langlist)
    total = np.zeros(count)
    step = np.empty(count)
    detector.random.seed(detector.seed)
    for _ in range(detector.n_trial):
        prob = np.array(detector.prior_map) if detector.prior_map is not None else np.full(count, 1.0 / count)
        alpha = detector.alpha + detector.random.gauss(0.0, 1.0) * detector.ALPHA_WIDTH
        weight = alpha / detector.BASE_FREQ
        i = 0
        while True:
            np.add(_word_probabilities(detector.random.choice(ngrams)), weight, out=step)
            np.multiply(prob, step, out=prob)
            if i % 5 == 0:
                prob /= sum(prob.tolist())
                if prob.max() > detector.CONV_THRESHOLD or i >= detector.ITERATION_LIMIT:
                    break
            i += 1
        total += prob / detector.n_trial
    detector.langprob = total.tolist()
    return list(detector.get_probabilities())


def _ngrams(text: str, known: dict[str, list[float]]) -> list[str]:
    """langdetect's ``Detector._extract_ngrams`` (through ``NGram.add_char``), with characters'
    normal forms remembered: the n-grams of up to 3 characters of ``text`` it has profiles for."""
    found = []
    grams = " "
    capital = False
    for char in text:
        char = _normalize(char)
        last = grams[-1]
        if last == " ":
            grams = " "
            capital = False
            if char == " ":
                continue
        elif len(grams) >= NGram.N_GRAM:
            grams = grams[1:]
        grams += char
        capital = (capital or last.isupper()) if char.isupper() else False
        if capital:
            continue
        for n in range(1, min(len(grams), NGram.N_GRAM) + 1):
            gram = grams[-n:]
            if gram != " " and gram in known:
                found.append(gram)
    return found


_normalize = functools.lru_cache(maxsize=8192)(NGram.normalize)
_WORD_PROBABILITIES: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
_MAX_CACHED_WORDS = 20_000  # about 10 MB


def _word_probabilities(word: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A word's probabilities in each language, as an array (made on first use, a bounded number kept)."""
    found = _WORD_PROBABILITIES.get(word)
    if found is None:
        if len(_WORD_PROBABILITIES) >= _MAX_CACHED_WORDS:
            _WORD_PROBABILITIES.clear()
        found = _WORD_PROBABILITIES[word] = np.array(detector_factory._factory.word_lang_prob_map[word])
    return found
