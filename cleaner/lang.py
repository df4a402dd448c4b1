"""Language detection, seeded so the same text always gets the same answer."""

from __future__ import annotations

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0
SAMPLE_CHARS = 600
MIN_LETTERS = 20


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is too little text to tell.

    Only a sample from the middle of the text is read: enough for a stable answer,
    and detection time stays flat however long the document is.
    """
    if sum(ch.isalpha() for ch in text[: SAMPLE_CHARS * 4]) < MIN_LETTERS:
        return None
    middle = max(0, len(text) // 2 - SAMPLE_CHARS // 2) if len(text) > SAMPLE_CHARS * 2 else 0
    sample = text[middle : middle + SAMPLE_CHARS]
    try:
        best = detect_langs(sample)[0]
    except LangDetectException:
        return None
    return str(best.lang) if best.prob >= 0.5 else None
