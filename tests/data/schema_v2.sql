-- The store's schema as newsfeed wrote it before numbered migrations (PRAGMA user_version=2,
-- main at 4413733). Kept verbatim: test_migrations builds an old store from it and upgrades it.
CREATE TABLE IF NOT EXISTS articles (
    guid TEXT PRIMARY KEY,
    portal TEXT,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    published TEXT,
    sort_key TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    data TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    changed TEXT
);
CREATE INDEX IF NOT EXISTS articles_portal ON articles (portal, sort_key);
CREATE TABLE IF NOT EXISTS article_categories (
    guid TEXT NOT NULL REFERENCES articles (guid) ON DELETE CASCADE,
    portal TEXT NOT NULL,
    category TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (guid, portal, category)
);
CREATE INDEX IF NOT EXISTS categories_feed ON article_categories (portal, category);
CREATE TABLE IF NOT EXISTS article_urls (
    url TEXT PRIMARY KEY,
    guid TEXT NOT NULL REFERENCES articles (guid) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS url_failures (
    url TEXT PRIMARY KEY,
    portal TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_failed TEXT NOT NULL,
    last_failed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS listing_state (
    guid TEXT NOT NULL REFERENCES articles (guid) ON DELETE CASCADE,
    category TEXT NOT NULL,
    title TEXT,
    published_raw TEXT,
    last_listed TEXT NOT NULL,
    PRIMARY KEY (guid, category)
);
CREATE TABLE IF NOT EXISTS http_validators (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    saved TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS discovered_categories (
    portal TEXT NOT NULL,
    category TEXT NOT NULL,
    url TEXT NOT NULL,
    found TEXT NOT NULL,
    PRIMARY KEY (portal, category)
);
CREATE TABLE IF NOT EXISTS category_crawls (
    portal TEXT NOT NULL,
    category TEXT NOT NULL,
    last_complete TEXT NOT NULL,
    PRIMARY KEY (portal, category)
);
CREATE TABLE IF NOT EXISTS near_duplicates (
    guid TEXT PRIMARY KEY REFERENCES articles (guid) ON DELETE CASCADE,
    sketch BLOB,
    cluster_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS near_duplicates_cluster ON near_duplicates (cluster_id);
CREATE TABLE IF NOT EXISTS near_duplicate_anchors (
    anchor INTEGER NOT NULL,
    guid TEXT NOT NULL REFERENCES articles (guid) ON DELETE CASCADE,
    PRIMARY KEY (anchor, guid)
);
CREATE TABLE IF NOT EXISTS reports (
    run_id TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL
);
