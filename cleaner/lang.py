"""Language detection: a stop-word count for clear cases, langdetect (seeded) for the rest.

Only a sample from the middle of the text is read, so detection time stays flat
however long the document is; when that sample is mostly figures and names (a
standings table, a price list), it is taken from the text's prose lines instead.
Most news text in a common European language is told apart by its function
words in a few microseconds; when they don't name one language clearly (mixed
text, few words, another script or language), the sample goes to langdetect with
a fixed seed, so the same text always gets the same answer.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from importlib.resources import files
from itertools import islice
from typing import Any

import numpy as np
import regex
from langdetect import DetectorFactory, detector_factory
from langdetect.detector import Detector
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

from cleaner.rowtable import RowTable

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
    "es": "el los las del y pero fue muy también porque entre cuando sin sobre esta este más han su "
    "sus hay ya desde todo al según dijo había eso esto puede tiene",
    "pt": "os dos em um uma não ao pelo pela são foi seu sua também ele ela isso está mas nos pelos "
    "às com muito você",
    "it": "il di che della gli non sono anche più nel delle alla questo stato dal dei degli ha per è "
    "ma nella",
    "nl": "het een van voor zijn niet aan ook bij maar door naar wordt worden heeft hij werd nog "
    "deze wel geen op te om",
    "ru": "что это его он она мы вы они было были который которые также только если после ещё еще "
    "уже был была когда чтобы более может очень нет есть будет году года чем себя",
    "pl": "się nie że jest już przez jego dla są czy oraz może był także tylko bardzo który która "
    "które jak od za ale tak tym tego też gdy przy jej jako lub być również",
}
_OWNER: dict[str, str] = {}
for _lang, _words in _STOPWORDS.items():
    for _word in _words.split():
        if _OWNER.setdefault(_word, _lang) != _lang:
            raise ValueError(f"stop word {_word!r} listed for two languages")
# A clear case: enough words, 6 in 100 of them function words of one language (its lists hold
# words no other listed language uses, fewer for some), at least four times as many as of the
# runner-up, and nine in ten of the letters in that language's script.
MIN_HITS, MIN_SHARE, MIN_RATIO = 5, 0.06, 4
MIN_SCRIPT_SHARE = 0.9
# A sample with fewer letters among its visible characters than this (a standings table,
# a price list) is replaced by the text's prose lines: lines of this many words or more, with
# that share of letters.
MIN_PROSE_SHARE, MIN_PROSE_WORDS = 0.6, 5

_WORD = regex.compile(r"[^\W\d_]+")
_LETTER = regex.compile(r"[^\W\d_]")
_SCRIPT = {"ru": "Cyrillic"}  # the script of each language of _STOPWORDS not written in Latin
_OTHER_SCRIPT_LETTER = {
    script: regex.compile(rf"[[^\W\d_]--\p{{{script}}}]", regex.VERSION1)
    for script in ("Latin", *_SCRIPT.values())
}


@functools.cache
def detectable_languages() -> frozenset[str]:
    """The codes :func:`detect_language` can return: langdetect's languages, ISO 639-1."""
    profiles = files("langdetect") / "profiles"
    return frozenset(profile.name.partition("-")[0] for profile in profiles.iterdir())


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is too little text to tell."""
    if sum(1 for _ in islice(_LETTER.finditer(text, 0, SAMPLE_CHARS * 4), MIN_LETTERS)) < MIN_LETTERS:
        return None
    sample = _middle(text)
    if _letter_share(sample) < MIN_PROSE_SHARE:
        # A table or a list of names and figures: its words say little of the language.
        sample = _middle("\n".join(line for line in text.split("\n") if _is_prose(line))) or sample
    return stopword_language(sample) or _langdetect(sample)


def _middle(text: str) -> str:
    """SAMPLE_CHARS of ``text`` from its middle (all of a short text)."""
    middle = max(0, len(text) // 2 - SAMPLE_CHARS // 2) if len(text) > SAMPLE_CHARS * 2 else 0
    return text[middle : middle + SAMPLE_CHARS]


def _letter_share(text: str, words: list[str] | None = None) -> float:
    """The share of letters among the characters of ``text`` that are not spaces, tabs or line
    breaks (``words``: its words, when already found)."""
    visible = len(text) - text.count(" ") - text.count("\n") - text.count("\t")
    words = _WORD.findall(text) if words is None else words
    return sum(map(len, words)) / visible if visible else 0.0


def _is_prose(line: str) -> bool:
    """Whether a line reads as running text: several words, mostly letters."""
    words = _WORD.findall(line)
    return len(words) >= MIN_PROSE_WORDS and _letter_share(line, words) >= MIN_PROSE_SHARE


def stopword_language(sample: str) -> str | None:
    """The language whose function words clearly dominate a sample written in its script, else None."""
    words = _WORD.findall(sample.lower())
    hits = Counter(_OWNER[word] for word in words if word in _OWNER).most_common(2)
    if not hits:
        return None
    lang, count = hits[0]
    runner_up = hits[1][1] if len(hits) > 1 else 0
    if count < MIN_HITS or count < MIN_SHARE * len(words) or count < MIN_RATIO * max(runner_up, 1):
        return None
    other_script = _OTHER_SCRIPT_LETTER[_SCRIPT.get(lang, "Latin")]
    if len(other_script.findall(sample)) > (1 - MIN_SCRIPT_SHARE) * sum(map(len, words)):
        return None  # mixed scripts: the function words of one tell too little
    return lang


def _langdetect(sample: str) -> str | None:
    try:
        best = detect_langs(sample)[0]
    except LangDetectException:
        return None
    # ISO 639-1: langdetect names Chinese by its script ("zh-cn", "zh-tw").
    return str(best.lang).partition("-")[0] if best.prob >= 0.5 else None


def detect_langs(text: str) -> list[Any]:
    """langdetect's ``detect_langs``, the same answers, with its trials run on numpy arrays.

    langdetect updates 55 language probabilities one Python float at a time, a
    thousand times per text. Here the updates between two normalisations (one,
    then five at a time) are one numpy product over all languages: element by
    element the same IEEE operations in the same order (the sums that normalise
    them stay Python's ``sum``), with the same random draws, so the
    probabilities come out bit for bit the same, several times faster than langdetect.
    """
    detector_factory.init_factory()
    detector = detector_factory._factory.create()
    if len(_GRAMS.rows) > _MAX_GRAMS or len(_GRAMS.words) > _MAX_WORDS:
        _GRAMS.clear()  # between texts, never inside one
    # The n-grams as rows of the table of their probabilities: drawing a row from a list as
    # long as the n-grams takes the same random draws as drawing an n-gram.
    picks = _GRAMS.of_text(_prepare(text, detector.max_text_length))
    if not picks:
        raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
    table = _GRAMS.array
    count = len(detector.langlist)
    total = np.zeros(count)
    # Row 0: the probabilities so far; then the factors of the updates until the next normalisation.
    product = np.empty((_UPDATES + 1, count))
    choice = detector.random.choice
    detector.random.seed(detector.seed)
    for _ in range(detector.n_trial):
        prob = np.array(detector.prior_map) if detector.prior_map is not None else np.full(count, 1.0 / count)
        alpha = detector.alpha + detector.random.gauss(0.0, 1.0) * detector.ALPHA_WIDTH
        weight = alpha / detector.BASE_FREQ
        drawn = [choice(picks)]  # langdetect normalises after update 0, then after every 5th
        i = 0
        while True:
            product[0] = prob
            np.add(table[drawn], weight, out=product[1 : len(drawn) + 1])
            np.multiply.reduce(product[: len(drawn) + 1], axis=0, out=prob)
            values = prob.tolist()
            norm = sum(values)
            prob /= norm
            # Division by a positive number keeps the order: the largest quotient is the largest's.
            if max(values) / norm > detector.CONV_THRESHOLD or i >= detector.ITERATION_LIMIT:
                break
            drawn = [choice(picks) for _ in range(_UPDATES)]
            i += _UPDATES
        total += prob / detector.n_trial
    detector.langprob = total.tolist()
    return list(detector.get_probabilities())


_UPDATES = 5  # langdetect's updates between two normalisations
_SPACES = re.compile(" {2,}")
_ASCII_LETTERS = re.compile("[A-z]")  # langdetect's "Latin": A to z, with [ \\ ] ^ _ `
_BEYOND_LATIN = re.compile("[\u0300-\U0010ffff]")


def _prepare(text: str, limit: int) -> str:
    """The text langdetect reads of ``text`` (``Detector.append`` then ``cleaning_text``).

    As langdetect has it: urls and mail addresses blanked, Vietnamese marks
    folded, cut at ``limit``, runs of spaces made one; and in a text with twice as
    many characters from U+0300 on (its block test there never fails) as ASCII
    letters, the ASCII letters dropped.
    """
    text = NGram.normalize_vi(Detector.MAIL_RE.sub(" ", Detector.URL_RE.sub(" ", text)))
    text = _SPACES.sub(" ", text[:limit])
    if 2 * len(_ASCII_LETTERS.findall(text)) < len(_BEYOND_LATIN.findall(text)):
        text = _ASCII_LETTERS.sub("", text)
    return text


class _Grams(RowTable):
    """The n-grams met so far, each a row of a table of its probabilities by language, and the
    rows of each word met (filled as texts come, emptied past a bound)."""

    def __init__(self) -> None:
        super().__init__()
        self.words: dict[tuple[str, bool], list[int]] = {}

    def clear(self) -> None:
        super().clear()
        self.words.clear()

    def of_text(self, text: str) -> list[int]:
        """The rows of the n-grams langdetect takes from ``text`` (``Detector._extract_ngrams``
        through ``NGram.add_char``), in its order.

        Its n-gram buffer starts afresh after every space, so the n-grams of a
        text are those of its words (of normalised characters) one after
        another, each word's worked out once.
        """
        words = "".join(map(_normalize, text)).split(" ")
        last = len(words) - 1
        found: list[int] = []
        for k, word in enumerate(words):
            if word:
                key = (word, k < last)
                rows = self.words.get(key)
                found += rows if rows is not None else self._word(*key)
        return found

    def _word(self, word: str, spaced: bool) -> list[int]:
        """The rows of the n-grams of a word of normalised characters (followed by a space when
        ``spaced``), read as ``NGram.add_char`` reads them."""
        known = detector_factory._factory.word_lang_prob_map
        found = []
        grams = " "
        capital = False
        for char in word + " " if spaced else word:
            last = grams[-1]
            if len(grams) >= NGram.N_GRAM:
                grams = grams[1:]
            grams += char
            capital = (capital or last.isupper()) if char.isupper() else False
            if capital:
                continue
            for n in range(1, min(len(grams), NGram.N_GRAM) + 1):
                gram = grams[-n:]
                if gram != " " and gram in known:
                    row = self.rows.get(gram)
                    found.append(row if row is not None else self.add(gram, known[gram]))
        self.words[word, spaced] = found
        return found


_normalize = functools.lru_cache(maxsize=8192)(NGram.normalize)
_GRAMS = _Grams()
_MAX_GRAMS = 20_000  # about 9 MB of table
_MAX_WORDS = 100_000
