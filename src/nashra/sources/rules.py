"""Per-outlet extraction rules written in the registry (the ``extract:`` block of an outlet).

```yaml
- slug: hespress
  extract:
    body: div.article-content            # CSS (translated to XPath by cssselect) …
    prune: [div.related, "xpath://div[@class='share']"]   # … or XPath ("xpath:" or a leading /)
    title: h1.post-title
    author: .author-name
    date: "xpath://time/@datetime"
    date_format: "%d/%m/%Y %H:%M"        # optional: strptime format of the date text
    image: "xpath://figure//img/@src"
    feed_content: false                  # true: the feed carries the full text, skip the page
```

Every selector is compiled when the registry loads; a bad one is an error naming the outlet and
the field (``sources[4] (slug 'hespress'): extract.body …``). Rules become an
:class:`~nashra.sources.adapters.Adapter`, the same object the Python hook registers, so an
outlet whose rules need code keeps ``register_adapter``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from cssselect import GenericTranslator, SelectorError
from lxml import etree

__all__ = [
    "RULE_FIELDS",
    "ExtractRules",
    "parse_rules",
    "rules_to_mapping",
    "to_xpath",
]

SELECTOR_FIELDS = ("body", "title", "author", "date", "image")
RULE_FIELDS = (*SELECTOR_FIELDS, "prune", "date_format", "feed_content")
_translator = GenericTranslator()


@dataclass(frozen=True)
class ExtractRules:
    """An outlet's rules as written (selectors kept in the operator's own syntax)."""

    body: str | None = None
    prune: tuple[str, ...] = ()
    title: str | None = None
    author: str | None = None
    date: str | None = None
    date_format: str | None = None
    image: str | None = None
    feed_content: bool = False

    def is_empty(self) -> bool:
        return self == ExtractRules()


class RuleError(ValueError):
    """One bad rule; the message names the field."""


def to_xpath(selector: str, where: str) -> str:
    """The XPath of a selector: ``xpath:…`` or one starting with ``/``, ``./`` or ``(`` is
    XPath; anything else (or ``css:…``) is CSS. Raises :class:`RuleError` naming ``where``."""
    if not isinstance(selector, str) or not selector.strip():
        raise RuleError(f"{where} must be a non-empty CSS or XPath selector, got {selector!r}")
    text = selector.strip()
    if text.startswith("xpath:") or text.startswith(("/", "./", "(")):
        xpath = text.removeprefix("xpath:").strip()
        try:
            etree.XPath(xpath)
        except etree.XPathSyntaxError as exc:
            raise RuleError(f"{where} {selector!r} is not a valid XPath: {exc}") from None
        return xpath
    css = text.removeprefix("css:").strip()
    try:
        return _translator.css_to_xpath(css)
    except SelectorError as exc:
        raise RuleError(
            f"{where} {selector!r} is not a valid CSS selector ({exc}); for XPath start it "
            "with 'xpath:' or '/'"
        ) from None


def parse_rules(data: Any) -> tuple[ExtractRules | None, list[str]]:
    """Rules from the YAML ``extract:`` mapping, and every problem found (field named)."""
    if data is None:
        return None, []
    if not isinstance(data, dict):
        return None, [f"extract must be a mapping of {', '.join(RULE_FIELDS)}, got {data!r}"]
    problems: list[str] = []
    for key in data:
        if key not in RULE_FIELDS:
            close = difflib.get_close_matches(str(key), RULE_FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"extract: unknown field {key!r}{hint}")
    values: dict[str, Any] = {}
    for name in SELECTOR_FIELDS:
        if data.get(name) in (None, ""):
            continue
        try:
            to_xpath(data[name], f"extract.{name}")
            values[name] = str(data[name]).strip()
        except RuleError as exc:
            problems.append(str(exc))
    prune = data.get("prune") or []
    if isinstance(prune, str):
        prune = [prune]
    if not isinstance(prune, list):
        problems.append(f"extract.prune must be a list of selectors, got {prune!r}")
        prune = []
    kept = []
    for i, selector in enumerate(prune):
        try:
            to_xpath(selector, f"extract.prune[{i}]")
            kept.append(str(selector).strip())
        except RuleError as exc:
            problems.append(str(exc))
    values["prune"] = tuple(kept)
    date_format = data.get("date_format")
    if date_format not in (None, ""):
        if not isinstance(date_format, str) or "%" not in date_format:
            problems.append(
                f"extract.date_format {date_format!r} is not a strptime format such as "
                "'%d/%m/%Y %H:%M' (Moroccan and Arabic month names need none)"
            )
        else:
            try:
                datetime.now().strftime(date_format)
            except ValueError as exc:
                problems.append(f"extract.date_format {date_format!r}: {exc}")
            values["date_format"] = date_format
    feed_content = data.get("feed_content", False)
    if not isinstance(feed_content, bool):
        problems.append(f"extract.feed_content must be true or false, got {feed_content!r}")
    else:
        values["feed_content"] = feed_content
    return ExtractRules(**values), problems


def rules_to_mapping(rules: ExtractRules) -> dict[str, Any]:
    """The YAML form: only the fields that are set."""
    out: dict[str, Any] = {}
    for f in fields(rules):
        value = getattr(rules, f.name)
        if f.name == "prune":
            if value:
                out["prune"] = list(value)
        elif value not in (None, False, ""):
            out[f.name] = value
    return out
