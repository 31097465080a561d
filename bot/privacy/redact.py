"""Removing obvious personal identifiers from text, keeping a typed placeholder so staff can still
follow a conversation ("my A-number is [A-NUMBER]").

People write in English, Spanish, Chinese, Vietnamese, Arabic and Haitian Creole, so the patterns
know each language's way of giving a name, a birth date, a passport or a number to call. Where a
pattern needs a word to recognise what follows ("passport", "nací", "电话"), the word stays and only
the group named `pii` is replaced. What the assistant itself needs is never touched: ZIP codes
(it finds services near them), form names (N-400, I-765), fees, years and durations.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache, lru_cache
from typing import Any

from bot import ROOT

Replacement = str | Callable[[re.Match], str]


def _luhn(digits: str) -> bool:
    """Card numbers carry a Luhn check digit; long numbers that fail it are left alone."""
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group()


def _in_place(match: re.Match, placeholder: str, end: int | None = None) -> str:
    """The match with its `pii` group (up to `end`, when given) replaced: the words around it stay."""
    start, stop = match.start("pii") - match.start(), (match.end("pii") if end is None else end) - match.start()
    return match.group()[:start] + placeholder + match.group()[stop:]


def _keep_context(placeholder: str) -> Callable[[re.Match], str]:
    return lambda match: _in_place(match, placeholder)


# --- Building blocks ------------------------------------------------------------------------------

LETTER = r"(?:[^\W\d_]|[\u0300-\u036f\u064b-\u065f\u0670])"  # any script's letters, with combining accents and harakat
WORD = rf"{LETTER}+(?:['’.-]{LETTER}+)*"
GAP = r"[^\S\n]+"  # spaces within a line
HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
DASH = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"  # hyphen, the Unicode dashes, minus (inside a class)


def _longest_first(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def _words(latin: Iterable[str], other: Iterable[str] = ()) -> str:
    """An alternation of key words: Latin-script ones as whole words, the others (Chinese, Arabic)
    wherever they stand, since those scripts do not separate words the same way."""
    alternatives = [rf"(?<![^\W\d_])(?:{_longest_first(latin)})(?![^\W\d_])"]
    if other := list(other):
        alternatives.append(f"(?:{_longest_first(other)})")
    return "(?:" + "|".join(alternatives) + ")"


# --- Dates ----------------------------------------------------------------------------------------

MONTHS_EN = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
]  # fmt: skip
MONTHS_ES = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "setiembre",
    "octubre", "noviembre", "diciembre", "ene", "abr", "ago", "dic",
]  # fmt: skip
MONTHS_HT = [
    "janvye", "fevriye", "mas", "avril", "me", "jen", "jiyè", "jiyet", "out", "septanm", "oktòb", "oktob",
    "novanm", "desanm",
]  # fmt: skip
MONTHS_AR = [
    "يناير", "فبراير", "مارس", "أبريل", "ابريل", "إبريل", "مايو", "يونيو", "يونيه", "يوليو", "يوليه", "أغسطس",
    "اغسطس", "سبتمبر", "أكتوبر", "اكتوبر", "نوفمبر", "ديسمبر", "كانون الثاني", "شباط", "آذار", "اذار", "نيسان",
    "أيار", "ايار", "حزيران", "تموز", "آب", "أيلول", "ايلول", "تشرين الأول", "تشرين الاول", "تشرين الثاني",
    "كانون الأول", "كانون الاول",
]  # fmt: skip
MONTH_NAME = _words(MONTHS_EN + MONTHS_ES + MONTHS_HT) + r"\.?"
MONTH_EN = _words(MONTHS_EN) + r"\.?"
MONTH_AR = _words([], MONTHS_AR)
DAY = r"\d{1,2}(?:st|nd|rd|th|º|°|er|e)?(?![^\W\d_])"
YEAR = r"\d{4}(?!\d)"
ZH_NUMBER = r"[\d〇○零一二三四五六七八九十]"
END = r"(?![\d/]|[.-]\d)"  # not the start of a longer number

DATES_WITH_YEAR = [
    rf"{ZH_NUMBER}{{2,4}}\s*年\s*{ZH_NUMBER}{{1,2}}\s*月\s*{ZH_NUMBER}{{1,3}}\s*[日号號]?",
    rf"(?:(?:ngày|ngay){GAP})?\d{{1,2}}{GAP}(?:tháng|thang){GAP}\d{{1,2}}\s*,?\s*(?:năm|nam){GAP}{YEAR}",
    rf"{DAY}[\s,]+(?:(?:de|of){GAP})?{MONTH_NAME}[\s,]+(?:(?:de|del){GAP})?{YEAR}",
    rf"{MONTH_EN}{GAP}{DAY},?{GAP}{YEAR}",
    rf"{DAY}{GAP}(?:من{GAP})?{MONTH_AR}\s*[,،]?\s*(?:(?:عام|سنة){GAP})?{YEAR}",
    rf"\d{{4}}(?P<isep>[/.{DASH}])\d{{1,2}}(?P=isep)\d{{1,2}}{END}",  # 1985-03-15
    rf"\d{{1,2}}(?P<nsep>[/{DASH}])\d{{1,2}}(?P=nsep)(?:\d{{4}}|\d{{2}}){END}",  # 03/15/1985, 15-3-85
    rf"\d{{1,2}}\.\d{{1,2}}\.\d{{4}}{END}",  # 15.03.1985 (not 3.6.21: a version number)
]
DATES_WITHOUT_YEAR = [
    rf"{ZH_NUMBER}{{2,4}}\s*年(?:\s*{ZH_NUMBER}{{1,2}}\s*月)?",
    rf"{ZH_NUMBER}{{1,2}}\s*月\s*{ZH_NUMBER}{{1,3}}\s*[日号號]?",
    rf"(?:(?:ngày|ngay){GAP})?\d{{1,2}}{GAP}(?:tháng|thang){GAP}\d{{1,2}}",
    rf"{DAY}{GAP}(?:(?:de|of){GAP})?{MONTH_NAME}",
    rf"{MONTH_EN}{GAP}{DAY}",
    rf"{DAY}{GAP}(?:من{GAP})?{MONTH_AR}",
    rf"\d{{1,2}}[/{DASH}]\d{{1,2}}{END}",
    r"\d{8}(?!\d)",  # 19850315
    rf"{YEAR}",  # born in 1985
]
BIRTH_WORDS = _words(
    [
        # en
        "born", "birth", "dob", "d\\.o\\.b\\.?", "birthday", "birthdate", "date of birth",
        # es
        "nací", "naci", "nacido", "nacida", "nacimiento", "cumpleaños", "cumpleanos", "f\\. de nac\\.?",
        # vi (with and without diacritics)
        "ngày sinh", "năm sinh", "ngay sinh", "(?<!học )(?<!hoc )sinh (?:ngày|năm|vào|ra|nhật|ngay|nhat)",
        # ht
        "fèt", "fet", "dat nesans", "date de naissance",
    ],
    ["出生", "生日", "出世", "تاريخ الميلاد", "تاريخ ميلادي", "مواليد", "ميلادي", "ولدت", "وُلدت", "مولود", "مولودة"],
)  # fmt: skip


MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [
            "january jan enero ene janvye يناير كانون_الثاني",
            "february feb febrero fevriye فبراير شباط",
            "march mar marzo mas مارس آذار اذار",
            "april apr abril avril أبريل ابريل إبريل نيسان",
            "may mayo me مايو أيار ايار",
            "june jun junio jen يونيو يونيه حزيران",
            "july jul julio jiyè jiyet يوليو يوليه تموز",
            "august aug agosto ago out أغسطس اغسطس آب",
            "september sep sept septiembre setiembre septanm سبتمبر أيلول ايلول",
            "october oct octubre oktòb oktob أكتوبر اكتوبر تشرين_الأول تشرين_الاول",
            "november nov noviembre novanm نوفمبر تشرين_الثاني",
            "december dec diciembre dic desanm ديسمبر كانون_الأول كانون_الاول",
        ],
        1,
    )
    for name in names.replace("_", " ").split(" ")
}  # fmt: skip


def _readings(text: str) -> list[date] | None:
    """The days a written date can mean (03/04/1985: March 4 or April 3); an empty list when it
    is no real day, None when it can't be read (Chinese numerals)."""
    numbers = [int(number) for number in re.findall(r"\d+", text)]
    named = [
        number
        for name, number in MONTH_NUMBERS.items()
        if re.search(rf"(?<![^\W\d_]){re.escape(name)}(?![^\W\d_])", text, re.IGNORECASE)
    ]
    if named and len(numbers) == 2:
        orders = [(max(numbers), named[0], min(numbers))]  # the year is the larger number
    elif len(numbers) != 3:
        return None
    elif "年" in text or numbers[0] > 31:  # 1985年3月15日, 1985-03-15
        orders = [(numbers[0], numbers[1], numbers[2])]
    elif re.search("tháng|thang", text, re.IGNORECASE):
        orders = [(numbers[2], numbers[1], numbers[0])]
    else:  # 03/15/1985 or 15/03/1985
        orders = [(numbers[2], numbers[0], numbers[1]), (numbers[2], numbers[1], numbers[0])]
    readings = []
    for year, month, day in orders:
        try:
            readings.append(date(year if year > 99 else 1900 + year, month, day))
        except ValueError:
            continue
    return readings


def _dob(match: re.Match) -> str:
    """A full date on its own: a date of birth, unless it is no real day or it is in the future
    (a hearing, an expiry): those can't be a birth date and stay readable for staff."""
    readings = _readings(match.group())
    if readings is None:
        year = re.search(r"(?<!\d)\d{4}(?!\d)", match.group())
        return match.group() if year and int(year.group()) > date.today().year else "[DOB]"
    if not readings or all(day > date.today() for day in readings):
        return match.group()
    return "[DOB]"


# --- Names ----------------------------------------------------------------------------------------

CONNECTORS = frozenset({"de", "del", "la", "las", "los", "da", "das", "do", "dos", "di", "van", "von", "der", "du", "y"})
STOP_EN = frozenset(
    [
        "and", "but", "or", "so", "i", "im", "i'm", "i’m", "my", "me", "from", "am", "is", "was", "are", "need",
        "want", "have", "had", "has", "how", "what", "please", "the", "a", "an", "with", "to", "in", "for", "live",
        "living", "born", "not", "also", "still", "on", "at", "of", "wrong", "misspelled", "spelled", "written",
        "correct", "incorrect", "different", "missing", "here", "there", "thanks", "thank", "hello", "hi", "calling",
        "writing", "texting", "asking", "looking", "trying", "just", "really", "sorry", "ok", "okay", "yes", "no",
        "if", "when", "where", "who", "why", "which", "will", "would", "can", "could", "should", "it", "its", "this",
        "that",
    ]
)  # fmt: skip
STOP_ES = frozenset(
    [
        "y", "e", "o", "u", "pero", "que", "soy", "tengo", "vivo", "necesito", "quiero", "mi", "mis", "con", "por",
        "para", "en", "el", "los", "las", "un", "una", "no", "si", "sí", "es", "está", "esta", "estoy", "nací",
        "naci", "me", "te", "se", "le", "lo", "al", "desde", "hace", "como", "cómo", "cuando", "porque", "pues",
        "gracias", "hola", "favor", "ayuda", "años", "tu", "su", "ya", "tambien", "también", "hoy", "muy", "largo",
        "difícil", "dificil", "incorrecto", "diferente", "correcto", "mal", "bien", "otro", "otra",
    ]
)  # fmt: skip
# "Soy Mexicana", "soy Residente": capitalised, but not names.
NOT_NAMES_TITLED = frozenset(
    [
        "mexicano", "mexicana", "guatemalteco", "guatemalteca", "salvadoreño", "salvadoreña", "hondureño",
        "hondureña", "cubano", "cubana", "venezolano", "venezolana", "colombiano", "colombiana", "haitiano",
        "haitiana", "dominicano", "dominicana", "nicaragüense", "ecuatoriano", "ecuatoriana", "peruano", "peruana",
        "residente", "ciudadano", "ciudadana", "refugiado", "refugiada", "asilado", "asilada", "estudiante",
        "indocumentado", "indocumentada", "latino", "latina", "hispano", "hispana", "madre", "padre", "mamá", "papá",
        "esposo", "esposa", "cristiano", "cristiana", "católico", "católica", "mexican", "guatemalan", "salvadoran",
        "honduran", "haitian", "cuban", "venezuelan", "colombian", "chinese", "vietnamese", "arab", "syrian",
        "afghan", "ukrainian", "russian", "dominican", "nicaraguan", "ecuadorian", "peruvian", "brazilian",
        "american", "muslim", "christian", "catholic", "hispanic", "asian", "black", "spanish", "english", "french",
        "arabic", "creole", "mandarin", "cantonese", "here", "sorry", "fine", "good", "married", "single", "divorced",
        "pregnant", "undocumented", "legal", "permanent", "resident", "citizen", "refugee", "asylee", "student",
        "urgent", "important", "new", "confused", "lost", "worried", "scared", "afraid", "ready", "still", "also",
        "not", "very", "so", "sure", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    ]
)  # fmt: skip
STOP_VI = frozenset(
    [
        "và", "va", "tôi", "toi", "cần", "muốn", "muon", "ở", "sống", "sinh", "từ", "đến", "là", "có", "không",
        "khong", "được", "duoc", "xin", "cảm", "ơn", "nhé", "ạ", "với", "cho", "của", "cua", "năm", "ngày", "ngay",
        "số", "hỏi", "hoi", "giúp", "giup", "thì", "nhưng", "mà", "để", "đang", "dang", "đã", "sẽ", "bị", "sai",
        "viết", "nhà",
    ]
)  # fmt: skip
STOP_AR = frozenset(
    [
        "و", "من", "في", "عمري", "ولدت", "أنا", "انا", "أريد", "اريد", "رقم", "رقمي", "أحتاج", "احتاج", "عندي", "لدي",
        "أسكن", "اسكن", "أعيش", "اعيش", "هل", "كيف", "لكن", "ولكن", "مع", "على", "عن", "الى", "إلى", "هو", "هي",
        "وأنا", "وانا", "وأريد", "واريد", "وعمري", "وعندي", "ولدي", "وأحتاج", "واحتاج", "وأسكن", "واسكن", "بحاجة",
        "أبحث", "ابحث", "او", "أو", "عشان", "لكي", "كي", "حتى", "فيه", "عليه", "كان", "صار", "تغير", "مش", "ما", "مو",
        "ليس", "غير", "مختلف", "صحيح", "غلط", "خطأ", "خطا", "مكتوب", "مكتوبة", "تاريخ", "وتاريخ", "عنواني", "وعنواني",
        "ورقمي", "بالغلط", "بالكامل",
    ]
)  # fmt: skip
# An Arabic name does not begin with the article: "اسمي القديم" is "my old name".
ARTICLES_AR = ("ال", "بال", "لل", "فال", "وال", "كال")
STOP_HT = frozenset(
    [
        "e", "epi", "ak", "mwen", "m", "ou", "w", "li", "l", "yo", "nou", "pou", "nan", "se", "sa", "ki", "kijan",
        "kòman", "koman", "bezwen", "vle", "ka", "kapab", "te", "pa", "gen", "genyen", "soti", "fèt", "fet", "rete",
        "abite", "demen", "jodi", "tanpri", "mèsi", "mesi", "men", "si", "lè", "le", "a", "la", "yon", "pral", "ap",
        "pwal", "non", "konnen", "rele", "lopital", "biwo", "avoka", "imigrasyon", "polis", "klinik", "sant",
        "uscis", "lapolis", "nimewo", "ajan", "lekol", "lekòl", "konsila", "anbasad", "fanmi", "manman", "papa",
        "sou", "la", "anko", "ankò",
    ]
)  # fmt: skip
STOP_ZH = frozenset("我想要需在是的住从從来來今有和跟请請你他她了啊呢吗嗎也就现現电電")
NOT_HAN_NAMES = ("什么", "什麼", "甚么", "甚麼", "啥")  # 我叫什么不重要: "what I am called"


def _name(
    stop: frozenset[str], titled: bool = False, not_names: frozenset[str] = frozenset(), not_first: tuple[str, ...] = ()
) -> Callable[[re.Match], str]:
    """Replace the name after an introduction: the words of `pii` up to the first one that can't
    be part of a name (a stop word; with `titled`, a word that is not Capitalised; first, a word
    beginning with one of `not_first`). Particles ("de la", "van") count when a name follows."""

    def is_name(word: str) -> bool:
        folded = word.lower()
        if folded in stop or folded in not_names:
            return False
        return not titled or (word[0].isupper() and any(c.islower() for c in word))

    def replace(match: re.Match) -> str:
        words = list(re.finditer(r"\S+", match.group("pii")))
        taken = 0
        for position, word in enumerate(words):
            if word.group().lower() in CONNECTORS and word.group().lower() not in stop:
                if not taken:
                    break
                continue
            if not is_name(word.group()) or (not taken and word.group().startswith(not_first)):
                break
            taken = position + 1
        if not taken:
            return match.group()
        return _in_place(match, "[NAME]", match.start("pii") + words[taken - 1].end())

    return replace


def _han_name(first: int) -> Callable[[re.Match], str]:
    """A Chinese name: its first `first` characters, then up to a character that starts the rest of
    the sentence (我叫王小明想问 → 王小明)."""

    def replace(match: re.Match) -> str:
        name = match.group("pii")
        if name.startswith(NOT_HAN_NAMES):
            return match.group()
        if re.fullmatch(f"{HAN}+", name):
            cut = next((i for i in range(first, len(name)) if name[i] in STOP_ZH), len(name))
            return _in_place(match, "[NAME]", match.start("pii") + cut)
        return _name(STOP_EN)(match)

    return replace


NAME_WORDS = rf"(?P<pii>{WORD}(?:{GAP}{WORD}){{0,3}})"
INTRO = r"(?:\s*[:：,]\s*|[^\S\n]+)"  # "my name is Ana", "name: Ana"
LATIN_NAME = r"[A-Za-zÀ-ÖØ-öø-ÿ'’-]+(?:[^\S\n]+[A-Za-zÀ-ÖØ-öø-ÿ'’-]+){0,3}"

# --- Addresses ------------------------------------------------------------------------------------

STREET_TYPES = [
    "street", "st", "avenue", "ave", "av", "road", "rd", "boulevard", "blvd", "drive", "dr", "lane", "ln", "way",
    "court", "ct", "place", "pl", "terrace", "ter", "terr", "parkway", "pkwy", "highway", "hwy", "circle", "cir",
    "square", "sq", "trail", "trl",
]  # fmt: skip
STREET_FIRST = ["calle", "avenida", "avda", "av", "carrera", "camino", "paseo", "đường", "duong", "phố", "ri", "avni"]
STOP_ADDRESS = [
    "the", "a", "an", "and", "or", "at", "in", "on", "of", "to", "for", "from", "with", "my", "your", "his", "her",
    "our", "their", "is", "are", "was", "were", "be", "i", "we", "you", "he", "she", "they", "it", "me", "us", "them",
    "this", "that", "these", "those", "day", "days", "week", "weeks", "month", "months", "year", "years", "hour",
    "hours", "minute", "minutes", "time", "times", "kid", "kids", "child", "children", "people", "dollar", "dollars",
    "more", "less", "than", "about", "after", "before", "immigration", "family", "federal", "traffic", "criminal",
    "district", "supreme", "go", "going", "went", "y", "o", "en", "el", "los", "las", "un", "una", "con", "para",
    "por", "mi", "mis", "su", "sus", "que", "apt", "apartment", "apto", "apartamento", "unit", "suite", "ste", "rm",
    "room", "piso", "depto", "departamento",
]  # fmt: skip
ADDRESS_WORD = rf"(?!{_words(STOP_ADDRESS)})(?:{WORD}|\d{{1,3}}(?:st|nd|rd|th)?(?![^\W\d_]))\.?"
UNIT = (
    rf"(?:[^\S\n]*,?[^\S\n]*{_words(['apt', 'apartment', 'apto', 'apartamento', 'unit', 'suite', 'ste', 'rm', 'room', 'piso', 'depto', 'departamento'], ['#'])}"
    r"\.?[^\S\n]*#?[^\S\n]*[A-Za-z]?\d{1,5}[A-Za-z]?(?![\w-]))?"
)
DIRECTION = rf"(?:{GAP}{_words(['n', 's', 'e', 'w', 'ne', 'nw', 'se', 'sw', 'north', 'south', 'east', 'west'])}\.?)?"
HOUSE_NUMBER = r"(?<![\w$.,/#-])\d{1,6}[A-Za-z]?(?:-\d{1,4})?"

# --- Contacts -------------------------------------------------------------------------------------

EMAIL_AT = (
    r"(?:[^\S\n]+(?:at|arroba|arobas|arobase|a còng|a cong|آت)[^\S\n]+"
    r"|[^\S\n]*[\[(<{][^\S\n]*(?:at|arroba)[^\S\n]*[\])>}][^\S\n]*|[^\S\n]*(?:@|＠|艾特)[^\S\n]*)"
)
EMAIL_DOT = (
    r"(?:[^\S\n]+(?:dot|punto|point|pwen|chấm|cham|نقطة|دوت)[^\S\n]+"
    r"|[^\S\n]*[\[(<{][^\S\n]*(?:dot|punto)[^\S\n]*[\])>}][^\S\n]*|[^\S\n]*[点點][^\S\n]*|\.)"
)
TOP_DOMAINS = "com|net|org|edu|gov|us|mx|ht|cn|vn|tw|hk|io|co|info|fr|es|ca|uk|de|br|sv|gt|hn|cu|ve|me"
WEBMAIL = "gmail|googlemail|yahoo|hotmail|outlook|icloud|qq|proton(?:mail)?"
LOCAL_PART = r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*"
SPELLED_DOT = r"\s(?:dot|punto|point|pwen|chấm|cham|نقطة|دوت)\s|[\[(<{]\s*(?:dot|punto)|[点點]"


def _spelled_email(match: re.Match) -> str:
    """A spelled-out email; but "apply online at uscis.gov" names a website: after a plain "at",
    a dot must be spelled out too, or the domain be a webmail one ("maria at gmail.com")."""
    text = match.group()
    plain_at = re.search(r"\sat\s", text, re.IGNORECASE)
    if plain_at and not re.search(SPELLED_DOT, text, re.IGNORECASE) and not re.search(WEBMAIL, text, re.IGNORECASE):
        return text
    return "[EMAIL]"


CALL_WORDS = _words(
    [
        # en
        "call", "calling", "phone", "cell", "cellphone", "mobile", "tel", "telephone", "text me", "reach me",
        "whatsapp", "my number",
        # es
        "llámame", "llamame", "llámeme", "llameme", "llamarme", "llame", "llamen", "llamar", "márcame", "marcame",
        "teléfono", "telefono", "celular", "cel", "mi número", "mi numero",
        # vi
        "gọi", "goi", "điện thoại", "dien thoai", "sđt", "sdt", "đt",
        # ht
        "rele", "telefòn", "telefon", "nimewo", "nimero",
    ],
    [
        "电话", "電話", "手机", "手機", "号码", "號碼", "打给我", "打給我",
        "اتصل", "اتصلي", "اتصلوا", "إتصل", "رقمي", "رقم الهاتف", "هاتفي", "هاتف", "تلفون", "تلفوني", "جوال", "جوالي",
        "موبايل", "واتساب", "واتس",
    ],
)  # fmt: skip
PASSPORT_WORDS = _words(
    ["passport", "pasaporte", "passeport", "hộ chiếu", "ho chieu", "paspò", "paspo", "pasapò", "paspòt"],
    ["护照", "護照", "جواز"],
)
CVV_WORDS = _words(
    [
        "cvv", "cvv2", "cvc", "cvc2", "csc", "security code", "código de seguridad", "codigo de seguridad",
        "mã bảo mật", "ma bao mat", "kòd sekirite", "kod sekirite",
    ],
    ["安全码", "安全碼", "验证码", "驗證碼", "رمز الأمان", "رمز الامان"],
)  # fmt: skip
EXPIRY_WORDS = _words(
    [
        "exp", "expires", "expiry", "expiration", "expiration date", "valid thru", "valid through", "good thru",
        "vence", "vencimiento", "fecha de vencimiento", "expira", "expiración", "expiracion", "válida hasta",
        "valida hasta", "hết hạn", "het han", "ekspire", "ekspirasyon",
    ],
    ["有效期", "有效期至", "到期", "تنتهي", "تاريخ الانتهاء", "صالحة حتى"],
)  # fmt: skip


def _flags(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


# Order matters: the most specific patterns first, so a receipt number is not read as a phone, a
# passport not as an A-number, a date of birth not as a phone.
PATTERNS: list[tuple[re.Pattern, Replacement]] = [
    (re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[EMAIL]"),  # from the start of a run: no quadratic rescans
    # Spelled out: "maria at gmail dot com", "maria arroba gmail punto com", "maria 艾特 qq 点 com".
    (
        _flags(rf"{LOCAL_PART}{EMAIL_AT}[A-Za-z0-9-]+(?:{EMAIL_DOT}[A-Za-z0-9-]+)*{EMAIL_DOT}(?:{TOP_DOMAINS})(?![A-Za-z0-9])"),
        _spelled_email,
    ),
    (_flags(rf"{LOCAL_PART}{EMAIL_AT}(?:{WEBMAIL})(?![A-Za-z0-9])"), "[EMAIL]"),
    (re.compile(r"\b(?:IOE|EAC|WAC|LIN|SRC|MSC|NBC|YSC)[\s-]?\d{10}\b", re.IGNORECASE), "[RECEIPT]"),
    # "passport X12345678", "pasaporte número G1234567", "护照号码E12345678", "paspò mwen se RD1234567".
    (
        _flags(rf"{PASSPORT_WORDS}[^\d\n]{{0,25}}?(?P<pii>[A-Za-z]{{1,3}}[{DASH}]?\d{{6,9}}[A-Za-z]?|\d{{8,9}})(?![A-Za-z0-9])"),
        _keep_context("[PASSPORT]"),
    ),
    (re.compile(r"(?<![\w-])A[\s#-]{0,2}\d{3}[\s-]?\d{3}[\s-]?\d{2,3}(?!\d)", re.IGNORECASE), "[A-NUMBER]"),
    # Any separator: 123-45-6789, 123.45.6789, 123–45–6789, 123 45 6789.
    (
        re.compile(
            rf"(?<![\d.])\d{{3}}(?:[^\S\n]?[{DASH}.][^\S\n]?|\s)\d{{2}}(?:[^\S\n]?[{DASH}.][^\S\n]?|\s)\d{{4}}(?!\d|\.\d)"
        ),
        "[SSN]",
    ),
    (re.compile(r"(?<!\d)(?:\d[\s-]?){12,18}\d(?!\d)"), _card),
    (_flags(rf"{CVV_WORDS}[^\d\n]{{0,12}}?(?P<pii>\d{{3,4}})(?!\d)"), _keep_context("[CVV]")),
    (
        _flags(
            rf"{EXPIRY_WORDS}[^\d\n]{{0,15}}?(?P<pii>(?:0?[1-9]|1[0-2])[^\S\n]?[/{DASH}][^\S\n]?(?:20\d{{2}}|\d{{2}}))(?![\d/{DASH}]|\.\d)"
        ),
        _keep_context("[CARD-EXPIRY]"),
    ),
    (re.compile(r"(?<![\w+])\+\d[\d\s().-]{7,16}\d(?!\d)"), "[PHONE]"),
    (re.compile(rf"(?<!\d)(?:1[\s.{DASH}]?)?\(?\d{{3}}\)?[\s.{DASH}]?\d{{3}}[\s.{DASH}]?\d{{4}}(?!\d)"), "[PHONE]"),
    # Dates of birth: any date after a birth word, then full dates that are not in the future.
    (_flags(rf"{BIRTH_WORDS}[^\d\n]{{0,25}}?(?P<pii>{'|'.join(DATES_WITH_YEAR + DATES_WITHOUT_YEAR)})"), _keep_context("[DOB]")),
    (
        _flags(
            rf"(?P<pii>{ZH_NUMBER}{{2,4}}\s*年(?:\s*{ZH_NUMBER}{{1,2}}\s*月(?:\s*{ZH_NUMBER}{{1,3}}\s*[日号號])?)?)(?=\s*(?:出生|出世))"
        ),
        "[DOB]",
    ),
    (_flags(rf"(?<![\dA-Za-z/.{DASH}])(?:{'|'.join(DATES_WITH_YEAR)})"), _dob),
    # Seven-digit local numbers: 555-0142 (an exchange starts with 2-9: "100-2000" is a range).
    (re.compile(rf"(?<![\w$.,/+{DASH}])[2-9]\d{{2}}[^\S\n]?[{DASH}.][^\S\n]?\d{{4}}(?![\w/{DASH}]|[.,]\d)"), "[PHONE]"),
    (re.compile(r"(?<!\d)\d{9}(?!\d)"), "[SSN]"),  # nine bare digits: an SSN or an A-number without its A
    # After a word for calling: "llámame al 5550142", "电话 555 0142", "rele m 3456 7890".
    (_flags(rf"{CALL_WORDS}[^\d\n]{{0,20}}?(?P<pii>\d(?:[{DASH}. ]?\d){{6,10}})(?!\d)"), _keep_context("[PHONE]")),
    # Names after an introduction, in each language.
    (
        _flags(
            rf"(?<![^\W\d_])(?:my{GAP}(?:full{GAP}|first{GAP}|last{GAP}|sur)?name{GAP}is|my{GAP}name['’]s|(?:full{GAP})?name"
            rf"(?=\s*:)|i{GAP}am{GAP}called|i['’]m{GAP}called|they{GAP}call{GAP}me){INTRO}{NAME_WORDS}"
        ),
        _name(STOP_EN),
    ),
    (_flags(rf"(?<![^\W\d_])(?:this{GAP}is|i{GAP}am|i['’]m){GAP}{NAME_WORDS}"), _name(STOP_EN, True, NOT_NAMES_TITLED)),
    (
        _flags(
            rf"(?<![^\W\d_])(?:me{GAP}llamo|mi{GAP}nombre(?:{GAP}completo)?{GAP}es|mis?{GAP}apellidos?{GAP}(?:es|son)|nombre(?=\s*:))"
            rf"{INTRO}{NAME_WORDS}"
        ),
        _name(STOP_ES),
    ),
    (_flags(rf"(?<![^\W\d_])soy{GAP}{NAME_WORDS}"), _name(STOP_ES, True, NOT_NAMES_TITLED)),
    (_flags(rf"(?:我的名字(?:是|叫)|我名叫|我叫|姓名(?:[:：]|是))\s*(?P<pii>{HAN}{{2,4}}|{LATIN_NAME})"), _han_name(2)),
    (_flags(rf"我姓\s*(?P<pii>{HAN}{{1,2}}[，,]?\s*(?:名叫|叫|名){HAN}{{1,3}})"), _keep_context("[NAME]")),  # 我姓王，叫小明
    (_flags(rf"我姓\s*(?P<pii>{HAN}{{1,4}})"), _han_name(1)),
    (
        _flags(
            rf"(?<![^\W\d_])(?:tên{GAP}(?:của{GAP})?tôi(?:{GAP}là)?|tôi{GAP}tên(?:{GAP}là)?|ten{GAP}toi(?:{GAP}la)?|toi{GAP}ten(?:{GAP}la)?){INTRO}{NAME_WORDS}"
        ),
        _name(STOP_VI),
    ),
    (_flags(rf"(?<![^\W\d_])و?[اإأ]سمي(?:{GAP}الكامل)?(?:{GAP}هو)?{INTRO}{NAME_WORDS}"), _name(STOP_AR, not_first=ARTICLES_AR)),
    # "m rele Jean" (I am called), but not "pou m rele uscis" (to call): after pou/lè the verb is "to call".
    (
        _flags(
            rf"(?<![^\W\d_])(?:non{GAP}(?:mwen|m){GAP}se|(?<!pou )(?<!le )(?<!lè )(?:mwen|m['’]?){GAP}rele){INTRO}{NAME_WORDS}"
        ),
        _name(STOP_HT),
    ),
    # Street addresses: "123 Main St Apt 4", "4500 NW 7th Ave", "1234 Calle Ocho", "calle Flagler 1234".
    (_flags(rf"{HOUSE_NUMBER},?{GAP}(?:{ADDRESS_WORD}{GAP}){{1,4}}?{_words(STREET_TYPES)}\.?{DIRECTION}{UNIT}"), "[ADDRESS]"),
    (
        _flags(
            rf"(?:(?:số|so){GAP})?{HOUSE_NUMBER},?{GAP}(?:del{GAP}|de{GAP}(?:la{GAP})?)?{_words(STREET_FIRST, ['شارع'])}(?:{GAP}{ADDRESS_WORD}){{1,4}}{UNIT}"
        ),
        "[ADDRESS]",
    ),
    (
        _flags(
            rf"{_words(['calle', 'avenida', 'avda', 'av'], ['شارع'])}\.?{GAP}(?:(?:de|del|la|las|los){GAP}|{ADDRESS_WORD}{GAP}){{0,4}}"
            rf"(?:#[^\S\n]*|n[oº°]\.?[^\S\n]*|número{GAP}|numero{GAP}|số{GAP})?\d{{1,4}}[A-Za-z]?(?!\d){UNIT}"
        ),
        "[ADDRESS]",
    ),
    (_flags(r"(?<![^\W\d_])p\.?[^\S\n]?o\.?[^\S\n]+box[^\S\n]+\d{1,6}(?!\d)|apartado postal[^\S\n]+\d{1,6}(?!\d)"), "[ADDRESS]"),
    (
        _flags(
            rf"(?:住在|住址|地址)(?:是|[:：])?\s*(?P<pii>(?:{HAN}|[A-Za-z\s]){{1,20}}?\d{{1,6}}(?:-\d{{1,4}})?\s*[号號](?:\s*\d{{1,5}}\s*(?:室|房|楼|樓))?)"
        ),
        _keep_context("[ADDRESS]"),
    ),
]

CONTACT_PLACEHOLDERS = ("[EMAIL]", "[PHONE]")


def _replaced(replacement: Replacement, match: re.Match) -> str:
    return replacement if isinstance(replacement, str) else replacement(match)


def find_contact(text: str) -> str | None:
    """The first phone number or email in `text`: what a person gives to be called back. The
    patterns run in their order, so numbers that are something else (a passport, a date of birth)
    are set aside before the phone patterns look. A spelled-out email is returned as written."""
    for pattern, replacement in PATTERNS:
        for found in pattern.finditer(text):
            if any(placeholder in _replaced(replacement, found) for placeholder in CONTACT_PLACEHOLDERS):
                return (found.group("pii") if "pii" in pattern.groupindex else found.group()).strip()
        text = pattern.sub(replacement, text)
    return None


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


CHANNEL_IDS = frozenset({"message_id"})
"""Keys whose values the channel makes up (a Twilio MessageSid, "update-<id>"), never a person's
words: kept as they are, or the hex digits of a MessageSid would read as a phone number and the
stored turn could no longer be traced to its webhook."""


NAME_LIKE = re.compile(r"[A-Za-z_.]+")
"""Intent, action, slot and entity names, language codes: no pattern can match them, and a stored
user event holds dozens (its intent ranking). Skipping them is a third of the cost of a save."""


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value, apart from the channel's own ids."""
    if isinstance(value, str):
        return value if NAME_LIKE.fullmatch(value) else redact(value)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, dict):
        return {key: item if key in CHANNEL_IDS else redact_value(item) for key, item in value.items()}
    return value


@cache
def _official_details() -> tuple[str, ...]:
    """What the redaction patterns find in the knowledge base itself: official phone numbers,
    web addresses, dates of rules. The bot may say these; they are not anybody's details."""
    written = "\n".join(path.read_text() for path in sorted((ROOT / "knowledge").rglob("*.yml")))
    found = {match.group() for pattern, _ in PATTERNS for match in pattern.finditer(written)}
    return tuple(sorted(found, key=len, reverse=True))


@lru_cache(maxsize=4096)
def redact_bot_text(text: str) -> str:
    """A bot message, redacted like anything else, except for the details the knowledge base itself
    gives (an article's USCIS phone number stays readable). Remembered: bot messages repeat."""
    kept: list[str] = []

    def keep(detail: str) -> str:
        kept.append(detail)
        return f"\x00{len(kept) - 1}\x00"

    for detail in _official_details():
        if detail in text:
            text = text.replace(detail, keep(detail))
    text = redact(text)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)


JSON_ESCAPES = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")


def _unescaped(message: str) -> str:
    """`message` with JSON's \\uXXXX escapes written out: Rasa's debug log is JSON with
    ensure_ascii, where "护照号码E12345678" would pass the patterns unseen."""

    def decoded(escapes: re.Match[str]) -> str:
        try:
            text = json.loads(f'"{escapes.group()}"')
            text.encode()  # a lone surrogate cannot be written to the log: keep the escapes
            return str(text)
        except (ValueError, UnicodeEncodeError):
            return escapes.group()

    return JSON_ESCAPES.sub(decoded, message)


class RedactingFilter(logging.Filter):
    """Rewrites each log record's message with PII removed, whatever logger produced it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(_unescaped(record.getMessage()))
        record.args = ()
        return True


def install_log_redaction() -> None:
    """Attach the filter to every handler of the root logger (Rasa's structlog writes through them)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
