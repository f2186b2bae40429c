"""Turn fetched HTML bytes into text, trusting declarations only as far as the bytes agree.

The Arabic press is where encodings go wrong: pages in windows-1256 or ISO-8859-6 served with a
server-wide ``charset=UTF-8`` or ``ISO-8859-1`` header, UTF-8 pages whose old template still says
``windows-1256``, and pages with no declaration at all. A wrong guess turns every Arabic word into
mojibake, so a declaration is used only when the bytes decode *plausibly* under it:

1. a byte-order mark wins (as in browsers);
2. the HTTP ``charset``, then a ``<meta charset>`` / ``http-equiv`` (or XML declaration) found in
   the first 4 KB, each accepted only if the bytes decode cleanly and do not read as mojibake;
3. otherwise charset-normalizer detects the encoding from the bytes.

"Plausible" means: the strict decode succeeds (UTF-8 may lose a handful of stray bytes), the bytes
are not valid multi-byte UTF-8 hiding behind a legacy label (real legacy text is practically never
valid UTF-8), and charset-normalizer's mess measure of the non-ASCII words stays low (windows-1256
Arabic read as windows-1252 gives runs like ``ÇáÍßæãÉ``, which it scores far above real French).

Labels follow the WHATWG Encoding Standard where it matters here: ``iso-8859-1``, ``latin1`` and
``us-ascii`` mean windows-1252; a ``<meta>`` claiming UTF-16 in an ASCII-compatible page means UTF-8.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer
from charset_normalizer.md import mess_ratio

__all__ = ["charset_from_content_type", "decode_html", "normalize_label"]

_PRESCAN_BYTES = 4096
# Above this, the decoded non-ASCII words read as mojibake (charset-normalizer's own default).
_MESS_THRESHOLD = 0.2
# Cap the text measured for mess: enough words to judge, bounded cost on big pages.
_MESS_SAMPLE_CHARS = 20_000
# UTF-8 with at most this share of broken sequences (a stray legacy byte or two) stays UTF-8.
_UTF8_MAX_ERROR_SHARE = 0.01

# Tried first when detecting: what Arabic and French news sites actually use.
_PRESS_ENCODINGS = ("utf_8", "cp1256", "iso8859_6", "cp1252")
_PRESS_MAX_CHAOS = 0.1

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# WHATWG labels Python does not know, or knows under another meaning.
_LABEL_OVERRIDES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gbk",
    "x-gbk": "gbk",
    "asmo-708": "iso8859-6",
    "ecma-114": "iso8859-6",
    "iso-8859-6-e": "iso8859-6",
    "iso-8859-6-i": "iso8859-6",
    "iso-ir-127": "iso8859-6",
    "csisolatinarabic": "iso8859-6",
    "x-cp1256": "cp1256",
    "x-cp1252": "cp1252",
    "x-sjis": "shift_jis",
}
# Python codec name -> the name we report (WHATWG spelling where one exists).
_PY_TO_WHATWG_PREFIXES = (("cp125", "windows-125"), ("iso8859-", "iso-8859-"))
_PY_TO_WHATWG = {
    "utf-8": "utf-8",
    "utf-16-le": "utf-16le",
    "utf-16-be": "utf-16be",
    "cp874": "windows-874",
    "mbcs": "windows-1252",
}

_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([^"'\s;,>/]+)""", re.IGNORECASE)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9_.:+-]+)""")


def charset_from_content_type(value: str | None) -> str | None:
    """Return the ``charset`` parameter of a Content-Type value, lower-cased, or None.

    The label is returned as declared (``"iso-8859-1"`` stays so); :func:`decode_html` decides
    what it means and whether to believe it.
    """
    if not value:
        return None
    for param in value.split(";")[1:]:
        match = _CHARSET_PARAM.search(param)
        if match:
            label = match.group(1).strip().lower()
            return label or None
    return None


def normalize_label(label: str | None) -> str | None:
    """Map a declared charset label to a Python codec name, or None when unknown/unusable."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    key = _LABEL_OVERRIDES.get(key, key)
    try:
        info = codecs.lookup(key)
    except LookupError:
        if key.startswith("x-"):
            return normalize_label(key[2:])
        return None
    if not getattr(info, "_is_text_encoding", True):  # e.g. "base64", "rot13"
        return None
    return _LABEL_OVERRIDES.get(info.name, info.name)


def decode_html(content: bytes, content_type_header: str | None = None) -> tuple[str, str]:
    """Decode an HTML page to text; return ``(text, encoding_name)``. Never raises.

    See the module docstring for the order of evidence. The encoding name is reported in WHATWG
    spelling (``"windows-1256"``, ``"iso-8859-6"``, ``"utf-8"``). The worst case is UTF-8 with
    replacement characters.
    """
    try:
        return _decode(bytes(content), content_type_header)
    except Exception:  # noqa: BLE001 - the contract is "never raises"; bytes from the wild are odd
        return bytes(content).decode("utf-8", "replace"), "utf-8"


def _decode(content: bytes, content_type_header: str | None) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(codec, "replace"), _report_name(codec)
    if not content:
        return "", "utf-8"

    declared = [normalize_label(charset_from_content_type(content_type_header))]
    declared.append(_declared_in_document(content))
    for codec in declared:
        if codec is None:
            continue
        text = _plausible_decode(content, codec)
        if text is not None:
            return text, _report_name(codec)

    if content.isascii():
        return content.decode("ascii"), "utf-8"
    utf8 = _utf8_text(content)
    if utf8 is not None:
        return utf8, "utf-8"
    return _detect(content)


def _declared_in_document(content: bytes) -> str | None:
    """The charset a ``<meta>`` (or XML declaration) states in the first 4 KB."""
    head = _COMMENT.sub(b"", content[:_PRESCAN_BYTES])
    label: str | None = None
    for meta in _META.finditer(head):
        match = _META_CHARSET.search(meta.group(0))
        if match:
            label = match.group(1).decode("ascii", "replace")
            break
    if label is None:
        xml = _XML_DECL.match(head)
        if xml:
            label = xml.group(1).decode("ascii", "replace")
    codec = normalize_label(label)
    if codec is not None and codec.startswith("utf-16"):
        # The page is being read as ASCII-compatible bytes, so it cannot really be UTF-16.
        return "utf-8"
    return codec


def _plausible_decode(content: bytes, codec: str) -> str | None:
    """Decode with ``codec`` if the result is believable, else None (the label is distrusted)."""
    if codec == "utf-8":
        return _utf8_text(content)
    if codec.startswith(("utf-16", "utf-32")) and b"\x00" not in content[:_PRESCAN_BYTES]:
        return None  # a UTF-16 label on bytes with no NULs: they are ASCII-compatible
    try:
        text = content.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    if content.isascii():
        return text
    if _is_multibyte_utf8(content):
        return None
    if _looks_like_mojibake(text):
        return None
    return text


def _utf8_text(content: bytes) -> str | None:
    """UTF-8 text if the bytes are UTF-8, tolerating a cut final character and rare stray bytes."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A body capped mid-character: the first error is the cut, so the rest is clean;
        # believe it only if the clean part already holds UTF-8 multi-byte text.
        prefix = content[: exc.start]
        cut = exc.reason == "unexpected end of data" and exc.end == len(content)
        if cut and not prefix.isascii():
            return prefix.decode("utf-8")
    text = content.decode("utf-8", "replace")
    errors = text.count("\ufffd") - content.count("\ufffd".encode())
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    if multibyte and errors <= _UTF8_MAX_ERROR_SHARE * multibyte:
        return text
    return None


def _is_multibyte_utf8(content: bytes) -> bool:
    """True if the bytes hold non-ASCII and are strictly valid UTF-8."""
    if content.isascii():
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_like_mojibake(text: str) -> bool:
    """Judge only the words that carry non-ASCII letters: markup would dilute the measure."""
    words = [w for w in re.split(r"[\s<>\"'=]+", text) if not w.isascii()]
    sample = " ".join(words)[:_MESS_SAMPLE_CHARS]
    if not sample:
        return False
    return mess_ratio(sample, _MESS_THRESHOLD) >= _MESS_THRESHOLD


def _detect(content: bytes) -> tuple[str, str]:
    """Ask charset-normalizer, first among the encodings of the Arabic and French press.

    The first pass is restricted to :data:`_PRESS_ENCODINGS`: on short texts an unrestricted
    detector happily answers Big5 or Thai for a few Arabic words. Its candidates are then judged
    on the non-ASCII words alone, as declarations are, because on a page that is mostly ASCII
    markup windows-1252 and windows-1256 look equally clean to it. Anything else is a fallback.
    """
    press = charset_normalizer.from_bytes(content, cp_isolation=list(_PRESS_ENCODINGS))
    for match in press:
        codec = normalize_label(match.encoding)
        if codec is None or match.chaos > _PRESS_MAX_CHAOS:
            continue
        text = _plausible_decode(content, codec)
        if text is not None:
            return text, _report_name(codec)
    best = charset_normalizer.from_bytes(content).best()
    if best is None or not best.encoding:
        return content.decode("utf-8", "replace"), "utf-8"
    codec = normalize_label(best.encoding) or "utf-8"
    return content.decode(codec, "replace"), _report_name(codec)


def _report_name(codec: str) -> str:
    name = codecs.lookup(codec).name
    if name in _PY_TO_WHATWG:
        return _PY_TO_WHATWG[name]
    for prefix, replacement in _PY_TO_WHATWG_PREFIXES:
        if name.startswith(prefix):
            return replacement + name[len(prefix) :]
    return name
