"""Article URLs: one canonical spelling per page, the outlet's own numeric id, the host.

The canonical form is what the store keys articles on, so two spellings of
one address (IRI vs percent-encoded URI, upper-case host, default port,
tracking parameters, fragment) must give the same string — and two pages must
never be merged: only well-known tracking parameters are dropped, every other
parameter keeps its place and value.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit

__all__ = ["canonical_url", "numeric_id", "host_of", "strip_userinfo", "TRACKING_PARAMS"]

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
        "mc_cid", "mc_eid", "_ga", "_gl", "ref", "ref_src", "at_medium", "at_campaign",
        "xtor", "amp", "__twitter_impression", "_hsenc", "_hsmi", "mkt_tok",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_",)
# Parameters that are tracking only with one value (?output=amp selects the AMP copy).
TRACKING_VALUES = {"output": "amp"}
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_ID = 2**63 - 1
ID_PARAMS = ("id", "p", "article")

# RFC 3986: characters that may stand unescaped in a path / a query.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# The escapes _encode must change: any with a lower-case hex digit, and those of unreserved
# characters (digits, letters, "-", ".", "_", "~"); every other escape is already canonical.
_ESCAPE = re.compile(
    r"%((?:[0-9A-Fa-f][a-f]|[a-f][0-9A-F])"
    r"|(?:2[DE]|3[0-9]|4[1-9A-F]|5[0-9AF]|6[1-9A-F]|7[0-9AE]))"
)
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _encode(part: str, safe: str) -> str:
    """Percent-encode non-ASCII and unsafe characters; normalise existing escapes.

    Escapes of unreserved characters are decoded (%7E → ~) and the others
    upper-cased (%d8 → %D8), so an IRI and its encoded URI meet.
    """
    if "%" not in part:  # quote's own escapes are upper-case and never of unreserved characters
        return quote(part, safe=safe, encoding="utf-8", errors="strict")
    part = _BARE_PERCENT.sub("%25", part)
    part = quote(part, safe=safe, encoding="utf-8", errors="strict")

    def fix(m: re.Match[str]) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else "%" + m.group(1).upper()

    return _ESCAPE.sub(fix, part)


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/".join(out) if out != [""] else "/"


def _is_tracking(key: str, value: str) -> bool:
    key = unquote(key).lower()
    if key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES):
        return True
    return TRACKING_VALUES.get(key) == unquote(value).lower()


def _clean_query(query: str) -> str:
    kept = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if not _is_tracking(key, value):
            kept.append(_encode(part, _QUERY_SAFE))
    return "&".join(kept)


def _host(netloc_host: str | None) -> str:
    host = (netloc_host or "").rstrip(".")
    if not host:
        raise ValueError("URL has no host")
    if ":" in host:  # IPv6 literal (urlsplit strips the brackets)
        return f"[{host.lower()}]"
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"URL host is not a valid domain name: {host!r}") from exc


def canonical_url(url: str, base: str | None = None) -> str:
    """The one spelling of an http(s) URL that the store keys articles on.

    Resolves ``url`` against ``base``; lower-cases scheme and host (IDNA for
    non-ASCII hosts); drops default ports, the fragment and tracking
    parameters (``TRACKING_PARAMS``, ``utm_*``, ``output=amp``); keeps every
    other parameter in order; percent-encodes non-ASCII path and query
    consistently; resolves ``.``/``..`` segments; keeps ``//`` inside paths.
    Raises ``ValueError`` for anything that is not an absolute http(s) URL.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError("empty URL")
    # Browsers drop tabs and newlines inside URLs; so do we.
    url = "".join(ch for ch in url.strip() if ch not in "\t\r\n")
    if base:
        url = urljoin(base.strip(), url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"malformed URL {url[:200]!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url[:200]!r}")
    # ``user:pass@`` is dropped: credentials a feed put in a link are never stored or shown.
    netloc = _host(parts.hostname)
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = _remove_dot_segments(_encode(parts.path or "/", _PATH_SAFE))
    if not path.startswith("/"):
        path = "/" + path
    query = _clean_query(parts.query)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def strip_userinfo(url: str) -> str:
    """``url`` without ``user:pass@`` (never sent, stored or shown); other text unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=netloc).geturl()


def host_of(url: str) -> str:
    """Lower-case host of a URL, without port or trailing dot (IDNA-encoded); "" if none."""
    try:
        parts = urlsplit((url or "").strip())
        return _host(parts.hostname)
    except ValueError:
        return ""


_DIGIT_RUN = re.compile(r"[0-9]+")
_EXTENSION = re.compile(r"\.(?:s?html?|php\d?|aspx?|jsp|cfm)$", re.IGNORECASE)
_FILLER_SEGMENTS = frozenset({"amp", "index", "print", "full", "video", "photos", "comments"})


def _is_year(run: str) -> bool:
    return len(run) == 4 and 1900 <= int(run) <= 2099


def _id_in(text: str) -> int | None:
    runs = [r for r in _DIGIT_RUN.findall(text) if len(r) >= 4 and not _is_year(r)]
    if not runs:
        return None
    best = max(runs, key=len)  # max keeps the first of equal length
    value = int(best)
    return value if 0 < value <= MAX_ID else None


def numeric_id(url: str, pattern: str | None = None) -> int | None:
    """The origin site's numeric article id in ``url``, or None.

    With ``pattern`` (a regex whose first group, or whole match, is the id)
    that decides.  Otherwise: the longest run of at least 4 digits in the last
    meaningful path segment (4-digit years and ``/2018/03/01/`` date parts do
    not count), else an all-digit ``id``/``p``/``article`` query parameter.
    Ids must fit a signed 64-bit integer.  Raises ``ValueError`` only for an
    invalid ``pattern``.
    """
    if pattern is not None:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid id pattern {pattern!r}: {exc}") from exc
        m = regex.search(url or "")
        if not m:
            return None
        found = m.group(1) if regex.groups else m.group(0)
        if not found or not found.isascii() or not found.isdigit():
            return None
        value = int(found)
        return value if value <= MAX_ID else None
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    while segments and _EXTENSION.sub("", segments[-1]).lower() in _FILLER_SEGMENTS:
        segments.pop()
    if segments:
        found_id = _id_in(_EXTENSION.sub("", segments[-1]))
        if found_id is not None:
            return found_id
    for key, value in parse_qsl(parts.query):
        if key.lower() in ID_PARAMS and value.isascii() and value.isdigit():
            number = int(value)
            if 0 < number <= MAX_ID:
                return number
    return None
