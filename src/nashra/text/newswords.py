"""Words of news headlines that name no topic: reporting verbs, time words, generic news nouns
and the words that announce a format — the stop list of trending (``nashra.trending.detect``).

Function words (prepositions, pronouns, particles) are in ``nashra.text.stopwords``, shared with
search; the words here are different: search must find them when a reader types them («بيان»,
«annonce»), but they are the commonest words of any news day, so a busy afternoon makes them
"rise" without being about anything. Trending ignores both lists.

How the lists were made, by hand, from the headlines of the demo archive (the ANT corpus) and of
the Moroccan outlets of the registry:

* reporting and speech verbs — «قال» «أكد» «أعلن» «كشف» «دعا» and the rest of what a headline
  uses to report somebody's words or acts without saying what about. The analyser does not fold
  verb inflections into one token (أكد, أكدت, يؤكد are three), so each verb is written with the
  forms headlines use: past he / she / they, present he / she / they (and the future «سي…» where
  it is common). Clitics («وأكد», «فيما قال») are folded by the analyser;
* time words: days, months in every naming used by the outlets (Moroccan «يوليوز» «غشت», Middle
  Eastern «يوليو» «أغسطس», Algerian/Tunisian «جويلية» «أوت», Syriac «تموز» «آب»), day parts,
  today / yesterday / tomorrow;
* generic news nouns: statement, communiqué, details, sources, official… and the words that only
  say how (video, breaking, live) rather than what; adverbs and quantifiers (first, more, some)
  and the prepositions that carry a pronoun («لها», «عليه»), which search keeps as words;
* French and English: the same kinds (French stems fold «annonce», «annoncent», «annoncé»;
  the forms are listed all the same, so the list reads as it is used).

A word that is both a filler and a topic in some headlines is left out (e.g. «حادث», «وزير»,
«رمضان», «نقل»; «طالب» is a verb and a student, so only its other forms are listed; «حاليا» would
take «الحالة» with it, «عليها» the name «علي»): a missed filler costs a strip entry, a missing topic costs the reader the
news. The ANT headlines (4,922, March 2018) were read for the commonest analysed terms left: the
first forty are places, people and events.
"""

from __future__ import annotations

from functools import cache

from nashra.text.analyse import analyse

__all__ = ["FORMAT_WORDS", "NEWS_WORDS", "format_tokens", "news_tokens"]

# Words that announce a format («شاهد..», «عاجل», «فيديو»): also skipped by related articles
# (``nashra.web.related``); trending skips the longer list below too.
FORMAT_WORDS = "شاهد عاجل فيديو بالفيديو بالصور صور عاجلا vidéo video photos direct urgent"
_MORE_FORMAT_WORDS = "مباشر شاهدوا حصري إنفوغرافيك photo live breaking exclusif exclusive watch"

# One verb a line: past he / she / they, present he / she / they (and futures in common use).
_AR_VERBS = """
قال قالت قالوا يقول تقول يقولون
أكد أكدت أكدوا يؤكد تؤكد يؤكدون
أعلن أعلنت أعلنوا يعلن تعلن يعلنون سيعلن
كشف كشفت كشفوا يكشف تكشف يكشفون
دعا دعت دعوا يدعو تدعو يدعون
أفاد أفادت أفادوا يفيد تفيد
أوضح أوضحت أوضحوا يوضح توضح
أشار أشارت أشاروا يشير تشير
أضاف أضافت أضافوا يضيف تضيف
اعتبر اعتبرت اعتبروا يعتبر تعتبر يعتبرون
صرح صرحت صرحوا يصرح تصرح
نفى نفت نفوا ينفي تنفي ينفون
حذر حذرت حذروا يحذر تحذر يحذرون
شدد شددت شددوا يشدد تشدد
أعرب أعربت أعربوا يعرب تعرب
أبرز أبرزت يبرز تبرز
ذكر ذكرت ذكروا يذكر تذكر
أورد أوردت يورد تورد
طالبت طالبوا يطالب تطالب يطالبون
اعترف اعترفت يعترف تعترف
رد ردت ردوا يرد ترد
علق علقت يعلق تعلق
تحدث تحدثت يتحدث تتحدث
تم يتم سيتم تمت
"""
_AR_TIME = """
الأحد الاثنين الإثنين الثلاثاء الأربعاء الخميس الجمعة السبت
يناير فبراير مارس أبريل إبريل ماي مايو يونيو يونيه يوليوز يوليو يوليه غشت أغسطس شتنبر سبتمبر
أكتوبر نونبر نوفمبر دجنبر ديسمبر جانفي فيفري أفريل جوان جويلية أوت
كانون شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين
يوم اليوم أمس غدا الآن صباح صباحا مساء ليلة عام سنة الليلة ساعة ساعات دقائق أسبوع شهر
أيام أشهر سنوات لحظة لحظات
"""
_AR_GENERIC = """
خبر أخبار تقرير تفاصيل حقيقة بيان بلاغ تصريح تصريحات مصدر مصادر مسؤول رسمي رسميا رسمية جديد جديدة
أول آخر أكثر أقل أكبر أفضل كبير كبيرة بعض هناك هنا هكذا أمام حول بشأن بسبب وفق حسب رغم ضمن إثر
عقب أجل لأول مرة مرات تعرف
له لها لهم فيه فيها منه منها عليه
"""
_FR = """
annonce annoncent annoncé annoncée affirme affirment affirmé déclare déclarent déclaré dit disent
indique indiquent indiqué révèle révèlent révélé appelle appellent appelé assure assurent assuré
estime estiment estimé souligne soulignent souligné précise précisent précisé dément démentent
démenti confirme confirment confirmé explique expliquent expliqué alerte alertent
lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril mai juin juillet
août septembre octobre novembre décembre aujourd'hui hier demain jour semaine mois année heure
communiqué déclaration détails officiel officielle officiellement nouveau nouvelle nouvelles voici
après avant selon contre entre plus moins sans sous
"""
_EN = """
says said say announces announced reveals revealed calls called warns warned confirms confirmed
monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
new after over into about that this
"""

NEWS_WORDS: dict[str, str] = {
    "format": FORMAT_WORDS + " " + _MORE_FORMAT_WORDS,
    "ar_verbs": _AR_VERBS,
    "ar_time": _AR_TIME,
    "ar_generic": _AR_GENERIC,
    "fr": _FR,
    "en": _EN,
}


@cache
def news_tokens(lang: str) -> frozenset[str]:
    """The analysed tokens of every list, analysed as ``lang`` text (the tokens a ``lang``
    headline's words become)."""
    return frozenset(tok for words in NEWS_WORDS.values() for tok in analyse(words, lang))


@cache
def format_tokens(lang: str) -> frozenset[str]:
    """The analysed forms of :data:`FORMAT_WORDS` in ``lang`` (headline words that say how the
    news is told, not what it is about)."""
    return frozenset(analyse(FORMAT_WORDS, lang))
