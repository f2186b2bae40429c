"""The database schema (SQLAlchemy Core). Alembic migrations in ``migrations/`` create it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every backend (SQLite keeps no offset, so we store UTC there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY, PostgreSQL wants BIGINT for an archive this size.
PK = BigInteger().with_variant(Integer(), "sqlite")

sources = Table(
    "sources",
    metadata,
    Column("slug", String(64), primary_key=True),
    Column("name_ar", String(200), nullable=False, default=""),
    Column("name_fr", String(200), nullable=False, default=""),
    Column("name_en", String(200), nullable=False, default=""),
    Column("site_url", Text, nullable=False, default=""),
    Column("lang", String(8), nullable=False, default="ar"),
    Column("default_section", String(32)),
    Column("next_num", BigInteger, nullable=False, default=1),
    Column("created_at", UTCDateTime(), nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("source", String(64), ForeignKey("sources.slug", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False, unique=True),
    Column("title", Text, nullable=False, default=""),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_polled_at", UTCDateTime()),
    Column("last_new_item_at", UTCDateTime()),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("error_count", Integer, nullable=False, default=0),
    Column("next_poll_at", UTCDateTime()),
    Column("enabled", Boolean, nullable=False, default=True),
)

images = Table(
    "images",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("source_url", Text, nullable=False, default=""),
    Column("mime", String(32), nullable=False, default=""),
    Column("width", Integer, nullable=False, default=0),
    Column("height", Integer, nullable=False, default=0),
    Column("phash", String(16), index=True),
    Column("state", String(16), nullable=False, default="visible"),
    Column("created_at", UTCDateTime(), nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("source", String(64), ForeignKey("sources.slug", ondelete="CASCADE"), nullable=False),
    Column("num", BigInteger, nullable=False),
    Column("url", Text, nullable=False),
    Column("guid", Text),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("body_html", Text, nullable=False, default=""),
    Column("body_text", Text, nullable=False, default=""),
    Column("body_hash", String(40), nullable=False, default=""),
    Column("published", UTCDateTime(), nullable=False),
    Column("updated", UTCDateTime()),
    Column("fetched_at", UTCDateTime(), nullable=False),
    Column("author", Text, nullable=False, default=""),
    Column("lang", String(8), nullable=False, default="ar"),
    Column("section", String(32)),
    Column("categories", Text, nullable=False, default=""),
    Column("image_url", Text),
    Column("image_id", PK, ForeignKey("images.id", ondelete="SET NULL")),
    Column("partial", Boolean, nullable=False, default=False),
    Column("copy_of", PK, ForeignKey("articles.pk", ondelete="SET NULL")),
    UniqueConstraint("source", "num"),
    UniqueConstraint("source", "url"),
    UniqueConstraint("source", "guid"),
    Index("ix_articles_published", "published"),
    Index("ix_articles_source_published", "source", "published"),
    Index("ix_articles_body_hash_published", "body_hash", "published", "pk"),  # 0009
    Index("ix_articles_section_published", "section", "published"),
)


# --- issue 6: images (media) and crowd reporting (moderation) ------------------------------------
# An image's perceptual-hash group: the id of the first image whose dHash was within the matching
# distance of it (itself for a new picture). Hiding acts on a whole group ("hidden everywhere").
images.append_column(Column("group_id", PK, index=True))
# Distinct reporters counted toward the threshold (after the per-network cap), of the group.
images.append_column(Column("report_count", Integer, nullable=False, default=0, server_default="0"))
images.append_column(Column("hidden_at", UTCDateTime()))

# The dHash cut in bands, so near-duplicates are found by index (pigeonhole: two hashes within
# distance d < number of bands share at least one band exactly).
image_bands = Table(
    "image_bands",
    metadata,
    Column("band", Integer, primary_key=True),
    Column("bits", Integer, primary_key=True),
    Column("image_id", PK, ForeignKey("images.id", ondelete="CASCADE"), primary_key=True),
)

image_reports = Table(
    "image_reports",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("image_id", PK, ForeignKey("images.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", PK, nullable=False),
    Column("reporter", String(64), nullable=False),  # the signed cookie's random id
    Column("network", String(64), nullable=False),  # salted hash of the /24 or /56, never an IP
    Column("reason", String(16), nullable=False, default="other"),
    Column("status", String(16), nullable=False, default="open"),  # open | ignored | confirmed
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("group_id", "reporter"),
    Index("ix_image_reports_reporter_created", "reporter", "created_at"),
    Index("ix_image_reports_network_created", "network", "created_at"),
    Index("ix_image_reports_group_status", "group_id", "status"),
)

moderators = Table(
    "moderators",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_login_at", UTCDateTime()),
)

moderator_sessions = Table(
    "moderator_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("moderator_id", PK, ForeignKey("moderators.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),  # hash of the network, or of the user name
    Column("ok", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_login_attempts_key_created", "key", "created_at"),
)

moderation_log = Table(
    "moderation_log",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),  # a moderator's user name, or "crowd"
    Column("action", String(32), nullable=False),
    Column("image_id", PK),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_moderation_log_created", "created_at"),
)


# -- schedule (issue 7): adaptive schedule, leases shared by workers, per-host politeness, WebSub --
# Which host a feed lives on (politeness is counted per host across every worker).
feeds.append_column(Column("host", String(255)))
# The worker holding the feed and until when; an expired lease may be taken over.
feeds.append_column(Column("lease_owner", String(80)))
feeds.append_column(Column("lease_until", UTCDateTime()))
# Seconds between polls the schedule settled on (from publishing rate and the server's hints).
feeds.append_column(Column("poll_interval", Integer))
feeds.append_column(Column("last_error_kind", String(32)))
# Why a feed was switched off automatically (NULL when enabled, or disabled by the registry).
feeds.append_column(Column("disabled_reason", Text))
feeds.append_column(Column("websub_hub", Text))
feeds.append_column(Column("websub_topic", Text))
feeds.append_column(Column("websub_secret", String(64)))
feeds.append_column(Column("websub_state", String(16)))  # pending | active | denied
feeds.append_column(Column("websub_expires_at", UTCDateTime()))
Index("ix_feeds_next_poll_at", feeds.c.next_poll_at)
Index("ix_feeds_host", feeds.c.host)

# One row per host: locked while a worker counts that host's leases, so the per-host limit holds
# across workers; ``next_request_at`` carries a host-wide Retry-After.
crawl_hosts = Table(
    "crawl_hosts",
    metadata,
    Column("host", String(255), primary_key=True),
    Column("next_request_at", UTCDateTime()),
)


# -- portal (issue 3): the archive version probe reads these, once a second, in O(1) -------------
# max(updated) is one index step; the (few) images that are not visible have their own index.
# Kept by triggers on articles (migration scale1): the footer and outlet counts stay O(outlets).
sources.append_column(
    Column("article_count", BigInteger, nullable=False, default=0, server_default="0")
)
sources.append_column(Column("latest_published", UTCDateTime()))

Index("ix_articles_updated", articles.c.updated)
Index("ix_images_not_visible", images.c.id, sqlite_where=images.c.state != "visible",
      postgresql_where=images.c.state != "visible")  # fmt: skip


# -- stories (issue 5): near-duplicate fingerprints and the same story across outlets ------------
# One row per story; a story merged into another keeps its row (size 0, merged_into set) so that
# its /story/{id} address keeps leading somewhere.
from sqlalchemy import Float as _StoryFloat  # noqa: E402
from sqlalchemy import LargeBinary as _StoryBinary  # noqa: E402

stories = Table(
    "stories",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("representative", PK, ForeignKey("articles.pk", ondelete="SET NULL")),
    Column("title", Text, nullable=False, default=""),
    Column("lang", String(8), nullable=False, default="ar"),
    Column("size", Integer, nullable=False, default=0),
    Column("outlet_count", Integer, nullable=False, default=0),
    Column("outlets", Text, nullable=False, default=""),  # slugs, earliest first, one a line
    Column("first_published", UTCDateTime(), nullable=False),
    Column("last_published", UTCDateTime(), nullable=False),
    Column("merged_into", PK, ForeignKey("stories.id", ondelete="SET NULL")),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_stories_last_published", "last_published"),
    Index("ix_stories_lang_last_published", "lang", "last_published"),
)

# One row per assigned article: its story (so an article is in exactly one story), its
# near-duplicate original and the fingerprints that find it again after a restart.
article_signatures = Table(
    "article_signatures",
    metadata,
    Column("article_pk", PK, ForeignKey("articles.pk", ondelete="CASCADE"), primary_key=True),
    Column("story_id", PK, ForeignKey("stories.id", ondelete="SET NULL"), index=True),
    Column("published", UTCDateTime(), nullable=False, index=True),
    Column("link", _StoryFloat, nullable=False, default=1.0),
    Column("copy_of", PK, ForeignKey("articles.pk", ondelete="SET NULL"), index=True),
    Column("minhash", _StoryBinary, nullable=False, default=b""),
    Column("features", Text, nullable=False, default=""),
    Column("content_key", String(16), nullable=False, default=""),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", UTCDateTime(), nullable=False, index=True),
)

# Articles older than the live story window wait here to be assigned in date order, so that a
# cold crawl's weeks of past articles slide one window over the archive instead of loading a
# window per article (nashra.stories.backlog). A row leaves once its article is assigned.
story_backlog = Table(
    "story_backlog",
    metadata,
    Column("article_pk", PK, ForeignKey("articles.pk", ondelete="CASCADE"), primary_key=True),
    Column("published", UTCDateTime(), nullable=False),
    Column("queued_at", UTCDateTime(), nullable=False),
    # The story features the writer computed from the article's one analysis (a draft: used by
    # the sweep while ``content_key`` matches the stored text; NULL: computed again then).
    Column("content_key", String(16)),
    Column("features", Text),
    Column("minhash", _StoryBinary),
    Index("ix_story_backlog_published", "published", "article_pk"),
)

# Named jobs that one process at a time may do, whatever the number of machines (the story
# backlog): a lease with an expiry, so that a process that dies without letting go is replaced.
job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(120), nullable=False, default=""),
    Column("expires_at", UTCDateTime(), nullable=False),
)


# --- enrich: sections, regions and authors (issue 8) ------------------------------------------
# section_source: "mapping" (the outlet's own labels), "classifier" or "moderator";
# byline: the raw byline as the outlet gave it (author holds the cleaned person's name);
# agency: a news agency code (nashra.enrich.authors.AGENCIES); author_key: joins the spellings of
# one writer. article_regions carries ``published`` so a region page is one index range scan.
from sqlalchemy import Float as _EnrichFloat  # noqa: E402

articles.append_column(Column("section_source", String(16)))
articles.append_column(Column("section_confidence", _EnrichFloat))
articles.append_column(Column("byline", Text, nullable=False, default="", server_default=""))
articles.append_column(Column("agency", String(32), nullable=False, default="", server_default=""))
articles.append_column(
    Column("author_key", String(200), nullable=False, default="", server_default="")
)
Index("ix_articles_author_key_published", articles.c.author_key, articles.c.published)
Index("ix_articles_agency_published", articles.c.agency, articles.c.published)

article_regions = Table(
    "article_regions",
    metadata,
    Column("article_pk", PK, ForeignKey("articles.pk", ondelete="CASCADE"), primary_key=True),
    Column("region", String(64), primary_key=True),
    Column("score", _EnrichFloat, nullable=False, default=0.0),
    Column("published", UTCDateTime(), nullable=False),
    Index("ix_article_regions_region_published", "region", "published", "article_pk"),
)

section_corrections = Table(
    "section_corrections",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("article_pk", PK, ForeignKey("articles.pk", ondelete="CASCADE"), nullable=False),
    Column("previous", String(32)),
    Column("section", String(32), nullable=False),
    Column("moderator", String(200), nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_section_corrections_article_pk", "article_pk", "id"),
)


# -- search (issue 4): the index lives beside ``articles``, created by migration 0004 -----------
# Not declared in this metadata on purpose: on SQLite it is an FTS5 virtual table, on PostgreSQL
# a side table of ``tsvector`` columns (a type SQLite cannot compile). Both are named
# ``article_search`` and are described in ``nashra.search.tables``; their rows are written by
# ``nashra.search.index`` (``index_article`` in the transaction that saves the article).


# --- outlets (issue 19): roles, takedowns, the fetched pages kept for re-extraction -----------
# A moderator account's role: "moderator" (images, sections) or "operator" (also extraction
# rules, takedowns and outlets).
moderators.append_column(
    Column("role", String(16), nullable=False, default="moderator", server_default="moderator")
)

# One row per takedown decision: an article, all of an outlet's articles, or an outlet's articles
# published before a date. ``undone_at`` set: later crawls may bring the articles back.
takedowns = Table(
    "takedowns",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("scope", String(16), nullable=False),  # article | outlet | before
    Column("source", String(64), nullable=False),
    Column("url", Text),  # scope article: the origin's URL
    Column("before", UTCDateTime()),  # scope before
    Column("reason", Text, nullable=False, default=""),
    Column("actor", String(64), nullable=False, default=""),
    Column("removed", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("undone_at", UTCDateTime()),
    Column("undone_by", String(64)),
    Index("ix_takedowns_source", "source"),
)

# The tombstone of each removed article: its portal address (410 Gone) and its origin URL/GUID
# (never re-ingested). No text: the text is purged.
takedown_items = Table(
    "takedown_items",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("takedown_id", PK, ForeignKey("takedowns.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(64), nullable=False),
    Column("num", BigInteger, nullable=False),
    Column("url", Text, nullable=False),
    Column("guid", Text),
    Index("ix_takedown_items_source_num", "source", "num"),
    Index("ix_takedown_items_source_url", "source", "url"),
)

# The HTML of article pages as fetched, kept ``keep_pages_days`` per outlet, so that a changed
# extraction rule can be applied again without refetching (``nashra sources reextract``).
fetched_pages = Table(
    "fetched_pages",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("url", Text, primary_key=True),
    Column("final_url", Text, nullable=False, default=""),
    Column("content_type", String(200), nullable=False, default=""),
    Column("body", LargeBinary, nullable=False),  # zlib-compressed bytes as received
    Column("fetched_at", UTCDateTime(), nullable=False),
    Index("ix_fetched_pages_source_fetched", "source", "fetched_at"),
)

# Every feed poll's outcome for a week (the outlet health board's error rates over 24 h and 7 d).
feed_polls = Table(
    "feed_polls",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("feed_id", PK, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status", Integer, nullable=False, default=0),
    Column("error", Text),
    Index("ix_feed_polls_feed_at", "feed_id", "at"),
)


# -- issue 18: video articles, and the view counter behind "most read" (migration 0011) ---------
article_videos = Table(
    "article_videos",
    metadata,
    Column("article_pk", PK, ForeignKey("articles.pk", ondelete="CASCADE"), primary_key=True),
    Column("provider", String(16), nullable=False),
    Column("video_id", Text, nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("duration", Integer),
    Column("poster_url", Text, nullable=False, default=""),
)

# Views per article per hour, added up in memory and written in batches (nashra.reading).
article_views = Table(
    "article_views",
    metadata,
    Column("article_pk", PK, ForeignKey("articles.pk", ondelete="CASCADE"), primary_key=True),
    Column("hour", UTCDateTime(), primary_key=True),
    Column("views", Integer, nullable=False, default=0),
    Index("ix_article_views_hour", "hour", "article_pk"),
)
