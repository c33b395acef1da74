"""The store: schema and queries (SQLite), and near-duplicate clustering beside dedupe."""
