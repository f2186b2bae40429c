"""Generate the encoding fixtures (run once; the bytes are committed beside this script).

    .venv/bin/python tests/data/encoding/make_fixtures.py

The Arabic and French texts are original news-style prose written for these tests (no third-party
text), released with the project. Each fixture is a small but complete HTML page whose bytes carry
one real-world encoding situation; ``expected.json`` records, per file, the Content-Type header to
pass (if any) and the encoding ``decode_html`` must settle on.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent

ARABIC_TITLE = "الحكومة تعلن عن خطة لدعم الفلاحين بعد موسم الجفاف"
ARABIC_PARAGRAPHS = [
    "أعلنت الحكومة، يوم الثلاثاء، عن خطة استعجالية لدعم الفلاحين المتضررين من موجة الجفاف"
    " التي ضربت عدة مناطق من البلاد خلال الموسم الفلاحي الحالي، وذلك بغلاف مالي يناهز"
    " عشرة مليارات درهم.",
    "وقال الناطق الرسمي باسم الحكومة، في ندوة صحفية عقب انعقاد المجلس الحكومي، إن الخطة"
    " تشمل توزيع الأعلاف المدعمة على مربي الماشية، وإعادة جدولة ديون صغار الفلاحين لدى"
    " المؤسسات البنكية، إضافة إلى تمويل مشاريع لتعبئة الموارد المائية في العالم القروي.",
    "وأوضح المسؤول ذاته أن التساقطات المطرية سجلت تراجعا بنسبة تفوق أربعين في المائة"
    " مقارنة بالمعدل السنوي، مما أثر بشكل مباشر على محاصيل الحبوب وعلى مستوى ملء السدود،"
    " مشيرا إلى أن الحكومة تتابع الوضع عن كثب بتنسيق مع السلطات المحلية والغرف الفلاحية.",
    "من جهتهم، رحب ممثلو الجمعيات المهنية بهذه الإجراءات، معتبرين أنها خطوة إيجابية لكنها"
    " تظل غير كافية في غياب رؤية بعيدة المدى لمواجهة التغيرات المناخية، ودعوا إلى تشجيع"
    " الزراعات المقاومة للجفاف وتعميم تقنيات الري بالتنقيط.",
]
FRENCH_TITLE = "Le gouvernement annonce un plan d'aide aux agriculteurs"
FRENCH_PARAGRAPHS = [
    "Le gouvernement a présenté mardi un plan d'urgence destiné aux agriculteurs touchés par"
    " la sécheresse, qui a frappé plusieurs régions du pays au cours de la campagne agricole.",
    "Selon le porte-parole de l'exécutif, le dispositif prévoit la distribution d'aliments"
    " subventionnés pour le bétail, le rééchelonnement des dettes des petits exploitants et le"
    " financement de projets hydrauliques en milieu rural.",
    "Les associations professionnelles ont salué ces mesures « positives mais insuffisantes »"
    " et réclament une stratégie à long terme face au dérèglement climatique : cultures"
    " résistantes, irrigation goutte-à-goutte, économies d’eau… “Il faut agir vite”, dit-on.",
]

# Enough markup around the prose that the non-ASCII text is a minority of the bytes, as on a
# real news page.
_HEAD_EXTRA = (
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    '<link rel="stylesheet" href="/static/css/site.min.css?v=20240101">\n'
    '<script src="/static/js/app.min.js" defer></script>\n'
)


def page(lang: str, title: str, paragraphs: list[str], meta: str = "") -> str:
    direction = "rtl" if lang == "ar" else "ltr"
    body = "\n".join(f'<p class="article-p">{p}</p>' for p in paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}">\n<head>\n{meta}'
        f"{_HEAD_EXTRA}<title>{title}</title>\n</head>\n<body>\n"
        '<nav class="menu"><a href="/">/</a> <a href="/politics">politics</a></nav>\n'
        f'<article>\n<h1 class="title">{title}</h1>\n{body}\n</article>\n'
        '<footer><a href="/about">about</a></footer>\n</body>\n</html>\n'
    )


def arabic(meta: str = "") -> str:
    return page("ar", ARABIC_TITLE, ARABIC_PARAGRAPHS, meta)


def french(meta: str = "") -> str:
    return page("fr", FRENCH_TITLE, FRENCH_PARAGRAPHS, meta)


# name -> (bytes, content-type header or None, expected encoding, expected text)
def fixtures() -> dict[str, tuple[bytes, str | None, str, str]]:
    meta_1256 = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">\n'
    meta_charset_1256 = '<meta charset="windows-1256">\n'
    meta_8859_6 = '<meta http-equiv="content-type" content="text/html; charset=ISO-8859-6">\n'
    meta_1252 = '<meta charset="iso-8859-1">\n'
    out: dict[str, tuple[bytes, str | None, str, str]] = {}

    text = arabic(meta_1256)
    out["ar-windows-1256-meta.html"] = (text.encode("cp1256"), None, "windows-1256", text)

    text = arabic()
    out["ar-windows-1256-undeclared.html"] = (text.encode("cp1256"), None, "windows-1256", text)

    # The server's default header claims UTF-8; the bytes are windows-1256 with no meta.
    text = arabic()
    out["ar-windows-1256-header-utf8.html"] = (
        text.encode("cp1256"),
        "text/html; charset=UTF-8",
        "windows-1256",
        text,
    )

    # The header claims Latin-1 (Apache's old default); bytes are windows-1256.
    text = arabic()
    out["ar-windows-1256-header-latin1.html"] = (
        text.encode("cp1256"),
        "text/html; charset=iso-8859-1",
        "windows-1256",
        text,
    )

    # A wrong server header but a right meta: the meta wins.
    text = arabic(meta_charset_1256)
    out["ar-windows-1256-header-utf8-meta.html"] = (
        text.encode("cp1256"),
        "text/html; charset=utf-8",
        "windows-1256",
        text,
    )

    text = arabic(meta_8859_6)
    out["ar-iso-8859-6-meta.html"] = (text.encode("iso8859_6"), None, "iso-8859-6", text)

    text = arabic()
    out["ar-iso-8859-6-undeclared.html"] = (text.encode("iso8859_6"), None, "iso-8859-6", text)

    text = arabic('<meta charset="utf-8">\n')
    out["ar-utf8-bom.html"] = (b"\xef\xbb\xbf" + text.encode("utf-8"), None, "utf-8", text)

    # A BOM beats a contradicting header.
    out["ar-utf8-bom-header-1256.html"] = (
        b"\xef\xbb\xbf" + text.encode("utf-8"),
        "text/html; charset=windows-1256",
        "utf-8",
        text,
    )

    # Bytes are UTF-8, the page (a template copied from an old site) says windows-1256.
    text = arabic(meta_charset_1256)
    out["ar-utf8-meta-1256.html"] = (text.encode("utf-8"), None, "utf-8", text)

    # UTF-8 with one stray windows-1252 byte pasted into a paragraph: still UTF-8.
    text = arabic('<meta charset="utf-8">\n')
    raw = text.encode("utf-8").replace("درهم.".encode(), "درهم.".encode() + b" \xe9 ", 1)
    out["ar-utf8-one-stray-byte.html"] = (
        raw,
        "text/html; charset=utf-8",
        "utf-8",
        text.replace("درهم.", "درهم. \ufffd ", 1),
    )

    text = french(meta_1252)
    out["fr-windows-1252.html"] = (text.encode("cp1252"), None, "windows-1252", text)

    text = french()
    out["fr-windows-1252-header-latin1.html"] = (
        text.encode("cp1252"),
        "text/html; charset=ISO-8859-1",
        "windows-1252",
        text,
    )

    text = arabic('<meta charset="utf-8">\n').replace("<body>", "<body>\n" + "x" * 20, 1)
    out["ar-utf16le-bom.html"] = (b"\xff\xfe" + text.encode("utf-16-le"), None, "utf-16le", text)
    return out


def main() -> None:
    expected = {}
    for name, (raw, header, encoding, text) in sorted(fixtures().items()):
        (HERE / name).write_bytes(raw)
        (HERE / (name + ".txt")).write_text(text, encoding="utf-8", newline="")
        expected[name] = {"content_type": header, "encoding": encoding}
    (HERE / "expected.json").write_text(
        json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
