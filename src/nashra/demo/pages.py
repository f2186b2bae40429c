"""HTML pages of the demo outlets: article pages wrapped in each outlet's own boilerplate.

The boilerplate (header, menu, ticker, breadcrumbs, share buttons, related links, comments,
newsletter, footer) is what the page extractor must learn to ignore; the skins differ per outlet
so that no single selector finds every body.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from html import escape

from nashra.demo.corpus import DemoArticle
from nashra.demo.dates import visible_date
from nashra.demo.outlets import Outlet

# Per skin: CSS hooks and small structural choices.
SKINS: dict[str, dict[str, str]] = {
    "skynews": {"article": "article-page", "body": "article-body", "byline_first": "1"},
    "alarabiya": {"article": "article-main", "body": "body-text", "byline_first": ""},
    "cnn": {"article": "page-content", "body": "body-text", "byline_first": "1"},
    "bbc": {"article": "story-body", "body": "story-body__inner", "byline_first": ""},
    "france24": {
        "article": "t-content t-content--article",
        "body": "t-content__body",
        "byline_first": "1",
    },
    "hespress": {"article": "article-content", "body": "entry-content", "byline_first": "1"},
    "french": {
        "article": "article article--content",
        "body": "article__content",
        "byline_first": "",
    },
}

_UI = {
    "ar": {
        "home": "الرئيسية",
        "latest": "آخر الأخبار",
        "share": "شارك",
        "related": "اقرأ أيضا",
        "comments": "تعليقات القراء",
        "add_comment": "أضف تعليقك",
        "newsletter": "اشترك في النشرة البريدية لتصلك أهم الأخبار يوميا",
        "subscribe": "اشترك",
        "rights": "جميع الحقوق محفوظة",
        "about": "من نحن",
        "contact": "اتصل بنا",
        "privacy": "سياسة الخصوصية",
        "by": "بقلم",
        "paywall": "هذا المحتوى متاح لمشتركي التطبيق فقط. اقرأ الخبر كاملا على تطبيق",
        "app": "حمّل التطبيق",
        "not_found": "الصفحة غير موجودة",
    },
    "fr": {
        "home": "Accueil",
        "latest": "En continu",
        "share": "Partager",
        "related": "Lire aussi",
        "comments": "Réactions",
        "add_comment": "Réagir",
        "newsletter": "Recevez chaque matin l'essentiel de l'actualité",
        "subscribe": "S'inscrire",
        "rights": "Tous droits réservés",
        "about": "Qui sommes-nous",
        "contact": "Contact",
        "privacy": "Confidentialité",
        "by": "Par",
        "paywall": "Cet article est réservé aux abonnés. Lisez-le dans l'application",
        "app": "Télécharger l'application",
        "not_found": "Page introuvable",
    },
}

_COMMENTERS = {
    "ar": [
        "أبو محمد",
        "سارة",
        "مواطن غيور",
        "خالد من الرباط",
        "ليلى",
        "متابع من عمان",
        "عمر",
        "نور",
    ],
    "fr": ["Jean D.", "Camille", "Lecteur75", "Marie-Anne", "Karim B.", "Sophie L."],
}
_COMMENTS = {
    "ar": [
        "شكرا على هذا التقرير المفصل.",
        "أين المسؤولون من كل هذا؟",
        "خبر مهم، ننتظر المزيد من التفاصيل.",
        "مقال ممتاز ومعلومات قيمة.",
        "هذا ما كنا نتوقعه منذ مدة.",
        "نتمنى أن تتحسن الأوضاع قريبا.",
        "كلام منطقي جدا، بارك الله فيكم.",
        "العنوان لا يعكس مضمون الخبر.",
    ],
    "fr": [
        "Merci pour cet article très clair.",
        "On attend toujours des mesures concrètes.",
        "Article intéressant, mais il manque le point de vue des syndicats.",
        "Rien de nouveau sous le soleil.",
        "Excellente synthèse, comme d'habitude.",
    ],
}


@dataclass
class PageContext:
    """What an article page shows around the article: links to other pages of the outlet."""

    base: str  # the outlet's site URL without trailing slash, e.g. http://127.0.0.1:8000/bbcarabic
    nav: list[tuple[str, str]]  # (label, href)
    ticker: list[tuple[str, str]]  # (title, href)
    related: list[tuple[str, str]]
    feed_href: str
    feed_type: str
    image_href: str
    logo_href: str


def _t(text: str) -> str:
    return escape(text, quote=False)


def _a(text: str) -> str:
    return escape(text, quote=True)


def _head(outlet: Outlet, title: str, ctx: PageContext, extra: str = "") -> str:
    charset = outlet.encoding
    return (
        f'<!DOCTYPE html>\n<html lang="{outlet.lang}" dir="{"rtl" if outlet.lang == "ar" else "ltr"}">\n'
        f'<head>\n<meta charset="{charset}">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_t(title)}</title>\n"
        f'<link rel="alternate" type="{ctx.feed_type}" title="{_a(outlet.name(outlet.lang))}" href="{_a(ctx.feed_href)}">\n'
        f'<link rel="icon" href="{_a(ctx.logo_href)}">\n'
        f"<style>body{{font-family:sans-serif;margin:0}}.ticker{{background:#222;color:#fff}}"
        f".site-header{{background:rgb{outlet.colour};color:#fff}}"
        ".ticker ul,.main-menu ul{display:flex;flex-wrap:wrap;gap:1em;list-style:none;margin:0;padding:.3em}"
        "main,footer,.newsletter{max-width:60em;margin:auto;padding:0 1em}</style>\n"
        f"{extra}</head>\n"
    )


def _header(outlet: Outlet, ctx: PageContext, ui: dict[str, str]) -> str:
    menu = "".join(f'<li><a href="{_a(href)}">{_t(label)}</a></li>' for label, href in ctx.nav)
    ticker = "".join(f'<li><a href="{_a(href)}">{_t(title)}</a></li>' for title, href in ctx.ticker)
    return (
        f'<header class="site-header"><div class="logo"><a href="{_a(ctx.base)}/">'
        f'<img src="{_a(ctx.logo_href)}" alt="{_a(outlet.name(outlet.lang))}"></a></div>\n'
        f'<nav class="main-menu"><ul><li><a href="{_a(ctx.base)}/">{ui["home"]}</a></li>{menu}</ul></nav>\n'
        f'<form class="search" action="{_a(ctx.base)}/search"><input name="q" type="search"></form>\n'
        f"</header>\n"
        f'<div class="ticker"><span class="ticker-label">{ui["latest"]}</span><ul>{ticker}</ul></div>\n'
    )


def _footer(outlet: Outlet, ctx: PageContext, ui: dict[str, str], year: int) -> str:
    name = outlet.name(outlet.lang)
    return (
        f'<aside class="newsletter"><p>{ui["newsletter"]}</p>'
        f'<form><input type="email" name="email"><button>{ui["subscribe"]}</button></form></aside>\n'
        f'<footer class="site-footer"><ul class="footer-links">'
        f'<li><a href="{_a(ctx.base)}/about">{ui["about"]}</a></li>'
        f'<li><a href="{_a(ctx.base)}/contact">{ui["contact"]}</a></li>'
        f'<li><a href="{_a(ctx.base)}/privacy">{ui["privacy"]}</a></li>'
        f'<li><a href="{_a(ctx.feed_href)}">RSS</a></li></ul>\n'
        f'<p class="copyright">© {year} {_t(name)}. {ui["rights"]}</p></footer>\n'
    )


def _comments(article: DemoArticle, ui: dict[str, str]) -> str:
    rng = random.Random(f"comments:{article.key}")
    lang = article.lang if article.lang in _COMMENTS else "ar"
    count = rng.randint(2, 4)
    pairs = zip(
        rng.sample(_COMMENTERS[lang], count), rng.sample(_COMMENTS[lang], count), strict=True
    )
    items = [
        f'<li class="comment"><span class="comment-author">{_t(who)}</span>'
        f'<p class="comment-text">{_t(what)}</p></li>'
        for who, what in pairs
    ]
    return (
        f'<section class="comments" id="comments"><h3>{ui["comments"]} ({len(items)})</h3>'
        f'<ol class="comment-list">{"".join(items)}</ol>'
        f'<form class="comment-form"><textarea name="comment"></textarea>'
        f"<button>{ui['add_comment']}</button></form></section>\n"
    )


def _share(url: str, ui: dict[str, str]) -> str:
    return (
        f'<div class="share-buttons"><span>{ui["share"]}</span>'
        f'<a class="share-facebook" href="https://www.facebook.com/sharer/sharer.php?u={_a(url)}">Facebook</a>'
        f'<a class="share-twitter" href="https://twitter.com/intent/tweet?url={_a(url)}">Twitter</a>'
        f'<a class="share-whatsapp" href="whatsapp://send?text={_a(url)}">WhatsApp</a></div>\n'
    )


def _meta(outlet: Outlet, article: DemoArticle, url: str, ctx: PageContext) -> str:
    out = [f'<link rel="canonical" href="{_a(url)}">\n']
    if article.summary:
        out.append(f'<meta name="description" content="{_a(article.summary)}">\n')
    if outlet.og:
        out.append(
            f'<meta property="og:site_name" content="{_a(outlet.name(outlet.lang))}">\n'
            f'<meta property="og:type" content="article">\n'
            f'<meta property="og:title" content="{_a(article.title)}">\n'
            f'<meta property="og:url" content="{_a(url)}">\n'
            f'<meta property="og:image" content="{_a(ctx.image_href)}">\n'
            f'<meta property="og:description" content="{_a(article.summary)}">\n'
            f'<meta property="article:published_time" content="{article.published.isoformat()}">\n'
        )
        if article.author:
            out.append(f'<meta property="article:author" content="{_a(article.author)}">\n')
    if outlet.json_ld:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": article.published.isoformat(),
            "image": [ctx.image_href],
            "mainEntityOfPage": url,
            "inLanguage": article.lang,
            "publisher": {
                "@type": "Organization",
                "name": outlet.name(outlet.lang),
                "logo": {"@type": "ImageObject", "url": ctx.logo_href},
            },
        }
        if article.author:
            data["author"] = {"@type": "Person", "name": article.author}
        if article.video and article.video[0] == "youtube":
            data["video"] = {
                "@type": "VideoObject",
                "name": article.title,
                "embedUrl": f"https://www.youtube.com/embed/{article.video[1]}",
                "thumbnailUrl": ctx.image_href,
                "duration": "PT2M14S",
                "uploadDate": article.published.isoformat(),
            }
        blob = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        out.append(f'<script type="application/ld+json">{blob}</script>\n')
    return "".join(out)


def _body(outlet: Outlet, article: DemoArticle, ui: dict[str, str], image_href: str = "") -> str:
    skin = SKINS[outlet.skin]
    if article.page_mode == "paywall":
        return (
            f'<div class="{skin["body"]} paywall"><p class="paywall-note">{ui["paywall"]} '
            f"{_t(outlet.name(outlet.lang))}.</p>"
            f'<a class="app-store" href="#">{ui["app"]}</a></div>\n'
        )
    if article.page_mode == "broken":
        # Unclosed <p>, <b> and <div>, a stray </span>: what some CMS templates really emit.
        parts = []
        for i, (tag, text) in enumerate(article.blocks):
            if tag == "p":
                parts.append(f"<p>{'<b>' if i == 0 else ''}{_t(text)}\n")
            else:
                parts.append(f"<{tag}>{_t(text)}\n")
        return f'<div class="{skin["body"]}"><div class="inner">{"".join(parts)}</span>\n'
    inner = _player(article, image_href) + "".join(
        f"<{tag}>{_t(text)}</{tag}>\n" for tag, text in article.blocks
    )
    if outlet.skin == "bbc":
        return f'<div class="{skin["body"]}" property="articleBody">\n{inner}</div>\n'
    if outlet.skin == "skynews":
        return f'<div class="{skin["body"]}" itemprop="articleBody">\n{inner}</div>\n'
    if outlet.skin == "alarabiya":
        return f'<div id="{skin["body"]}" class="article-body">\n{inner}</div>\n'
    return f'<div class="{skin["body"]}">\n{inner}</div>\n'


def _player(article: DemoArticle, image_href: str) -> str:
    """A video article's player as outlets embed them (the demo portal never loads it)."""
    if article.video is None:
        return ""
    provider, vid = article.video
    if provider == "youtube":
        src = f"https://www.youtube.com/embed/{vid}"
    elif provider == "dailymotion":
        src = f"https://www.dailymotion.com/embed/video/{vid}"
    else:
        return (
            f'<a class="video-link" href="https://vimeo.com/{vid}">'
            f'<img src="{_a(image_href)}" alt="{_a(article.title)}"></a>\n'
        )
    return (
        f'<div class="video-embed"><iframe src="{_a(src)}" width="640" height="360" '
        f'allowfullscreen title="{_a(article.title)}"></iframe></div>\n'
    )


def render_article(outlet: Outlet, article: DemoArticle, url: str, ctx: PageContext) -> str:
    """The full HTML page of one article as its outlet serves it."""
    ui = _UI[outlet.lang]
    skin = SKINS[outlet.skin]
    label = outlet.categories.get(article.category, ("", ""))[1]
    section_href = f"{ctx.base}/{outlet.categories.get(article.category, ('', ''))[0]}/"
    crumbs = (
        f'<nav class="breadcrumbs"><a href="{_a(ctx.base)}/">{ui["home"]}</a> › '
        f'<a href="{_a(section_href)}">{_t(label)}</a> › <span>{_t(article.title)}</span></nav>\n'
    )
    date_text = visible_date(article.published, outlet.date_style)
    byline = '<div class="byline">'
    if article.author:
        byline += f'<span class="author">{ui["by"]} {_t(article.author)}</span> '
    byline += f'<time datetime="{article.published.isoformat()}">{_t(date_text)}</time></div>\n'
    figure = (
        f'<figure class="lead-image"><img src="{_a(ctx.image_href)}" alt="{_a(article.title)}" '
        f'width="640" height="360"><figcaption>{_t(article.caption)}</figcaption></figure>\n'
    )
    top = byline + figure if skin["byline_first"] else figure + byline
    related = "".join(
        f'<li><a href="{_a(href)}">{_t(title)}</a></li>' for title, href in ctx.related
    )
    page = (
        _head(
            outlet,
            f"{article.title} | {outlet.name(outlet.lang)}",
            ctx,
            _meta(outlet, article, url, ctx),
        )
        + '<body class="single-article">\n'
        + _header(outlet, ctx, ui)
        + '<main id="main">\n'
        + crumbs
        + f'<article class="{skin["article"]}">\n<h1 class="headline">{_t(article.title)}</h1>\n'
        + top
        + _share(url, ui)
        + _body(outlet, article, ui, ctx.image_href)
    )
    if article.page_mode == "broken":
        # Nothing is closed after the body either, and </body></html> never come.
        return (
            page
            + f'<div class="related"><h3>{ui["related"]}</h3><ul>{related}</ul>\n'
            + _comments(article, ui)
        )
    return (
        page
        + "</article>\n"
        + f'<aside class="related"><h3>{ui["related"]}</h3><ul>{related}</ul></aside>\n'
        + _comments(article, ui)
        + "</main>\n"
        + _footer(outlet, ctx, ui, article.published.year)
        + "</body>\n</html>\n"
    )


def render_listing(
    outlet: Outlet, title: str, items: list[tuple[str, str, str]], ctx: PageContext
) -> str:
    """An outlet's home or section page: the latest headlines with their dates."""
    ui = _UI[outlet.lang]
    rows = "".join(
        f'<li><a href="{_a(href)}">{_t(t)}</a> <span class="date">{_t(d)}</span></li>'
        for t, href, d in items
    )
    return (
        _head(outlet, title, ctx)
        + "<body>\n"
        + _header(outlet, ctx, ui)
        + f'<main id="main"><h1>{_t(title)}</h1><ul class="article-list">{rows}</ul></main>\n'
        + _footer(outlet, ctx, ui, 2018)
        + "</body>\n</html>\n"
    )


def render_index(outlets: list[tuple[Outlet, str, int]]) -> str:
    """The server's root page: every demo outlet with its link and article count."""
    rows = "".join(
        f'<li lang="{o.lang}"><a href="{_a(href)}">{_t(o.name(o.lang))}</a> '
        f"<code>{o.slug}</code> — {count} articles</li>"
        for o, href, count in outlets
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Nashra demo outlets</title></head>\n<body><h1>Nashra demo outlets</h1>\n"
        "<p>Small outlet websites served on the loopback interface for <code>nashra demo</code>. "
        "Texts: ANT corpus (Chouigui, Ben Khiroun, Elayeb), Hespress, fundus test pages; "
        "they belong to their publishers.</p>\n"
        f"<ul>{rows}</ul></body></html>\n"
    )


def render_not_found(path: str) -> str:
    """A plain 404 page."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>404 Not Found</title></head>'
        f"<body><h1>404 Not Found</h1><p>{_t(path)}</p></body></html>\n"
    )
