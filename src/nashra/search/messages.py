"""The search page's words in each interface language, and the sentences for query notes.

Kept here (not in the portal's Babel catalogs) so the feature ships whole; the message ids are
plain keys, ready to move into ``nashra.web.i18n`` when its catalogs are next regenerated.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "ar": {
        "title": "بحث في الأرشيف",
        "search": "بحث",
        "query": "كلمات البحث",
        "mode_topic": "موضوع",
        "mode_writer": "كاتب",
        "mode_region": "منطقة",
        "source": "الصحيفة",
        "section": "القسم",
        "lang": "اللغة",
        "since": "من",
        "until": "إلى",
        "sort": "الترتيب",
        "sort_relevance": "الأكثر صلة",
        "sort_date": "الأحدث",
        "any": "الكل",
        "count": "{total} نتيجة",
        "exact": "{exact} نتيجة تحتوي كل الكلمات",
        "partial_head": "نتائج تحتوي بعض الكلمات",
        "none": "لا توجد نتائج.",
        "prev": "السابق",
        "next": "التالي",
        "page": "صفحة {page} من {pages}",
        "shortened": "تم اختصار البحث إلى أول 500 حرف.",
        "unbalanced_quote": "علامة تنصيص غير مغلقة: تم البحث عن الكلمات منفردة.",
        "too_many_words": "تم استعمال أول 16 كلمة فقط.",
        "prefix_too_short": "البحث بالبادئة (*) يحتاج حرفين على الأقل.",
        "no_words": "اكتب كلمة واحدة على الأقل للبحث.",
        "help": 'كل الكلمات مطلوبة؛ "عبارة بين علامتي تنصيص" للبحث الحرفي؛ كلمة* للبحث بالبادئة.',
    },
    "fr": {
        "title": "Rechercher dans les archives",
        "search": "Rechercher",
        "query": "Mots recherchés",
        "mode_topic": "Sujet",
        "mode_writer": "Auteur",
        "mode_region": "Région",
        "source": "Journal",
        "section": "Rubrique",
        "lang": "Langue",
        "since": "Du",
        "until": "Au",
        "sort": "Tri",
        "sort_relevance": "Pertinence",
        "sort_date": "Date",
        "any": "Tous",
        "count": "{total} résultat(s)",
        "exact": "{exact} avec tous les mots",
        "partial_head": "Résultats contenant une partie des mots",
        "none": "Aucun résultat.",
        "prev": "Précédent",
        "next": "Suivant",
        "page": "Page {page} sur {pages}",
        "shortened": "La recherche a été réduite à ses 500 premiers caractères.",
        "unbalanced_quote": "Guillemet non fermé : les mots ont été cherchés séparément.",
        "too_many_words": "Seuls les 16 premiers mots ont été utilisés.",
        "prefix_too_short": "Une recherche par préfixe (*) demande au moins deux lettres.",
        "no_words": "Tapez au moins un mot.",
        "help": 'Tous les mots sont requis ; "expression exacte" entre guillemets ; préfixe*.',
    },
    "en": {
        "title": "Search the archive",
        "search": "Search",
        "query": "Search words",
        "mode_topic": "Topic",
        "mode_writer": "Writer",
        "mode_region": "Region",
        "source": "Outlet",
        "section": "Section",
        "lang": "Language",
        "since": "From",
        "until": "To",
        "sort": "Sort",
        "sort_relevance": "Relevance",
        "sort_date": "Newest",
        "any": "All",
        "count": "{total} result(s)",
        "exact": "{exact} with every word",
        "partial_head": "Results with some of the words",
        "none": "No results.",
        "prev": "Previous",
        "next": "Next",
        "page": "Page {page} of {pages}",
        "shortened": "The query was shortened to its first 500 characters.",
        "unbalanced_quote": "Unclosed quote: the words were searched separately.",
        "too_many_words": "Only the first 16 words were used.",
        "prefix_too_short": "A prefix search (*) needs at least two letters.",
        "no_words": "Type at least one word to search.",
        "help": 'Every word is required; "exact phrase" in quotes; prefix* for word beginnings.',
    },
}


def messages(lang: str) -> dict[str, str]:
    return MESSAGES.get(lang, MESSAGES["ar"])


def note_text(code: str, lang: str = "en") -> str:
    """The sentence for a query note code (:mod:`nashra.search.query`)."""
    return messages(lang).get(code, code)
