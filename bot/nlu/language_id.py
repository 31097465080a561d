"""Language identification of short messages, with interchangeable backends.

Messages are short, often typed without accents, and mix languages, so every backend is asked
only about the languages the deployment supports, and the script of the text is trusted first
(Han characters are Chinese, Arabic letters are Arabic, letters such as ơ ư đ are Vietnamese):
no statistical model is needed to see those, and langdetect famously reads Chinese as Korean.

The `domain` backend is a character n-gram classifier trained on our own NLU examples
(`data/nlu/<lang>.yml`): it knows how people text *these* questions, loanwords ("mi work permit")
and Vietnamese without diacritics included, which general-purpose detectors do not.
`make eval-langid` measures every backend on `tests/language_id.yml`; the best one is the default.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

Backend = Callable[[str], "Detection"]

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
# Letters that Vietnamese uses and the other supported Latin-script languages do not.
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


@dataclass(frozen=True)
class Detection:
    language: str | None
    confidence: float


UNKNOWN = Detection(None, 0.0)


def by_script(text: str, languages: Iterable[str]) -> Detection | None:
    """Decide from the writing system alone, when it is unambiguous among `languages`.

    Any Han character means Chinese and any Arabic letter means Arabic, even beside English words
    ("green card 怎么续"): among the supported languages no other one writes them. (When Farsi or
    Pashto are added, Arabic script stops being conclusive and this rule must learn that.)
    """
    letters = LETTER.findall(text)
    if not letters:
        return None
    for code, pattern in (("zh", HAN), ("ar", ARABIC)):
        share = len(pattern.findall(text)) / len(letters)
        if code in languages and share > 0:
            return Detection(code, min(1.0, 0.7 + share * 0.3))
    if "vi" in languages and VIETNAMESE.search(text):
        return Detection("vi", 0.9)
    return None


def _pycld2(languages: frozenset[str]) -> Backend:
    import pycld2

    def detect(text: str) -> Detection:
        try:
            reliable, _, details = pycld2.detect(text, bestEffort=True)
        except pycld2.error:
            return UNKNOWN
        for _, code, percent, _ in details:
            code = code.split("-")[0]
            if code in languages:
                return Detection(code, percent / 100 * (1.0 if reliable else 0.8))
        return UNKNOWN

    return detect


def _py3langid(languages: frozenset[str]) -> Backend:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(sorted(languages))

    def detect(text: str) -> Detection:
        code, probability = identifier.classify(text)
        return Detection(code, float(probability))

    return detect


def _langdetect(languages: frozenset[str]) -> Backend:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0  # langdetect samples at random: seed it so answers are repeatable

    def detect(text: str) -> Detection:
        try:
            ranked = detect_langs(text)
        except LangDetectException:
            return UNKNOWN
        for guess in ranked:
            code = guess.lang.split("-")[0]
            if code in languages:
                return Detection(code, float(guess.prob))
        return UNKNOWN

    return detect


ENTITY_MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def read_labelled_examples(nlu_dir: Path, languages: Iterable[str]) -> list[tuple[str, str, str]]:
    """(text, language, intent) for every training example in `nlu_dir/<lang>.yml`, normalised,
    entity markup removed."""
    examples = []
    for language in languages:
        for block in yaml.safe_load((nlu_dir / f"{language}.yml").read_text(encoding="utf-8"))["nlu"]:
            for line in block.get("examples", "").splitlines():
                text = ENTITY_MARKUP.sub(r"\1", line.strip().removeprefix("- ").strip())
                if text:
                    examples.append((normalize(text), language, block.get("intent", "")))
    return examples


def read_examples(nlu_dir: Path, languages: Iterable[str]) -> list[tuple[str, str]]:
    """(text, language) for every training example in `nlu_dir/<lang>.yml`."""
    return [(text, language) for text, language, _ in read_labelled_examples(nlu_dir, languages)]


def train_domain_model(examples: list[tuple[str, str]]) -> Any:
    """A character n-gram logistic regression over our own examples (a few seconds to fit)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from bot.nlu.features import ngrams

    model = make_pipeline(ngrams("char", 4), LogisticRegression(C=10, max_iter=1000))
    texts, labels = zip(*examples, strict=True)
    return model.fit(texts, labels)


def _domain(model: Any) -> Backend:
    def detect(text: str) -> Detection:
        probabilities = model.predict_proba([text])[0]
        best = probabilities.argmax()
        return Detection(str(model.classes_[best]), float(probabilities[best]))

    return detect


BACKENDS: dict[str, Callable[[frozenset[str]], Backend]] = {
    "pycld2": _pycld2,
    "py3langid": _py3langid,
    "langdetect": _langdetect,
}
DOMAIN = "domain"
DEFAULT_BACKEND = DOMAIN


def normalize(text: str) -> str:
    """NFC, lower case, single spaces: people type "ESPAÑOL", "español " or a decomposed ñ. Chinese
    becomes Simplified: most training examples are written in it, and "綠卡過期了" means what
    "绿卡过期了" means (the reply's script is decided apart, from the message as written)."""
    text = " ".join(unicodedata.normalize("NFC", text).lower().split())
    return _simplified().convert(text) if HAN.search(text) else text


@lru_cache(maxsize=1)
def _simplified() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def make_detector(
    languages: Iterable[str], backend: str = DEFAULT_BACKEND, use_script: bool = True, model: Any = None
) -> Backend:
    """A detector restricted to `languages`: the script rule first (if enabled), then `backend`.

    The `domain` backend needs its trained `model` (see `train_domain_model`).
    """
    allowed = frozenset(languages)
    statistical = _domain(model) if backend == DOMAIN else BACKENDS[backend](allowed)

    def detect(text: str) -> Detection:
        text = normalize(text)
        if not LETTER.search(text):
            return UNKNOWN  # digits, emoji, punctuation: nothing to go on
        return (use_script and by_script(text, allowed)) or statistical(text)

    return detect


def word_count(text: str) -> int:
    """Words, counting each Han character as half a word (Chinese has no spaces)."""
    han = len(HAN.findall(text))
    return len(HAN.sub(" ", text).split()) + han // 2
