"""Personal details planted in one message per language, with each detail written out: a test
sends them through the assistant and then looks for every detail where staff or an attacker could
read it (the database, the logs, the staff console)."""

from __future__ import annotations

PLANTED_BY_LANGUAGE: dict[str, tuple[str, list[str]]] = {
    "en": (
        "My name is Maria Lopez. I live at 123 Main Street Apt 4B, born 03/15/1985, A-number A123456789, "
        "call me at 617-555-0152. How do I renew my green card?",
        ["Maria Lopez", "123 Main Street", "03/15/1985", "A123456789", "617-555-0152", "6175550152"],
    ),
    "es": (
        "Me llamo José Pérez, vivo en 1234 Calle Ocho, apto 5, nací el 15 de marzo de 1985, pasaporte G1234567, "
        "llámame al 617-555-0153. ¿Cómo renuevo mi permiso de trabajo?",
        ["José Pérez", "Calle Ocho", "15 de marzo de 1985", "G1234567", "617-555-0153", "6175550153"],
    ),
    "zh": (
        "我叫王小明，我住在法拉盛缅街41-60号，1985年3月15日出生，护照号码E12345678，电话617-555-0154。怎么换绿卡？",
        ["王小明", "缅街41-60号", "1985年3月15日", "E12345678", "617-555-0154", "6175550154"],
    ),
    "vi": (
        "tên tôi là Nguyễn Văn An, tôi ở 123 đường Lê Lợi, tôi sinh ngày 15/3/1985, số hộ chiếu: B1234567, "
        "gọi cho tôi 617-555-0155. Làm sao gia hạn thẻ xanh?",
        ["Nguyễn Văn An", "đường Lê Lợi", "15/3/1985", "B1234567", "617-555-0155", "6175550155"],
    ),
    "ar": (
        "اسمي محمد أحمد علي، أسكن في 123 شارع الملك فهد، تاريخ الميلاد 15/03/1985، جواز السفر رقم A1234567، "
        "اتصل بي على 617-555-0156. كيف أجدد البطاقة الخضراء؟",
        ["محمد أحمد علي", "شارع الملك فهد", "15/03/1985", "A1234567", "617-555-0156", "6175550156"],
    ),
    "ht": (
        "non mwen se Jean Baptiste, mwen rete nan 12 Ri Lamè, mwen fèt 15 mas 1985, paspò mwen se RD1234567, "
        "rele m nan 617-555-0157. Kijan pou m renouvle kat vèt mwen?",
        ["Jean Baptiste", "Ri Lamè", "15 mas 1985", "RD1234567", "617-555-0157", "6175550157"],
    ),
}
"""language -> (a message with a name, street address, date of birth, document and phone number;
the details that must never be read back)."""

PLANTED_DETAILS = [detail for _, details in PLANTED_BY_LANGUAGE.values() for detail in details]
