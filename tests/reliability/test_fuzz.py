"""Property-based tests: any text in, no exception, and the output only ever removes.

The bounded profile runs in CI; ``make fuzz`` runs the long one (HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import hashlib
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.ingest import InputError, RawRecord, decode
from cleaner.pipeline import Cleaner, Settings
from cleaner.write import rebuild_clean_text, sidecar

settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "fuzz", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CLEANER = Cleaner(Settings(decisions_path=None))
EXAMPLES = sorted({text for rule in CLEANER.rules.rules for text in rule.spec.examples.match})
SENTENCES = [
    "The port reopened on Monday after a three-day strike by dock workers.",
    "Der Stadtrat hat am Dienstag den Haushalt für das kommende Jahr beschlossen.",
    "Le gouvernement a annoncé de nouvelles mesures contre la sécheresse.",
    "El incendio obligó a evacuar a 300 vecinos de la sierra.",
]
LINES = st.one_of(
    st.sampled_from(EXAMPLES),
    st.sampled_from(SENTENCES),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120),
    st.text(alphabet=" \t\n\r-–—.…:|*#ADVERTISEMENTByabc", max_size=40),
)
TEXTS = st.lists(LINES, max_size=25).flatmap(
    lambda lines: st.sampled_from(["\n", "\n\n", "\r\n"]).map(lambda sep: sep.join(lines))
)


def squeeze(text: str) -> str:
    return "".join(text.split())


def is_subsequence(small: str, big: str) -> bool:
    remaining = iter(big)
    return all(char in remaining for char in small)


@given(TEXTS)
def test_any_text_is_cleaned_without_error_and_only_by_removal(text: str) -> None:
    record = RawRecord(
        id="fuzz",
        source="fuzz",
        content=text,
        is_html=False,
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
    )
    document = CLEANER.clean(record)
    assert document.text == text
    for span in document.spans:
        assert 0 <= span.start <= span.end <= len(text)
    clean = CLEANER.clean_text(document)
    assert is_subsequence(squeeze(clean), squeeze(text))  # made only of input text, in order
    record_out = sidecar(document, CLEANER.versions)
    assert rebuild_clean_text(record_out) == clean
    assert record_out["text_before"] == text  # undoing every cut gives the input back
    for item in record_out["removed"] + record_out["flagged"]:
        assert text[item["start"] : item["end"]] == item["text"]


@given(st.binary(max_size=2000), st.booleans())
def test_any_bytes_decode_or_raise_a_clear_input_error(data: bytes, is_html: bool) -> None:
    try:
        text, encoding, _ = decode(data, is_html)
    except InputError as error:
        assert str(error)
        return
    assert "\r" not in text and encoding
