"""Language detection: function words for clear cases, langdetect for the rest, the same answers."""

from __future__ import annotations

from pathlib import Path

from cleaner.lang import SAMPLE_CHARS, _langdetect, detect_language, stopword_language
from tests.conftest import shared_path

ENGLISH = (
    "The council said that the new bridge would be open to traffic by the end of the year, and that "
    "the cost of the work had been lower than they feared when it was planned."
)
GERMAN = (
    "Der Stadtrat hat am Dienstag beschlossen, dass die neue Brücke bis zum Ende des Jahres für den "
    "Verkehr freigegeben wird, und die Kosten sind nicht so hoch wie befürchtet."
)
SWEDISH = (
    "Kommunfullmäktige beslutade i tisdags att den nya bron ska öppnas för trafik före årets slut, "
    "och kostnaden blev lägre än man hade befarat när arbetet planerades."
)

PORTUGUESE = (
    "A câmara municipal decidiu na terça-feira que a nova ponte será aberta ao trânsito até o fim do "
    "ano, e o custo da obra foi menor do que se temia quando ela foi planejada com muito cuidado."
)
RUSSIAN = (
    "Городской совет решил во вторник, что новый мост будет открыт для движения до конца года, и что "
    "стоимость работ была ниже, чем они опасались, когда его только начали проектировать."
)
UKRAINIAN = (
    "Міська рада вирішила у вівторок, що новий міст буде відкрито для руху до кінця року, і що "
    "вартість робіт була нижчою, ніж вони побоювалися, коли його тільки почали проєктувати."
)


def test_clear_cases_are_told_by_their_function_words() -> None:
    for text, lang in ((ENGLISH, "en"), (GERMAN, "de"), (PORTUGUESE, "pt"), (RUSSIAN, "ru")):
        assert stopword_language(text) == lang and detect_language(text) == lang


def test_unclear_cases_go_to_langdetect() -> None:
    assert stopword_language(ENGLISH + " " + GERMAN) is None  # mixed: no clear winner
    assert stopword_language("東京の議会は新しい橋の開通を決めました。" * 3) is None  # not Latin script
    assert stopword_language(SWEDISH) is None and detect_language(SWEDISH) == "sv"
    assert stopword_language(UKRAINIAN) is None and detect_language(UKRAINIAN) == "uk"  # not Russian
    assert stopword_language(RUSSIAN + " Paris London Berlin Madrid Rome Vienna" * 8) is None  # two scripts
    assert detect_language("12 34 56 ... !!") is None


def test_a_table_in_the_middle_leaves_the_language_to_the_prose_around_it() -> None:
    rows = "".join(
        f"| {n} | {first} {last} | {5040 - 37 * n} | {n % 4} |\n"
        for n, (first, last) in enumerate(
            [("Kyle", "Busch"), ("Martin", "Truex"), ("Kevin", "Harvick"), ("Denny", "Hamlin")] * 12, 1
        )
    )
    intro = (
        "Nesta página você terá sempre a classificação atualizada da corrida até a última etapa.\n"
        "Coloque nos seus favoritos e venha sempre conferir a classificação dos pilotos!\n"
    )
    page = intro + "| Pos. | Piloto | Pontos | Vitórias |\n" + rows
    assert len(intro) < len(page) // 2 - SAMPLE_CHARS // 2  # the middle is all table
    assert detect_language(page) == "pt"
    assert detect_language(rows) != "pt"  # names and figures alone: the prose decides above


def test_function_words_agree_with_langdetect_on_the_dev_texts() -> None:
    texts = [
        path.read_text(encoding="utf-8")
        for name in ("extraction-dev", "snippets-dev")
        for path in sorted(Path(shared_path("data", name, "raw-recall")).glob("*.txt"))
    ]
    answered = 0
    for text in texts[::2]:  # every other text keeps the test quick
        middle = max(0, len(text) // 2 - SAMPLE_CHARS // 2) if len(text) > SAMPLE_CHARS * 2 else 0
        sample = text[middle : middle + SAMPLE_CHARS]
        fast = stopword_language(sample)
        if fast is not None:
            answered += 1
            assert fast == _langdetect(sample), sample[:200]
    assert answered >= 0.8 * len(texts[::2])


def langdetect_answers(text: str) -> list[tuple[str, float]] | str:
    """langdetect's own probabilities for ``text``, or its error."""
    from langdetect import detect_langs as original
    from langdetect.lang_detect_exception import LangDetectException

    try:
        return [(found.lang, found.prob) for found in original(text)]
    except LangDetectException as error:
        return str(error)


def fast_answers(text: str) -> list[tuple[str, float]] | str:
    from langdetect.lang_detect_exception import LangDetectException

    from cleaner.lang import detect_langs

    try:
        return [(found.lang, found.prob) for found in detect_langs(text)]
    except LangDetectException as error:
        return str(error)


def test_the_numpy_trials_give_langdetects_probabilities_bit_for_bit() -> None:
    texts = [
        ENGLISH,
        GERMAN,
        SWEDISH,
        ENGLISH + " " + GERMAN,
        "東京の議会は新しい橋の開通を決めました。" * 3,
        "Москва объявила, что новый мост откроется в конце года.",
        "Ο δήμος ανακοίνωσε ότι η νέα γέφυρα θα ανοίξει στο τέλος του έτους.",
        "Tin tức: Hội đồng thành phố cho biết cây cầu mới sẽ mở cửa.",
        "ÉLECTIONS À PARIS : LE CONSEIL VOTE LUNDI",
        "12 34 56 ... !!",
        "",
        # urls and mail addresses blanked, runs of spaces, capitalised words, a word at the very end
        "See https://example.com/a?b=1 or write to desk@example.com   about THE NEW BRIDGE, said Ann",
        "Мост   откроется в конце года, says the ABC council of London",  # ASCII letters dropped
    ]
    for text in texts:
        assert fast_answers(text) == langdetect_answers(text), text


def test_the_numpy_trials_answer_the_same_after_their_tables_are_emptied() -> None:
    from cleaner import lang

    before = fast_answers(SWEDISH)
    lang._GRAMS.clear()
    assert fast_answers(GERMAN) == langdetect_answers(GERMAN)
    assert fast_answers(SWEDISH) == before


def test_the_numpy_trials_agree_with_langdetect_on_samples_of_the_dev_texts() -> None:
    folder = shared_path("data", "extraction-dev", "raw-recall")
    for path in sorted(Path(folder).glob("*.txt"))[:40]:
        text = path.read_text(encoding="utf-8")
        sample = text[len(text) // 2 : len(text) // 2 + SAMPLE_CHARS]
        assert fast_answers(sample) == langdetect_answers(sample), path.name


def test_chinese_gets_its_iso_639_1_code() -> None:
    simplified = (
        "中华人民共和国是世界上人口最多的国家之一。中国的首都是北京，最大的城市是上海。"
        "这个国家有着悠久的历史和灿烂的文化。我们今天在这里讨论经济发展的问题，以及政府应该如何应对这些挑战。"
    )
    traditional = (
        "台灣的首都是台北，這是一個美麗的城市。我們今天在這裡討論經濟發展的問題，"
        "以及政府應該如何應對這些挑戰。這個國家有著悠久的歷史和燦爛的文化。"
    )
    assert detect_language(simplified) == detect_language(traditional) == "zh"  # not zh-cn, zh-tw
