import GRDB

/// The store's tables, created and evolved by GRDB migrations. A migration, once
/// released, is never edited: later changes are new migrations appended here.
///
/// Boxes are stored as four REAL columns `x1, y1, x2, y2` in the toolkit's convention
/// (0-based continuous pixels, x2/y2 exclusive); formats convert on the way in and out.
enum Schema {
    /// The schema version a store carries (`PRAGMA user_version`): the number of migrations.
    public static var version: Int { migrator.migrations.count }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 datasets, images, annotations, runs") { db in
            try db.execute(sql: """
                CREATE TABLE datasets (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
                );

                -- An image is a file with given bytes: the same path with new bytes is a
                -- new image, the same bytes at another path are matched by content_hash.
                CREATE TABLE images (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    path TEXT NOT NULL,
                    width INTEGER NOT NULL,
                    height INTEGER NOT NULL,
                    content_hash TEXT NOT NULL,
                    file_size INTEGER NOT NULL,
                    UNIQUE (path, content_hash)
                );
                CREATE INDEX images_on_content_hash ON images(content_hash);

                -- Membership of images in datasets, with the name and id the annotation
                -- file used for the image so that export writes them back unchanged.
                CREATE TABLE dataset_images (
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
                    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    file_name TEXT NOT NULL,
                    external_id INTEGER,
                    PRIMARY KEY (dataset_id, image_id)
                );
                CREATE INDEX dataset_images_on_image_id ON dataset_images(image_id);

                -- Named subsets (VOC ImageSets/Main lists: train, val, trainval, test).
                CREATE TABLE splits (
                    dataset_id INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    image_id INTEGER NOT NULL,
                    PRIMARY KEY (dataset_id, name, image_id),
                    FOREIGN KEY (dataset_id, image_id)
                        REFERENCES dataset_images(dataset_id, image_id) ON DELETE CASCADE
                );

                -- Class names are global so that a model's detections and a dataset's
                -- ground truth meet on category_id.
                CREATE TABLE categories (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE
                );

                -- A dataset's classes: their order (YOLO class index, COCO list order)
                -- and the COCO category id and supercategory they were imported with.
                CREATE TABLE dataset_categories (
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
                    category_id INTEGER NOT NULL REFERENCES categories(id),
                    position INTEGER NOT NULL,
                    external_id INTEGER,
                    supercategory TEXT,
                    PRIMARY KEY (dataset_id, category_id)
                );

                -- Ground-truth boxes. `source` is the annotation file they came from and
                -- `format` its format; an import replaces a dataset image's boxes.
                CREATE TABLE annotations (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
                    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    category_id INTEGER NOT NULL REFERENCES categories(id),
                    x1 REAL NOT NULL,
                    y1 REAL NOT NULL,
                    x2 REAL NOT NULL,
                    y2 REAL NOT NULL,
                    difficult INTEGER NOT NULL DEFAULT 0,
                    truncated INTEGER NOT NULL DEFAULT 0,
                    iscrowd INTEGER NOT NULL DEFAULT 0,
                    pose TEXT,
                    area REAL,
                    external_id INTEGER,
                    source TEXT NOT NULL,
                    format TEXT NOT NULL
                );
                CREATE INDEX annotations_on_dataset_image_source ON annotations(dataset_id, image_id, source);
                CREATE INDEX annotations_on_image_id ON annotations(image_id);
                CREATE INDEX annotations_on_category_id ON annotations(category_id);

                -- One pipeline applied to a set of images. Runs started together by
                -- `detect compare` share a comparison_id.
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    pipeline TEXT NOT NULL,
                    model TEXT,
                    configuration TEXT NOT NULL DEFAULT '',
                    started_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    finished_at TEXT,
                    status TEXT NOT NULL DEFAULT 'running',
                    comparison_id INTEGER,
                    dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL
                );
                CREATE INDEX runs_on_comparison_id ON runs(comparison_id);
                CREATE INDEX runs_on_pipeline ON runs(pipeline);

                -- Images a run has finished: written in the same transaction as the
                -- image's detections, so a resumed run knows what to skip.
                CREATE TABLE run_images (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    finished_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    PRIMARY KEY (run_id, image_id)
                );

                CREATE TABLE detections (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    category_id INTEGER NOT NULL REFERENCES categories(id),
                    score REAL NOT NULL,
                    x1 REAL NOT NULL,
                    y1 REAL NOT NULL,
                    x2 REAL NOT NULL,
                    y2 REAL NOT NULL
                );
                CREATE INDEX detections_on_run_image ON detections(run_id, image_id);
                CREATE INDEX detections_on_image_id ON detections(image_id);

                -- Wall time of one stage on one image (image_id NULL for per-run work
                -- such as loading a model).
                CREATE TABLE stage_timings (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    image_id INTEGER REFERENCES images(id) ON DELETE CASCADE,
                    stage TEXT NOT NULL,
                    milliseconds REAL NOT NULL
                );
                CREATE INDEX stage_timings_on_run_stage ON stage_timings(run_id, stage);
                CREATE INDEX stage_timings_on_run_image ON stage_timings(run_id, image_id);
                """)
        }
        // Every file of a run findable by its path: two byte-identical files at
        // different paths share one `images` row, so `run_images` alone lost the
        // second path.
        migrator.registerMigration("v2 run_files") { db in
            try db.execute(sql: """
                CREATE TABLE run_files (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    path TEXT NOT NULL,
                    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    PRIMARY KEY (run_id, path)
                );
                CREATE INDEX run_files_on_image ON run_files(image_id);
                INSERT OR IGNORE INTO run_files (run_id, path, image_id)
                    SELECT r.run_id, i.path, r.image_id FROM run_images r JOIN images i ON i.id = r.image_id;
                """)
        }
        // Scale-out: every run has a globally unique id and, when it is one shard
        // of a larger run, its shard and group; a merged run lists the shard runs
        // it took in, so merging the same shard again changes nothing.
        migrator.registerMigration("v3 run uuids, shards, merges") { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN uuid TEXT;
                ALTER TABLE runs ADD COLUMN shard_index INTEGER;
                ALTER TABLE runs ADD COLUMN shard_count INTEGER;
                ALTER TABLE runs ADD COLUMN run_group TEXT;
                UPDATE runs SET uuid = lower(hex(randomblob(16))) WHERE uuid IS NULL;
                CREATE UNIQUE INDEX runs_on_uuid ON runs(uuid);
                CREATE TABLE run_shards (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    shard_uuid TEXT NOT NULL,
                    shard_index INTEGER,
                    shard_count INTEGER,
                    status TEXT NOT NULL,
                    merged_at TEXT NOT NULL,
                    PRIMARY KEY (run_id, shard_uuid)
                );
                """)
        }
        // One rule for image identity (ImageIdentity.swift): an image is a path
        // with its bytes. Stores written before it let a run's file share the
        // row of a byte-identical file at another path (an imported dataset
        // image, or the run's own earlier copy); each such file now gets its own
        // row with the run's results for it. The timings stay with the file
        // the run really processed: the row's own path when the run had it,
        // else the first copy.
        migrator.registerMigration("v4 one image per file") { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO images (path, width, height, content_hash, file_size)
                    SELECT f.path, i.width, i.height, i.content_hash, i.file_size
                    FROM run_files f JOIN images i ON i.id = f.image_id WHERE f.path != i.path
                    ORDER BY f.run_id, f.path;
                CREATE TEMP TABLE v4_moved AS
                    SELECT f.run_id AS run_id, f.path AS path, f.image_id AS old_id, n.id AS new_id
                    FROM run_files f JOIN images i ON i.id = f.image_id
                    JOIN images n ON n.path = f.path AND n.content_hash = i.content_hash
                    WHERE f.path != i.path;
                CREATE TEMP TABLE v4_unprocessed AS
                    SELECT run_id, old_id, MIN(new_id) AS first_id FROM v4_moved m
                    WHERE NOT EXISTS (SELECT 1 FROM run_files g JOIN images gi ON gi.id = g.image_id
                                      WHERE g.run_id = m.run_id AND g.image_id = m.old_id AND g.path = gi.path)
                    GROUP BY run_id, old_id;
                CREATE INDEX v4_moved_on_run_old ON v4_moved(run_id, old_id);
                CREATE INDEX v4_moved_on_run_path ON v4_moved(run_id, path);
                CREATE INDEX v4_unprocessed_on_run_old ON v4_unprocessed(run_id, old_id);
                INSERT INTO detections (run_id, image_id, category_id, score, x1, y1, x2, y2)
                    SELECT d.run_id, m.new_id, d.category_id, d.score, d.x1, d.y1, d.x2, d.y2
                    FROM v4_moved m JOIN detections d ON d.run_id = m.run_id AND d.image_id = m.old_id
                    ORDER BY m.new_id, d.id;
                INSERT OR IGNORE INTO run_images (run_id, image_id, finished_at)
                    SELECT m.run_id, m.new_id, r.finished_at
                    FROM v4_moved m JOIN run_images r ON r.run_id = m.run_id AND r.image_id = m.old_id;
                UPDATE stage_timings SET image_id = (SELECT u.first_id FROM v4_unprocessed u
                                                     WHERE u.run_id = stage_timings.run_id AND u.old_id = stage_timings.image_id)
                    WHERE EXISTS (SELECT 1 FROM v4_unprocessed u WHERE u.run_id = stage_timings.run_id AND u.old_id = stage_timings.image_id);
                DELETE FROM detections
                    WHERE EXISTS (SELECT 1 FROM v4_unprocessed u WHERE u.run_id = detections.run_id AND u.old_id = detections.image_id);
                DELETE FROM run_images
                    WHERE EXISTS (SELECT 1 FROM v4_unprocessed u WHERE u.run_id = run_images.run_id AND u.old_id = run_images.image_id);
                UPDATE run_files SET image_id = (SELECT m.new_id FROM v4_moved m WHERE m.run_id = run_files.run_id AND m.path = run_files.path)
                    WHERE EXISTS (SELECT 1 FROM v4_moved m WHERE m.run_id = run_files.run_id AND m.path = run_files.path);
                DROP TABLE v4_moved;
                DROP TABLE v4_unprocessed;
                """)
        }
        return migrator
    }
}
