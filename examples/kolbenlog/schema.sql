-- Kolbenlog's tables. `kolben --app examples.kolbenlog init-db` runs this
-- file; `init-db --drop` drops the tables first.

-- AUTOINCREMENT: an id is never reused, even after a delete, so "every post
-- with an id above N" (the live feed's resume point) never skips or repeats one.
CREATE TABLE IF NOT EXISTS user (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT UNIQUE NOT NULL,
    password TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS post (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id INTEGER NOT NULL REFERENCES user (id),
    -- UTC, as SQLite writes it: 'YYYY-MM-DD HH:MM:SS'
    created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- the stored file name under UPLOAD_FOLDER (chosen by the app), or NULL
    image TEXT
);
