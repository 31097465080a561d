"""`python -m bot cost`: what the first SMS of every answer costs, in segments, per language.

The first SMS is counted whole and as sent (bot.knowledge.render.first_sms): the short form, its
notices, the ZIP question where there is one, the MORE hint, folded to GSM-7 in the languages
that fold (knowledge/languages.yml). "As written" is the same message with every accent kept, to
show what folding saves. `kb check` fails above 3 segments for one answer or 2 on average.
"""

from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import date

from bot.knowledge.loader import knowledge
from bot.knowledge.render import first_sms
from bot.sms_encoding import cost


def main() -> int:
    kb = knowledge()
    today = date.today()
    unfolded = replace(kb, languages={code: replace(lang, sms_fold=False) for code, lang in kb.languages.items()})
    languages = list(kb.languages)
    print("First SMS of each answer, segments as sent\n")
    print("| article | " + " | ".join(languages) + " |")
    print("|---|" + "---|" * len(languages))
    sent: dict[str, list[int]] = {code: [] for code in languages}
    written: dict[str, list[int]] = {code: [] for code in languages}
    encodings: dict[str, set[str]] = {code: set() for code in languages}
    for article in kb.articles.values():
        for code in languages:
            as_sent = cost(first_sms(kb, article, code, today))
            sent[code].append(as_sent.segments)
            encodings[code].add(as_sent.encoding)
            written[code].append(cost(first_sms(unfolded, article, code, today)).segments)
        print(f"| {article.id} | " + " | ".join(str(sent[code][-1]) for code in languages) + " |")
    print("\n| language | folded | encoding as sent | mean as sent | max as sent | mean as written | max as written |")
    print("|---|---|---|---|---|---|---|")
    for code in languages:
        print(
            f"| {code} | {'yes' if kb.languages[code].sms_fold else 'no'} | {'/'.join(sorted(encodings[code]))} | "
            f"{statistics.mean(sent[code]):.2f} | {max(sent[code])} | {statistics.mean(written[code]):.2f} | {max(written[code])} |"
        )
    return 0
