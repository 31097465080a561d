"""`python -m bot cost`: what the SMS answers cost, in segments, per article and language.

For each article's short form: segments as written and folded to GSM-7, then the mean and maximum
per language. The bot adds notices to what it sends; this measures the article itself, which is
what staff can shorten.
"""

from __future__ import annotations

import statistics

from bot.knowledge.loader import knowledge
from bot.sms_encoding import cost, fold


def main() -> int:
    kb = knowledge()
    languages = list(kb.languages)
    print("| article | " + " | ".join(f"{code} (folded)" for code in languages) + " |")
    print("|---|" + "---|" * len(languages))
    per_language: dict[str, list[tuple[int, int]]] = {code: [] for code in languages}
    for article in kb.articles.values():
        cells = []
        for code in languages:
            short = article.text[code].short
            pair = (cost(short).segments, cost(fold(short)).segments)
            per_language[code].append(pair)
            cells.append(f"{pair[0]} ({pair[1]})")
        print(f"| {article.id} | " + " | ".join(cells) + " |")
    print("\n| language | encoding as written | mean segments | max | mean folded | max folded |")
    print("|---|---|---|---|---|---|")
    for code, pairs in per_language.items():
        encodings = {cost(a.text[code].short).encoding for a in kb.articles.values()}
        raw, folded = [p[0] for p in pairs], [p[1] for p in pairs]
        print(
            f"| {code} | {'/'.join(sorted(encodings))} | {statistics.mean(raw):.2f} | {max(raw)} | "
            f"{statistics.mean(folded):.2f} | {max(folded)} |"
        )
    return 0
