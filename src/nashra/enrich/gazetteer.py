"""Morocco's 12 regions (2015 division) with their main cities and provinces, as readers spell them.

Each place lists its Arabic and French spellings with the common variants of the press. A
spelling that starts with «?» is *ambiguous*: it is also an ordinary word or a place abroad
(«البيضاء» is "the white one" and a Yemeni province, «بركان» a volcano, «العيون» "the eyes",
«وجدة» may read "and Jeddah", «القنيطرة» is also in Syria, «الرباط» is also the "ribat" of a
mosque) and only counts when the article is otherwise about Morocco (see
``regions.py``). Bare words that are almost never the place («الشرق» "the East», «الجديدة» "the
new one») are left out; their qualified forms («جهة الشرق», «إقليم الجديدة») are listed; so are those of places that are
also family names («بنسليمان»).

Latin spellings only match a capitalised word in the text (so «salé», salted, is not Salé).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Region:
    """One of the 12 regions; ``places`` maps a place's French name to its spellings."""

    slug: str
    name_ar: str
    name_fr: str
    places: dict[str, list[str]] = field(default_factory=dict)

    def name(self, lang: str = "ar") -> str:
        return self.name_ar if lang == "ar" else self.name_fr


REGIONS: tuple[Region, ...] = (
    Region("tanger-tetouan-al-hoceima", "طنجة تطوان الحسيمة", "Tanger-Tétouan-Al Hoceïma", {
        "Tanger-Tétouan-Al Hoceïma": ["جهة طنجة تطوان الحسيمة", "Tanger-Tétouan-Al Hoceïma", "Tanger-Tétouan"],
        "Tanger": ["طنجة", "Tanger", "Tangier", "Tanja"],
        "Tétouan": ["تطوان", "تطاون", "Tétouan", "Tetouan", "Tetuan"],
        "Al Hoceïma": ["الحسيمة", "Al Hoceïma", "Al Hoceima", "Alhucemas", "El Hoceima"],
        "Larache": ["العرائش", "Larache"],
        "Ksar El Kébir": ["القصر الكبير", "Ksar El Kébir", "Ksar El Kebir", "Ksar Kébir"],
        "Chefchaouen": ["شفشاون", "الشاون", "Chefchaouen", "Chaouen"],
        "Ouezzane": ["وزان", "Ouezzane", "Wazzane"],
        "M'diq-Fnideq": ["المضيق", "الفنيدق", "M'diq", "Mdiq", "Fnideq", "Castillejos"],
        "Fahs-Anjra": ["الفحص أنجرة", "فحص أنجرة", "Fahs-Anjra", "Fahs Anjra"],
        "Asilah": ["أصيلة", "أصيلا", "Asilah", "Assilah", "Arzila"],
        "Martil": ["مرتيل", "Martil"],
    }),
    Region("oriental", "الشرق", "L'Oriental", {
        "L'Oriental": ["جهة الشرق", "الجهة الشرقية", "Oriental", "Région de l'Oriental"],
        "Oujda": ["?وجدة", "Oujda", "Oujda-Angad", "وجدة أنكاد"],
        "Nador": ["الناظور", "الناضور", "Nador"],
        "Berkane": ["?بركان", "Berkane", "نهضة بركان", "مدينة بركان", "إقليم بركان"],
        "Taourirt": ["تاوريرت", "Taourirt"],
        "Jerada": ["?جرادة", "Jerada"],
        "Figuig": ["فجيج", "Figuig"],
        "Driouch": ["الدريوش", "Driouch"],
        "Guercif": ["جرسيف", "Guercif"],
        "Saïdia": ["السعيدية", "Saïdia", "Saidia"],
        "Bouarfa": ["بوعرفة", "Bouarfa"],
        "Zaïo": ["زايو", "Zaïo", "Zaio"],
    }),
    Region("fes-meknes", "فاس مكناس", "Fès-Meknès", {
        "Fès-Meknès": ["جهة فاس مكناس", "Fès-Meknès", "Fes-Meknes"],
        "Fès": ["فاس", "Fès", "Fes", "Fez"],
        "Meknès": ["مكناس", "Meknès", "Meknes"],
        "Taza": ["تازة", "Taza"],
        "Ifrane": ["إفران", "افران", "Ifrane"],
        "Sefrou": ["صفرو", "Sefrou"],
        "Boulemane": ["بولمان", "Boulemane"],
        "Moulay Yacoub": ["مولاي يعقوب", "Moulay Yacoub", "Moulay Yaacoub"],
        "El Hajeb": ["إقليم الحاجب", "مدينة الحاجب", "El Hajeb"],
        "Taounate": ["تاونات", "Taounate"],
        "Missour": ["?ميسور", "Missour"],
    }),
    Region("rabat-sale-kenitra", "الرباط سلا القنيطرة", "Rabat-Salé-Kénitra", {
        "Rabat-Salé-Kénitra": ["جهة الرباط سلا القنيطرة", "Rabat-Salé-Kénitra", "Rabat-Salé"],
        "Rabat": ["?الرباط", "مدينة الرباط", "Rabat"],
        "Salé": ["سلا", "Salé", "Sale"],
        "Kénitra": ["?القنيطرة", "Kénitra", "Kenitra"],
        "Témara": ["تمارة", "Témara", "Temara"],
        "Skhirat": ["الصخيرات", "Skhirat", "Skhirate"],
        "Khémisset": ["الخميسات", "Khémisset", "Khemisset"],
        "Sidi Kacem": ["سيدي قاسم", "Sidi Kacem"],
        "Sidi Slimane": ["سيدي سليمان", "Sidi Slimane"],
        "Tiflet": ["تيفلت", "Tiflet"],
    }),
    Region("beni-mellal-khenifra", "بني ملال خنيفرة", "Béni Mellal-Khénifra", {
        "Béni Mellal-Khénifra": ["جهة بني ملال خنيفرة", "Béni Mellal-Khénifra", "Beni Mellal-Khenifra"],
        "Béni Mellal": ["بني ملال", "Béni Mellal", "Beni Mellal", "Beni-Mellal"],
        "Khénifra": ["خنيفرة", "Khénifra", "Khenifra"],
        "Khouribga": ["خريبكة", "Khouribga"],
        "Fquih Ben Salah": ["الفقيه بن صالح", "Fquih Ben Salah", "Fkih Ben Salah"],
        "Azilal": ["أزيلال", "ازيلال", "Azilal"],
        "Kasba Tadla": ["قصبة تادلة", "Kasba Tadla"],
        "Oued Zem": ["وادي زم", "واد زم", "Oued Zem"],
    }),
    Region("casablanca-settat", "الدار البيضاء سطات", "Casablanca-Settat", {
        "Casablanca-Settat": ["جهة الدار البيضاء سطات", "Casablanca-Settat"],
        "Casablanca": [
            "الدار البيضاء", "الدارالبيضاء", "?البيضاء", "كازابلانكا", "كازا",
            "Casablanca", "?Casa", "Dar El Beida", "Dar Beida",
        ],
        "Mohammedia": ["?المحمدية", "Mohammedia"],
        "Settat": ["سطات", "Settat"],
        "El Jadida": ["إقليم الجديدة", "مدينة الجديدة", "عاصمة دكالة", "El Jadida", "Mazagan"],
        "Berrechid": ["برشيد", "Berrechid"],
        "Benslimane": ["إقليم بنسليمان", "مدينة بنسليمان", "Benslimane"],
        "Médiouna": ["مديونة", "Médiouna", "Mediouna"],
        "Nouaceur": ["النواصر", "Nouaceur"],
        "Sidi Bennour": ["سيدي بنور", "Sidi Bennour"],
        "Azemmour": ["أزمور", "Azemmour"],
    }),
    Region("marrakech-safi", "مراكش آسفي", "Marrakech-Safi", {
        "Marrakech-Safi": ["جهة مراكش آسفي", "Marrakech-Safi"],
        "Marrakech": ["مراكش", "Marrakech", "Marrakesh"],
        "Safi": ["آسفي", "أسفي", "اسفي", "Safi"],
        "Essaouira": ["الصويرة", "Essaouira", "Mogador"],
        "El Kelaa des Sraghna": ["قلعة السراغنة", "El Kelaa des Sraghna", "Kelaat Sraghna"],
        "Chichaoua": ["شيشاوة", "Chichaoua"],
        "Al Haouz": ["الحوز", "Al Haouz", "El Haouz"],
        "Rehamna": ["الرحامنة", "Rehamna"],
        "Youssoufia": ["اليوسفية", "Youssoufia"],
        "Benguerir": ["ابن جرير", "بنجرير", "بن جرير", "Benguerir", "Ben Guerir"],
    }),
    Region("draa-tafilalet", "درعة تافيلالت", "Drâa-Tafilalet", {
        "Drâa-Tafilalet": ["جهة درعة تافيلالت", "درعة تافيلالت", "تافيلالت", "Drâa-Tafilalet", "Draa-Tafilalet", "Tafilalet"],
        "Errachidia": ["الرشيدية", "Errachidia", "Er-Rachidia"],
        "Ouarzazate": ["ورزازات", "Ouarzazate"],
        "Zagora": ["زاكورة", "Zagora"],
        "Tinghir": ["تنغير", "Tinghir", "Tineghir"],
        "Midelt": ["ميدلت", "Midelt"],
        "Erfoud": ["أرفود", "Erfoud"],
        "Rissani": ["الريصاني", "Rissani"],
    }),
    Region("souss-massa", "سوس ماسة", "Souss-Massa", {
        "Souss-Massa": ["جهة سوس ماسة", "سوس ماسة", "سوس", "Souss-Massa", "Souss"],
        "Agadir": ["أكادير", "اكادير", "أغادير", "Agadir"],
        "Inezgane": ["إنزكان", "انزكان", "Inezgane"],
        "Aït Melloul": ["أيت ملول", "آيت ملول", "Aït Melloul", "Ait Melloul"],
        "Taroudant": ["تارودانت", "Taroudant"],
        "Tiznit": ["تيزنيت", "Tiznit"],
        "Tata": ["طاطا", "?Tata"],
        "Chtouka Aït Baha": ["اشتوكة آيت باها", "شتوكة آيت باها", "Chtouka Aït Baha", "Chtouka"],
        "Biougra": ["بيوكرى", "Biougra"],
    }),
    Region("guelmim-oued-noun", "كلميم واد نون", "Guelmim-Oued Noun", {
        "Guelmim-Oued Noun": ["جهة كلميم واد نون", "كلميم واد نون", "Guelmim-Oued Noun"],
        "Guelmim": ["كلميم", "Guelmim", "Goulimine"],
        "Tan-Tan": ["طانطان", "Tan-Tan", "Tantan"],
        "Sidi Ifni": ["سيدي إفني", "سيدي افني", "Sidi Ifni"],
        "Assa-Zag": ["أسا الزاك", "آسا الزاك", "Assa-Zag", "Assa"],
    }),
    Region("laayoune-sakia-el-hamra", "العيون الساقية الحمراء", "Laâyoune-Sakia El Hamra", {
        "Laâyoune-Sakia El Hamra": ["جهة العيون الساقية الحمراء", "العيون الساقية الحمراء", "الساقية الحمراء", "Laâyoune-Sakia El Hamra", "Sakia El Hamra"],
        "Laâyoune": ["?العيون", "مدينة العيون", "Laâyoune", "Laayoune", "Layoune"],
        "Boujdour": ["بوجدور", "Boujdour"],
        "Tarfaya": ["طرفاية", "Tarfaya"],
        "Smara": ["السمارة", "Smara", "Es-Semara", "Es-Smara"],
        "El Marsa": ["?المرسى", "El Marsa"],
    }),
    Region("dakhla-oued-ed-dahab", "الداخلة وادي الذهب", "Dakhla-Oued Ed-Dahab", {
        "Dakhla-Oued Ed-Dahab": ["جهة الداخلة وادي الذهب", "الداخلة وادي الذهب", "وادي الذهب", "Dakhla-Oued Ed-Dahab", "Oued Ed-Dahab"],
        "Dakhla": ["?الداخلة", "Dakhla", "Villa Cisneros"],
        "Aousserd": ["أوسرد", "Aousserd"],
        "Guerguerat": ["الكركرات", "Guerguerat", "El Guerguerat"],
        "Bir Gandouz": ["بئر كندوز", "Bir Gandouz"],
    }),
)  # fmt: skip

REGION_BY_SLUG: dict[str, Region] = {r.slug: r for r in REGIONS}

#: Words that place an article in Morocco; ambiguous spellings count only next to one of them
#: (or next to an unambiguous Moroccan place).
MOROCCO_CUES: tuple[str, ...] = (
    "المغرب", "المغربية", "المغربي", "المغاربة", "مغربي", "مغربية", "مغاربة", "المملكة المغربية", "عمالة", "الجهة الشرقية",
    "Maroc", "Marocain", "Marocaine", "Marocains", "Marocaines", "Morocco", "Moroccan",
)  # fmt: skip
