"""Pseudonyms, redaction, deletion and retention."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import ROOT
from bot.privacy.pseudonym import MissingSecret, pseudonym
from bot.privacy.redact import RedactingFilter, find_contact, redact
from bot.privacy.store import RedactingSQLTrackerStore


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my a-number is A123456789", "my a-number is [A-NUMBER]"),
        ("A# 123-456-789 please", "[A-NUMBER] please"),
        ("ssn 123-45-6789", "ssn [SSN]"),
        ("call (617) 555-0199 or +509 3456 7890", "call [PHONE] or [PHONE]"),
        ("write to juan.perez@gmail.com", "write to [EMAIL]"),
        ("receipt IOE0912345678", "receipt [RECEIPT]"),
        ("card 4111 1111 1111 1111", "card [CARD]"),
        ("my zip is 02139 and form I-765", "my zip is 02139 and form I-765"),  # not personal
        ("N-400 costs $760", "N-400 costs $760"),
        ("1234 5678 9012 3456", "1234 5678 9012 3456"),  # fails the Luhn check: not a card
    ],
)
def test_redaction_keeps_a_typed_placeholder(text, expected):
    assert redact(text) == expected


# What people write, in the assistant's six languages: each new category, planted in each language
# where it applies (language, what was written, what may be stored).
PLANTED_PII = [
    # Names, after an introduction: only the name goes, the phrase stays.
    ("en", "my name is Maria Lopez Garcia", "my name is [NAME]"),
    ("en", "My name is maria lopez and I need help", "My name is [NAME] and I need help"),
    ("en", "I am called Ana Perez", "I am called [NAME]"),
    ("en", "This is Maria Lopez, my A number is A123456789", "This is [NAME], my A number is [A-NUMBER]"),
    ("en", "Name: John O'Brien", "Name: [NAME]"),
    ("es", "me llamo Maria Lopez Garcia", "me llamo [NAME]"),
    ("es", "Me llamo María de la Cruz y vivo en Miami", "Me llamo [NAME] y vivo en Miami"),
    ("es", "mi nombre es José Pérez", "mi nombre es [NAME]"),
    ("es", "Soy María González, necesito ayuda", "Soy [NAME], necesito ayuda"),
    ("zh", "我叫王小明", "我叫[NAME]"),
    ("zh", "我叫王小明想问一下绿卡", "我叫[NAME]想问一下绿卡"),
    ("zh", "我的名字是李华，我住在纽约", "我的名字是[NAME]，我住在纽约"),
    ("zh", "我姓王", "我姓[NAME]"),
    ("zh", "我姓欧阳，叫娜娜", "我姓[NAME]"),
    ("zh-Hant", "我的名字是陳大文", "我的名字是[NAME]"),
    ("zh", "我叫 Maria Lopez", "我叫 [NAME]"),
    ("vi", "tên tôi là Nguyễn Văn An", "tên tôi là [NAME]"),
    ("vi", "tôi tên là Trần Thị Mai và tôi cần giúp", "tôi tên là [NAME] và tôi cần giúp"),
    ("vi", "tôi tên Lê Minh", "tôi tên [NAME]"),
    ("ar", "اسمي محمد أحمد علي", "اسمي [NAME]"),
    ("ar", "انا اسمي فاطمة حسن وأريد المساعدة", "انا اسمي [NAME] وأريد المساعدة"),
    ("ht", "non mwen se Jean Baptiste", "non mwen se [NAME]"),
    ("ht", "mwen rele Marie Joseph epi mwen bezwen èd", "mwen rele [NAME] epi mwen bezwen èd"),
    # Street addresses; the ZIP code after them stays.
    ("en", "I live at 123 Main Street Apt 4B", "I live at [ADDRESS]"),
    ("en", "4500 NW 7th Ave, Miami, FL 33150", "[ADDRESS], Miami, FL 33150"),
    ("en", "my address is 1600 Pennsylvania Ave NW", "my address is [ADDRESS]"),
    ("en", "send it to P.O. Box 1234", "send it to [ADDRESS]"),
    ("es", "vivo en 1234 Calle Ocho, apto 5", "vivo en [ADDRESS]"),
    ("es", "vivo en la calle Flagler 1234", "vivo en la [ADDRESS]"),
    ("es", "vivo en el 2500 de la Avenida Central", "vivo en el [ADDRESS]"),
    ("zh", "我住在法拉盛缅街41-60号", "我住在[ADDRESS]"),
    ("zh", "我住在 88 Main St, Flushing", "我住在 [ADDRESS], Flushing"),
    ("vi", "tôi ở 123 đường Lê Lợi", "tôi ở [ADDRESS]"),
    ("ar", "أسكن في 123 شارع الملك فهد", "أسكن في [ADDRESS]"),
    ("ht", "mwen rete nan 12 Ri Lamè", "mwen rete nan [ADDRESS]"),
    # Dates of birth: the usual formats on their own, and any date after a birth word.
    ("en", "DOB 03/15/1985", "DOB [DOB]"),
    ("en", "born 1985-03-15", "born [DOB]"),
    ("en", "I was born on March 15, 1985", "I was born on [DOB]"),
    ("en", "my son was born in 2020", "my son was born in [DOB]"),
    ("en", "date of birth: 3/15/85", "date of birth: [DOB]"),
    ("es", "15 de marzo de 1985", "[DOB]"),
    ("es", "nací el 15 de marzo", "nací el [DOB]"),
    ("es", "fecha de nacimiento: 15/3/1985", "fecha de nacimiento: [DOB]"),
    ("zh", "1985年3月15日", "[DOB]"),
    ("zh", "我1985年3月15日出生", "我[DOB]出生"),
    ("zh", "我是1985年出生的", "我是[DOB]出生的"),
    ("zh", "我的生日是3月15日", "我的生日是[DOB]"),
    ("zh-Hant", "出生日期：一九八五年三月十五日", "出生日期：[DOB]"),
    ("vi", "ngày 15 tháng 3 năm 1985", "[DOB]"),
    ("vi", "tôi sinh ngày 15/3/1985", "tôi sinh ngày [DOB]"),
    ("vi", "tôi sinh năm 1985", "tôi sinh năm [DOB]"),
    ("ar", "تاريخ الميلاد 15/03/1985", "تاريخ الميلاد [DOB]"),
    ("ar", "ولدت في 15 مارس 1985", "ولدت في [DOB]"),
    ("ar", "مواليد ١٩٨٥", "مواليد [DOB]"),
    ("ht", "mwen fèt 15 mas 1985", "mwen fèt [DOB]"),
    ("ht", "mwen fèt nan Ayiti nan 1990", "mwen fèt nan Ayiti nan [DOB]"),
    ("ht", "dat nesans mwen se 15.03.1985", "dat nesans mwen se [DOB]"),
    # Passport numbers, after a passport word.
    ("en", "passport X12345678", "passport [PASSPORT]"),
    ("en", "my passport number is 123456789", "my passport number is [PASSPORT]"),
    ("es", "pasaporte G1234567", "pasaporte [PASSPORT]"),
    ("es", "mi número de pasaporte es G12345678", "mi número de pasaporte es [PASSPORT]"),
    ("zh", "护照号码E12345678", "护照号码[PASSPORT]"),
    ("zh-Hant", "護照號碼：E12345678", "護照號碼：[PASSPORT]"),
    ("vi", "số hộ chiếu: B1234567", "số hộ chiếu: [PASSPORT]"),
    ("ar", "جواز السفر رقم A1234567", "جواز السفر رقم [PASSPORT]"),
    ("ht", "paspò mwen se RD1234567", "paspò mwen se [PASSPORT]"),
    # SSNs with any separator.
    ("en", "ssn 123.45.6789", "ssn [SSN]"),
    ("en", "my social is 123 45 6789", "my social is [SSN]"),
    ("es", "mi seguro social es 123–45–6789", "mi seguro social es [SSN]"),
    ("zh", "社安号 123—45—6789", "社安号 [SSN]"),
    ("vi", "số an sinh xã hội 123 - 45 - 6789", "số an sinh xã hội [SSN]"),
    ("ar", "رقم الضمان الاجتماعي 123.45.6789", "رقم الضمان الاجتماعي [SSN]"),
    ("ht", "nimewo sosyal mwen se 123 45 6789", "nimewo sosyal mwen se [SSN]"),
    # Emails spelled out.
    ("en", "email me at maria at gmail dot com", "email me at [EMAIL]"),
    ("en", "maria.lopez (at) yahoo (dot) com", "[EMAIL]"),
    ("en", "write to maria at gmail.com", "write to [EMAIL]"),
    ("es", "mi correo es maria arroba gmail punto com", "mi correo es [EMAIL]"),
    ("es", "maria.lopez arroba yahoo punto com punto mx", "[EMAIL]"),
    ("zh", "我的邮箱是maria艾特qq点com", "我的邮箱是[EMAIL]"),
    ("vi", "email của tôi là maria a còng gmail chấm com", "email của tôi là [EMAIL]"),
    ("ar", "بريدي maria at gmail dot com", "بريدي [EMAIL]"),
    ("ht", "imel mwen se maria arobas gmail pwen com", "imel mwen se [EMAIL]"),
    # Seven-digit phone numbers: with a separator, or after a word for calling.
    ("en", "call me at 555-0142", "call me at [PHONE]"),
    ("en", "my number is 555.0142", "my number is [PHONE]"),
    ("es", "llámame al 5550142", "llámame al [PHONE]"),
    ("zh", "电话5550142", "电话[PHONE]"),
    ("zh-Hant", "我的電話是 555 0142", "我的電話是 [PHONE]"),
    ("vi", "gọi cho tôi 5550142", "gọi cho tôi [PHONE]"),
    ("ar", "اتصل بي على 5550142", "اتصل بي على [PHONE]"),
    ("ht", "rele m nan 5550142", "rele m nan [PHONE]"),
    ("ht", "rele m 3456 7890", "rele m [PHONE]"),  # Haiti's eight digits
    ("en", "phone 617–555–0199", "phone [PHONE]"),
    # Card security codes and expiry dates.
    ("en", "cvv 123, exp 04/27", "cvv [CVV], exp [CARD-EXPIRY]"),
    ("en", "security code: 1234, expires 04/2027.", "security code: [CVV], expires [CARD-EXPIRY]."),
    ("es", "código de seguridad 123 y vence 04/27", "código de seguridad [CVV] y vence [CARD-EXPIRY]"),
    ("zh", "安全码123，有效期04/27", "安全码[CVV]，有效期[CARD-EXPIRY]"),
    ("vi", "mã bảo mật 123, hết hạn 04/27", "mã bảo mật [CVV], hết hạn [CARD-EXPIRY]"),
    ("ar", "رمز الأمان 123 تنتهي 04/27", "رمز الأمان [CVV] تنتهي [CARD-EXPIRY]"),
    ("ht", "kòd sekirite 123, ekspire 04/27", "kòd sekirite [CVV], ekspire [CARD-EXPIRY]"),
]


@pytest.mark.parametrize("language, text, expected", PLANTED_PII)
def test_personal_details_are_redacted_in_every_language(language, text, expected):
    assert redact(text) == expected


# Ordinary immigration text: what the assistant needs (ZIP codes) and what is not personal.
LEFT_ALONE = [
    ("en", "my zip is 33150"),
    ("en", "zip 33150-1234"),
    ("en", "call me, my zip is 33150"),
    ("es", "Soy de Guatemala y vivo en Houston, mi zip es 77036"),
    ("zh", "我想申请绿卡，我住在纽约，邮编10001"),
    ("vi", "Tôi muốn gia hạn thẻ xanh, mã zip của tôi là 95111"),
    ("ar", "أريد تجديد البطاقة الخضراء، الرمز البريدي 48126"),
    ("ht", "Mwen bezwen èd pou TPS, zip mwen se 33150"),
    ("en", "Form N-400, I-765, EOIR-33 and G-325R"),
    ("en", "The fee went from $410 to $710 in 2024"),
    ("en", "I have been a resident since 2019, pending for 150 days"),
    ("en", "DACA renewal 120-150 days before expiration"),
    ("en", "the fee is between 100-2000 dollars"),
    ("en", "my hearing is on 03/15/2099"),  # a future date is no date of birth
    ("en", "How do I renew my green card? It expires in 2027"),
    ("en", "I have 3 hearings in immigration court"),
    ("en", "my hearing is in 2 weeks at the court"),
    ("en", "I have 2 appointments with Dr Smith"),
    ("en", "this is urgent"),
    ("en", "I'm Haitian and I need TPS help"),
    ("en", "we met at church. Thanks"),
    ("en", "Rasa version 3.6.21"),
    ("es", "soy de México"),
    ("es", "Soy Mexicana y tengo DACA"),
    ("es", "Necesito ayuda, tengo cita en la corte el 15 de mayo"),
    ("es", "número de caso 1234567"),
    ("zh", "我的案子在移民法庭，2024年开庭"),
    ("vi", "Tôi là học sinh năm 2019"),
    ("ht", "Mwen rele biwo imigrasyon an yè"),
    ("en", "phone interview on 03/15"),
    ("en", "apply online at my.uscis.gov"),  # a website, not a spelled-out email
    ("en", "my name is wrong on my card"),
    ("es", "mi nombre es muy largo"),
    ("zh", "我的准确姓名加出生国家"),
    ("zh", "我叫什么不重要"),
    ("vi", "tên tôi bị viết sai trên thẻ xanh"),
    ("vi", "gọi đường dây nóng để hỏi"),
    ("ar", "الكارت اللي وصلني اسمي مكتوب فيه غلط"),  # "my name is written wrong on the card"
    ("ar", "الجرين كارد لسا عليه اسمي القديم"),
    ("ht", "kijan pou m rele uscis"),  # "how do I call USCIS"
    ("ht", "m rele uscis yo pa janm reponn"),
    ("ht", "gen yon erè nan non m sou pèmi travay la"),
]


@pytest.mark.parametrize("language, text", LEFT_ALONE)
def test_zip_codes_forms_fees_years_and_ordinary_text_are_left_alone(language, text):
    assert redact(text) == text


@pytest.mark.parametrize("language, text, expected", PLANTED_PII)
def test_redacting_twice_changes_nothing_more(language, text, expected):
    assert redact(redact(text)) == redact(text)


@pytest.mark.parametrize(
    "text, contact",
    [
        ("rele m nan 617-555-0142", "617-555-0142"),
        ("write or call +509 3456 7890", "+509 3456 7890"),
        ("escríbeme a ana.lopez@example.com o llámame", "ana.lopez@example.com"),
        ("maria arroba gmail punto com", "maria arroba gmail punto com"),  # as written
        ("my email is maria at gmail dot com, thanks", "maria at gmail dot com"),
        ("llámame al 5550142", "5550142"),
        ("call me at 555-0142", "555-0142"),
        ("电话 555 0142", "555 0142"),
        ("my passport is G12345678, call 617-555-0100", "617-555-0100"),  # the passport is not a phone
        ("born 1985-03-15, ssn 123.45.6789", None),
        ("my zip is 33150", None),
    ],
)
def test_find_contact_finds_the_phone_or_email_a_person_gives(text, contact):
    assert find_contact(text) == contact


def test_pseudonyms_are_stable_keyed_and_need_a_secret(environment):
    environment(BOT_SECRET_KEY="first-secret-long-enough")
    first = pseudonym("sms", "+16175550123")
    assert first == pseudonym("sms", "+16175550123") and first.startswith("sms-")
    assert "6175550123" not in first and first != pseudonym("telegram", "+16175550123")
    environment(BOT_SECRET_KEY="another-secret-long-enough")
    assert pseudonym("sms", "+16175550123") != first  # without the key, no way back or across
    environment(BOT_SECRET_KEY="short")
    with pytest.raises(MissingSecret):
        pseudonym("sms", "+16175550123")


def test_log_records_are_redacted():
    record = logging.LogRecord("rasa", logging.DEBUG, __file__, 1, "user said %s", ("my ssn is 123-45-6789",), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "user said my ssn is [SSN]"


def test_log_records_in_json_with_escaped_characters_are_redacted_too():
    """Rasa's debug log writes each message as JSON with \\u escapes (ensure_ascii)."""
    escaped = json.dumps({"text": "我叫王小明，护照号码E12345678 🙏"})
    record = logging.LogRecord("rasa", logging.DEBUG, __file__, 1, escaped, (), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == '{"text": "我叫[NAME]，护照号码[PASSPORT] 🙏"}'


@pytest.fixture
def store(tmp_path):
    return RedactingSQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(tmp_path / "t.db"))


def save(store: RedactingSQLTrackerStore, sender: str, *events, at: float | None = None) -> None:
    tracker = DialogueStateTracker.from_events(sender, list(events))
    if at:
        for event in tracker.events:
            event.timestamp = at
    asyncio.run(store.save(tracker))


def test_the_store_redacts_user_text_slots_and_bot_text_but_keeps_official_numbers(store):
    save(
        store,
        "p1",
        UserUttered(
            "my email is ana@example.com",
            parse_data={"text": "my email is ana@example.com"},
            message_id="SM56ddfdb3778f4ed123456789e472cd18",
        ),
        SlotSet("zip", "call 617-555-0100"),
        BotUttered("USCIS: 800-375-5283"),
        BotUttered("Le llamaremos al 617-555-0177 o a ana@example.com."),  # a person's details, repeated
    )
    with store.session_scope() as session:
        data = " ".join(row.data for row in session.query(store.SQLEvent))
    assert "ana@example.com" not in data and "[EMAIL]" in data
    assert "617-555-0100" not in data and "617-555-0177" not in data
    assert "800-375-5283" in data  # official numbers the bot sent (knowledge/) stay readable
    assert "SM56ddfdb3778f4ed123456789e472cd18" in data  # Twilio's id of the webhook, whole: the turn stays traceable


def test_the_store_drops_names_dates_of_birth_passports_and_short_phones_but_keeps_the_zip(store):
    said = "me llamo Maria Lopez, nací el 15/03/1985, pasaporte G1234567, llámame al 5550142, zip 33150"
    save(
        store,
        "p2",
        UserUttered(said, parse_data={"text": said}),
        SlotSet("zip", "33150"),
        BotUttered("USCIS: 800-375-5283"),
    )
    with store.session_scope() as session:
        data = " ".join(row.data for row in session.query(store.SQLEvent))
    for secret in ["Maria", "Lopez", "15/03/1985", "G1234567", "5550142"]:
        assert secret not in data, secret
    assert all(placeholder in data for placeholder in ["[NAME]", "[DOB]", "[PASSPORT]", "[PHONE]"])
    assert '"value": "33150"' in data and "zip 33150" in data  # the assistant needs the ZIP code
    assert "800-375-5283" in data  # official numbers the bot sent stay readable


def test_delete_and_purge(store):
    old = time.time() - 100 * 86400
    save(store, "old", UserUttered("hola"), at=old)
    save(store, "recent", UserUttered("hola"))
    save(store, "gone", UserUttered("hola"))
    assert store.delete("gone") > 0
    assert store.purge(older_than_days=90) == ["old"]
    with store.session_scope() as session:
        assert {row.sender_id for row in session.query(store.SQLEvent)} == {"recent"}


def test_retention_also_forgets_the_contact_requests_of_the_conversations_it_removes(tmp_path):
    import sqlalchemy as sa

    from bot.database import engine_for
    from bot.handoffs import handoffs

    database = tmp_path / "x.db"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: bot.privacy.store.RedactingSQLTrackerStore\n  dialect: sqlite\n  db: {database}\n"
    )
    store = RedactingSQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(database))
    save(store, "idle", UserUttered("hola"), at=time.time() - 100 * 86400)
    save(store, "active", UserUttered("hola"))
    engine = engine_for(endpoints)
    with engine.begin() as db:  # both requests are recent: only the idle conversation's must go
        for sender in ("idle", "active"):
            db.execute(
                handoffs.insert().values(
                    sender_id=sender, language="es", channel="sms", contact="sealed", status="open", created_at=time.time()
                )
            )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge", "--days", "90", "--endpoints", str(endpoints)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "deleted 1 conversation(s) idle for more than 90 days" in result.stdout
    assert "deleted 1 contact request(s)" in result.stdout
    with engine.connect() as db:
        assert [row.sender_id for row in db.execute(sa.select(handoffs))] == ["active"]


def test_turn_after_turn_each_event_is_stored_once(store):
    async def turns() -> None:
        tracker = DialogueStateTracker.from_events("p3", [UserUttered("hola"), BotUttered("¡Hola!")])
        await store.save(tracker)
        for turn in range(3):  # as Rasa does each turn: read, add, save (sometimes twice)
            tracker = await store.retrieve("p3")
            tracker.update(UserUttered(f"pregunta {turn}"))
            await store.save(tracker)
            tracker.update(BotUttered(f"respuesta {turn}"))
            await store.save(tracker)

    asyncio.run(turns())
    with store.session_scope() as session:
        texts = [json.loads(row.data).get("text") for row in session.query(store.SQLEvent)]
    assert texts == ["hola", "¡Hola!"] + [t for n in range(3) for t in (f"pregunta {n}", f"respuesta {n}")]
