"""The demo outlets: who they are and how each one shapes its URLs, feeds and pages.

Each outlet differs on purpose (feed format, encoding, URL shape, metadata) so that the crawl
pipeline meets in the demo the variety it meets in the wild.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ANT corpus categories → our sections (keys of nashra.sections.SECTIONS).
ANT_SECTIONS: dict[str, str] = {
    "internationalNews": "international",
    "middleEast": "international",
    "sport": "sports",
    "economy": "economics",
    "technology": "technology",
    "culture": "culture",
}


@dataclass(frozen=True)
class Outlet:
    """One demo outlet: identity, feed format, encoding and page skin."""

    slug: str
    name_ar: str
    name_fr: str
    name_en: str
    lang: str
    feed_format: str  # "rss" | "atom" | "json"
    feed_split: str  # "section" (one feed per section, paginated) | "day" | "single"
    encoding: str = "utf-8"
    page_size: int = 100
    # Our category keys (ANT category or a French topic key) → (URL path segment, visible label).
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)
    default_section: str = "international"
    id_pattern: str | None = None
    date_style: str = "gulf"  # how the visible date reads (see dates.visible_date)
    og: bool = False
    json_ld: bool = False
    image_prefix: str = "/images"
    colour: tuple[int, int, int] = (40, 40, 40)
    initials: str = ""
    skin: str = "plain"  # the HTML skin (see pages.SKINS)

    def name(self, lang: str = "ar") -> str:
        """The outlet's name in ``lang``."""
        return {"ar": self.name_ar, "fr": self.name_fr, "en": self.name_en}.get(
            lang
        ) or self.name_ar

    def section_of(self, category_key: str) -> str:
        """Our section for one of this outlet's categories."""
        return ANT_SECTIONS.get(category_key, FR_SECTIONS.get(category_key, self.default_section))

    def categories_mapping(self) -> dict[str, str]:
        """The registry's mapping: the outlet's segments and labels → our sections."""
        out: dict[str, str] = {}
        for key, (segment, label) in self.categories.items():
            out[segment] = self.section_of(key)
            out[label] = self.section_of(key)
        return out


FR_SECTIONS: dict[str, str] = {
    "politique": "politics",
    "international": "international",
    "green": "society",
    "culture": "culture",
}

ANT_SOURCE_OUTLET: dict[str, str] = {
    "skynews": "skynewsarabia",
    "alarabia": "alarabiya",
    "CNN": "cnnarabic",
    "BBC": "bbcarabic",
    "france24": "france24ar",
}

OUTLETS: dict[str, Outlet] = {
    o.slug: o
    for o in [
        Outlet(
            slug="skynewsarabia",
            name_ar="سكاي نيوز عربية",
            name_fr="Sky News Arabia",
            name_en="Sky News Arabia",
            lang="ar",
            feed_format="rss",
            feed_split="section",
            page_size=100,
            categories={
                "internationalNews": ("world", "العالم"),
                "middleEast": ("middle-east", "الشرق الأوسط"),
                "sport": ("sport", "رياضة"),
                "economy": ("business", "اقتصاد"),
                "technology": ("technology", "تكنولوجيا"),
                "culture": ("varieties", "منوعات"),
            },
            id_pattern=r"/(\d+)-[^/]*$",
            date_style="gulf",
            og=True,
            json_ld=True,
            image_prefix="/images/v1",
            colour=(0, 84, 166),
            initials="SN",
            skin="skynews",
        ),
        Outlet(
            slug="alarabiya",
            name_ar="العربية",
            name_fr="Al Arabiya",
            name_en="Al Arabiya",
            lang="ar",
            feed_format="rss",
            feed_split="section",
            page_size=50,
            categories={
                "internationalNews": ("arab-and-world", "العرب والعالم"),
                "middleEast": ("arab-and-world", "العرب والعالم"),
                "sport": ("sport", "رياضة"),
                "economy": ("aswaq", "أسواق"),
                "technology": ("technology", "تكنولوجيا"),
                "culture": ("culture-and-art", "ثقافة وفن"),
            },
            date_style="alarabiya",
            image_prefix="/ar/imgs",
            colour=(200, 120, 20),
            initials="AA",
            skin="alarabiya",
        ),
        Outlet(
            slug="cnnarabic",
            name_ar="سي إن إن بالعربية",
            name_fr="CNN Arabic",
            name_en="CNN Arabic",
            lang="ar",
            feed_format="rss",
            feed_split="day",
            encoding="windows-1256",
            categories={
                "internationalNews": ("world", "العالم"),
                "middleEast": ("middle-east", "الشرق الأوسط"),
                "sport": ("sport", "رياضة"),
                "economy": ("business", "اقتصاد"),
                "technology": ("tech", "علوم وتكنولوجيا"),
                "culture": ("entertainment", "ترفيه"),
            },
            date_style="cnn",
            og=True,
            image_prefix="/content/images",
            colour=(204, 0, 0),
            initials="CNN",
            skin="cnn",
        ),
        Outlet(
            slug="bbcarabic",
            name_ar="بي بي سي عربي",
            name_fr="BBC Arabic",
            name_en="BBC Arabic",
            lang="ar",
            feed_format="atom",
            feed_split="section",
            page_size=100,
            categories={
                "internationalNews": ("world", "العالم"),
                "middleEast": ("middleeast", "الشرق الأوسط"),
                "sport": ("sports", "رياضة"),
                "economy": ("business", "اقتصاد"),
                "technology": ("science-and-tech", "علوم وتكنولوجيا"),
                "culture": ("art-and-culture", "فن وثقافة"),
            },
            id_pattern=r"-(\d+)$",
            date_style="levant",
            og=True,
            json_ld=True,
            image_prefix="/arabic/ws/img",
            colour=(184, 0, 0),
            initials="BBC",
            skin="bbc",
        ),
        Outlet(
            slug="france24ar",
            name_ar="فرانس 24",
            name_fr="France 24 (arabe)",
            name_en="France 24 Arabic",
            lang="ar",
            feed_format="json",
            feed_split="section",
            page_size=100,
            categories={
                "internationalNews": ("monde", "العالم"),
                "middleEast": ("moyen-orient", "الشرق الأوسط"),
                "sport": ("sports", "رياضة"),
                "economy": ("economie", "اقتصاد"),
                "technology": ("technologie", "تكنولوجيا"),
                "culture": ("culture", "ثقافة"),
            },
            date_style="france24",
            og=True,
            image_prefix="/media/display",
            colour=(0, 120, 170),
            initials="F24",
            skin="france24",
        ),
        Outlet(
            slug="hespress",
            name_ar="هسبريس",
            name_fr="Hespress",
            name_en="Hespress",
            lang="ar",
            feed_format="rss",
            feed_split="single",
            categories={"politique": ("politique", "سياسة")},
            default_section="politics",
            id_pattern=r"-(\d+)\.html$",
            date_style="maghreb",
            og=True,
            json_ld=True,
            image_prefix="/wp-content/uploads/2023/12",
            colour=(20, 120, 60),
            initials="H",
            skin="hespress",
        ),
        Outlet(
            slug="lemonde",
            name_ar="لوموند",
            name_fr="Le Monde",
            name_en="Le Monde",
            lang="fr",
            feed_format="rss",
            feed_split="single",
            categories={"politique": ("politique", "Politique")},
            default_section="politics",
            id_pattern=r"_(\d+)_\d+\.html$",
            date_style="fr",
            og=True,
            json_ld=True,
            image_prefix="/img",
            colour=(20, 20, 20),
            initials="M",
            skin="french",
        ),
        Outlet(
            slug="lefigaro",
            name_ar="لوفيغارو",
            name_fr="Le Figaro",
            name_en="Le Figaro",
            lang="fr",
            feed_format="rss",
            feed_split="single",
            categories={"international": ("international", "International")},
            default_section="international",
            date_style="fr",
            og=True,
            image_prefix="/media/cms",
            colour=(22, 60, 110),
            initials="F",
            skin="french",
        ),
        Outlet(
            slug="lesechos",
            name_ar="ليزيكو",
            name_fr="Les Echos",
            name_en="Les Echos",
            lang="fr",
            feed_format="rss",
            feed_split="single",
            categories={"international": ("monde", "Monde")},
            default_section="economics",
            id_pattern=r"-(\d+)$",
            date_style="fr",
            og=True,
            image_prefix="/api/v1/images/view",
            colour=(170, 20, 40),
            initials="LE",
            skin="french",
        ),
        Outlet(
            slug="euronews-fr",
            name_ar="يورونيوز بالفرنسية",
            name_fr="Euronews (français)",
            name_en="Euronews French",
            lang="fr",
            feed_format="rss",
            feed_split="single",
            categories={"green": ("green", "Green"), "culture": ("culture", "Culture")},
            default_section="society",
            date_style="fr",
            og=True,
            json_ld=True,
            image_prefix="/articles/stories",
            colour=(0, 40, 90),
            initials="EN",
            skin="french",
        ),
    ]
}

# fundus publisher name → demo outlet slug
FUNDUS_OUTLET: dict[str, str] = {
    "LeMonde": "lemonde",
    "LeFigaro": "lefigaro",
    "LesEchos": "lesechos",
    "EuronewsFR": "euronews-fr",
}
