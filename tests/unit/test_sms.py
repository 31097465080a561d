"""SMS cost: GSM-7 and UCS-2 segments, folding, pages for MORE, and the cost report."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot import ROOT
from bot.sms_encoding import cost, fold, pages, restore_at_signs


@pytest.mark.parametrize(
    "text, encoding, segments",
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),  # split messages carry 153 each
        ("a" * 306, "GSM-7", 2),
        ("€" * 80, "GSM-7", 1),  # extension characters count twice
        ("á" + "a" * 69, "UCS-2", 1),
        ("á" + "a" * 70, "UCS-2", 2),  # one accent outside GSM-7 and the limit falls to 70
        ("中" * 134, "UCS-2", 2),
        ("🙂" * 35, "UCS-2", 1),  # beyond the BMP: two code units each
    ],
)
def test_segments_are_counted_honestly(text, encoding, segments):
    assert (cost(text).encoding, cost(text).segments) == (encoding, segments)


def test_folding_keeps_gsm_letters_and_replaces_the_rest():
    assert fold("¿Cuánto cuesta? “sí” — ñandú") == '¿Cuanto cuesta? "si" - ñandu'
    assert cost(fold("información sobre la ciudadanía")).encoding == "GSM-7"
    assert fold("工作许可") == "工作许可"  # nothing to fold in other scripts


def test_pages_stay_within_budget_and_lose_nothing():
    text = "\n\n".join(
        f"Paragraph {p}. " + " ".join(f"Sentence {p}.{s} says something useful." for s in range(6)) for p in range(4)
    )
    parts = pages(text, 2, "Reply MORE for the rest.")
    assert len(parts) > 1
    assert all(cost(part).segments <= 2 for part in parts)
    assert all(part.endswith("Reply MORE for the rest.") for part in parts[:-1])
    rebuilt = " ".join(part.removesuffix("Reply MORE for the rest.") for part in parts)
    assert rebuilt.split() == text.split()


def test_cost_report_prints_means_and_maxima_per_language():
    result = subprocess.run([sys.executable, "-m", "bot", "cost"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    summary = result.stdout.split("| language |")[1]
    assert result.returncode == 0
    for code in ("en", "es", "zh", "vi", "ar", "ht"):
        assert f"\n| {code} |" in summary


def test_an_at_sign_mangled_by_a_carrier_is_restored_and_spanish_exclamations_are_not():
    assert restore_at_signs("escribeme a ana¡gmail.com") == "escribeme a ana@gmail.com"
    assert restore_at_signs("¡Hola! ¿me ayudan?") == "¡Hola! ¿me ayudan?"


def test_a_whatsapp_answer_longer_than_one_message_is_split_between_paragraphs():
    from bot.channels.sms import WHATSAPP_MAX_CHARS, whatsapp_messages

    paragraphs = [f"{n} " + "palabra " * 300 for n in range(8)]  # about 2,400 characters each
    messages = whatsapp_messages("\n\n".join(paragraphs))
    assert len(messages) == 8 and all(len(m) <= WHATSAPP_MAX_CHARS for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(paragraphs)
    assert whatsapp_messages("x" * 9000) == ["x" * 4096, "x" * 4096, "x" * 808]
    assert whatsapp_messages("") == []
