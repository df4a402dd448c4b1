"""Function words by language: what is not a topic word, and what a language looks like.

Short lists of the commonest function words; they serve two purposes. Words in
them never count as topic words; and a passage with few function words of the
document's language "looks foreign", the only case where the (slow) language
detector is asked about a single passage.
"""

from __future__ import annotations

from collections.abc import Sequence

_FUNCTION_WORDS = {
    "en": """the of and to a in is it that for on was with as he be by at this have from or
        had not but are his they an she has were which you their been we her would its will
        there who said says also i more when one up out about than into after over could""",
    "de": """der die das und in zu den von mit ist des sich im dem nicht ein eine als auch es
        an er auf für so dass sie wie bei oder aus wird nach noch hat einer werden sind war
        zum zur über nur vor um""",
    "fr": """le la les de des du et à un une en est que qui dans pour pas sur au il elle par
        plus ne se ce avec son sa ses sont aux mais ont été cette comme nous vous ou leur""",
    "es": """el la los las de del y en que a un una es por con para no se al lo su sus como
        más pero fue ha son este esta le ya también entre cuando muy sin sobre""",
    "it": """il la le di e che in un una per non è del della dei delle con si da al alla sono
        anche come più ma lo gli nel nella questo ha ci essere""",
    "pt": """o a os as de do da dos das e que em um uma para com não por se na no ao é mais
        como mas foi pelo pela seu sua ou ser também são""",
    "nl": """de het een en van in is dat op te zijn met voor niet aan er die ook als maar om
        bij door worden wordt nog naar uit dan heeft""",
    "pl": """i w na z nie się do to że jest o jak po co ale od za jego przez są tak już lub
        oraz dla był była być może tym""",
    "sv": """och i att det som en på är av för med till den inte har de om ett var men från
        så kan hade vid eller""",
    "ru": (  # Cyrillic on purpose
        "и в не на что с по как это он я к из но за то от же о так для все его она был была было бы"
    ),
}

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()
}

# scikit-learn's English stop words (sklearn.feature_extraction.text.ENGLISH_STOP_WORDS,
# BSD-3-Clause), written out so that cleaning does not import scikit-learn (over a second
# per process); tests/test_offtopic_features.py checks the two lists are the same.
_ENGLISH_STOP_WORDS = """
    a about above across after afterwards again against all almost alone along already
    also although always am among amongst amoungst amount an and another any anyhow
    anyone anything anyway anywhere are around as at back be became because become
    becomes becoming been before beforehand behind being below beside besides between
    beyond bill both bottom but by call can cannot cant co con could couldnt cry de
    describe detail do done down due during each eg eight either eleven else elsewhere
    empty enough etc even ever every everyone everything everywhere except few fifteen
    fifty fill find fire first five for former formerly forty found four from front full
    further get give go had has hasnt have he hence her here hereafter hereby herein
    hereupon hers herself him himself his how however hundred i ie if in inc indeed
    interest into is it its itself keep last latter latterly least less ltd made many
    may me meanwhile might mill mine more moreover most mostly move much must my myself
    name namely neither never nevertheless next nine no nobody none noone nor not
    nothing now nowhere of off often on once one only onto or other others otherwise our
    ours ourselves out over own part per perhaps please put rather re same see seem
    seemed seeming seems serious several she should show side since sincere six sixty so
    some somehow someone something sometime sometimes somewhere still such system take
    ten than that the their them themselves then thence there thereafter thereby
    therefore therein thereupon these they thick thin third this those though three
    through throughout thru thus to together too top toward towards twelve twenty two un
    under until up upon us very via was we well were what whatever when whence whenever
    where whereafter whereas whereby wherein whereupon wherever whether which while
    whither who whoever whole whom whose why will with within without would yet you your
    yours yourself yourselves"""
ENGLISH_STOP_WORDS = frozenset(_ENGLISH_STOP_WORDS.split())

# Words that are not topic words in news prose whatever the story.
_NEWS = """said says say told tell according reported report reports new year years day days week
    weeks month months time times people just like including make made way going get
    got percent million billion thousand today yesterday tomorrow monday tuesday wednesday
    thursday friday saturday sunday mr mrs ms"""
_NEWS_WORDS = frozenset(_NEWS.split())

STOPWORDS: frozenset[str] = frozenset(
    set(ENGLISH_STOP_WORDS) | _NEWS_WORDS | set().union(*FUNCTION_WORDS.values())
)


LANGUAGES: tuple[str, ...] = tuple(FUNCTION_WORDS)
# Function word -> the indices (into LANGUAGES) of the languages it belongs to.
LANGUAGES_OF: dict[str, tuple[int, ...]] = {}
for _index, _lang in enumerate(LANGUAGES):
    for _word in FUNCTION_WORDS[_lang]:
        LANGUAGES_OF[_word] = (*LANGUAGES_OF.get(_word, ()), _index)


def guess_language(hits: Sequence[float]) -> str | None:
    """The language with most function-word ``hits`` (one count per language of ``LANGUAGES``), if any."""
    best = max(range(len(LANGUAGES)), key=lambda i: hits[i])
    return LANGUAGES[best] if hits[best] >= 3 else None
