-- The store's schema, version 1. Compiled into libej (lib/schema.c is
-- generated from this file); migrations append, never edit.
-- Integer primary keys everywhere; every person, class and subject also has
-- a unique readable key. School dates are TEXT 'YYYY-MM-DD', timestamps TEXT
-- UTC ISO 8601.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- school.yaml: the school's description and settings -------------------

CREATE TABLE school (              -- name, short_name, id, okpo, ogrn, inn, kpp,
	key   TEXT PRIMARY KEY,        -- address, phone, email, director …
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE settings (            -- marks.*, deadlines.*, attendance.*, accounts.*
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE years (
	id    INTEGER PRIMARY KEY,
	name  TEXT NOT NULL UNIQUE,    -- '2020-2021'
	start TEXT NOT NULL,
	end   TEXT NOT NULL
);

CREATE TABLE periods (
	id      INTEGER PRIMARY KEY,
	year_id INTEGER NOT NULL REFERENCES years(id),
	scheme  TEXT NOT NULL,         -- 'quarter' | 'half' | 'trimester'
	num     INTEGER NOT NULL,      -- 1..4
	name    TEXT NOT NULL,         -- '1 четверть'
	start   TEXT NOT NULL,
	end     TEXT NOT NULL,
	UNIQUE (year_id, scheme, num)
);

CREATE TABLE period_schemes (      -- which parallels use which scheme
	year_id  INTEGER NOT NULL REFERENCES years(id),
	parallel INTEGER NOT NULL,     -- 1..11
	scheme   TEXT NOT NULL,
	PRIMARY KEY (year_id, parallel)
) WITHOUT ROWID;

CREATE TABLE holidays (
	year_id INTEGER NOT NULL REFERENCES years(id),
	start   TEXT NOT NULL,
	end     TEXT NOT NULL,
	name    TEXT NOT NULL,
	PRIMARY KEY (year_id, start)
) WITHOUT ROWID;

CREATE TABLE work_types (
	id       INTEGER PRIMARY KEY,
	name     TEXT NOT NULL UNIQUE, -- 'контрольная'
	weight   REAL NOT NULL,
	deadline INTEGER NOT NULL,     -- days after the lesson to enter the mark
	written  INTEGER NOT NULL DEFAULT 0,
	dflt     INTEGER NOT NULL DEFAULT 0  -- the work type when none is given
);

CREATE TABLE subjects (
	id        INTEGER PRIMARY KEY,
	name      TEXT NOT NULL UNIQUE,  -- 'Алгебра'
	short     TEXT NOT NULL,
	passfail  INTEGER NOT NULL DEFAULT 0, -- зач/незач instead of marks
	two_marks INTEGER NOT NULL DEFAULT 0, -- a second mark in one cell allowed
	subgroups INTEGER NOT NULL DEFAULT 0  -- taught in N subgroups (0 = whole class)
);

CREATE TABLE bells (
	lesson INTEGER PRIMARY KEY,    -- lesson number in the day
	start  TEXT NOT NULL,          -- 'HH:MM'
	end    TEXT NOT NULL
);

CREATE TABLE staff (
	id         INTEGER PRIMARY KEY,
	login      TEXT NOT NULL UNIQUE,   -- Unix login: the readable key
	surname    TEXT NOT NULL,
	name       TEXT NOT NULL,
	patronymic TEXT NOT NULL DEFAULT '',
	email      TEXT NOT NULL DEFAULT '',
	phone      TEXT NOT NULL DEFAULT '',
	position   TEXT NOT NULL DEFAULT '',
	active     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE staff_roles (
	staff_id INTEGER NOT NULL REFERENCES staff(id),
	role     TEXT NOT NULL CHECK (role IN ('admin', 'deputy', 'teacher',
	             'classteacher', 'technician', 'secretary')),
	PRIMARY KEY (staff_id, role)
) WITHOUT ROWID;

CREATE TABLE classes (
	id         INTEGER PRIMARY KEY,
	year_id    INTEGER NOT NULL REFERENCES years(id),
	name       TEXT NOT NULL,          -- '5А'
	parallel   INTEGER NOT NULL CHECK (parallel BETWEEN 1 AND 11),
	letter     TEXT NOT NULL,
	teacher_id INTEGER REFERENCES staff(id),  -- class teacher
	UNIQUE (year_id, name)
);

CREATE TABLE load (                    -- teaching load
	teacher_id INTEGER NOT NULL REFERENCES staff(id),
	class_id   INTEGER NOT NULL REFERENCES classes(id),
	subject_id INTEGER NOT NULL REFERENCES subjects(id),
	subgroup   INTEGER NOT NULL DEFAULT 0,
	hours      REAL NOT NULL DEFAULT 0,
	PRIMARY KEY (class_id, subject_id, subgroup, teacher_id)
) WITHOUT ROWID;

CREATE TABLE timetable (
	class_id   INTEGER NOT NULL REFERENCES classes(id),
	weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
	lesson     INTEGER NOT NULL,
	subgroup   INTEGER NOT NULL DEFAULT 0,
	subject_id INTEGER NOT NULL REFERENCES subjects(id),
	room       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (class_id, weekday, lesson, subgroup)
) WITHOUT ROWID;

CREATE TABLE pilot (                   -- parallels keeping the paper journal too
	parallel INTEGER PRIMARY KEY
);

CREATE TABLE helpdesk (                -- the weekly help schedule
	id          INTEGER PRIMARY KEY,   -- order in school.yaml
	weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
	start       TEXT NOT NULL,
	end         TEXT NOT NULL,
	kind        TEXT NOT NULL,         -- 'техническая помощь'
	responsible TEXT NOT NULL
);

CREATE TABLE plan (                    -- the rollout plan
	id          INTEGER PRIMARY KEY,   -- order in school.yaml
	task        TEXT NOT NULL,
	due         TEXT NOT NULL,         -- as the order words it
	due_date    TEXT,                  -- a date when it has one
	responsible TEXT NOT NULL,
	done        TEXT                   -- date done, or NULL
);

-- the roster: pupils, class membership, parents --------------------------

CREATE TABLE pupils (
	id         INTEGER PRIMARY KEY,    -- the stable id
	ext_id     TEXT UNIQUE,            -- the office's own id, when it has one
	surname    TEXT NOT NULL,
	name       TEXT NOT NULL,
	patronymic TEXT NOT NULL DEFAULT '',
	birth_date TEXT,
	sex        TEXT NOT NULL DEFAULT '' CHECK (sex IN ('', 'м', 'ж')),
	joined     TEXT                    -- date joined the school
);

-- Membership as events: from start on, the pupil is in class_id (NULL:
-- has left the school). Arrivals, transfers and departures append rows;
-- marks made in the old class stay with the old class.
CREATE TABLE membership (
	pupil_id INTEGER NOT NULL REFERENCES pupils(id),
	start    TEXT NOT NULL,
	class_id INTEGER REFERENCES classes(id),
	reason   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (pupil_id, start)
) WITHOUT ROWID;
CREATE INDEX membership_class ON membership(class_id);

CREATE TABLE parents (
	id         INTEGER PRIMARY KEY,
	surname    TEXT NOT NULL,
	name       TEXT NOT NULL,
	patronymic TEXT NOT NULL DEFAULT '',
	phone      TEXT NOT NULL DEFAULT '',
	email      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE guardians (                -- parent (legal representative) of pupil
	parent_id INTEGER NOT NULL REFERENCES parents(id),
	pupil_id  INTEGER NOT NULL REFERENCES pupils(id),
	relation  TEXT NOT NULL DEFAULT '',  -- 'мать', 'отец', 'опекун' …
	PRIMARY KEY (parent_id, pupil_id)
) WITHOUT ROWID;
CREATE INDEX guardians_pupil ON guardians(pupil_id);

-- the journal: lessons, marks, attendance, period marks -----------------

CREATE TABLE lessons (
	id         INTEGER PRIMARY KEY,
	class_id   INTEGER NOT NULL REFERENCES classes(id),
	subject_id INTEGER NOT NULL REFERENCES subjects(id),
	subgroup   INTEGER NOT NULL DEFAULT 0,
	date       TEXT NOT NULL,
	num        INTEGER NOT NULL DEFAULT 1,  -- 2: the subject's second lesson that day
	teacher_id INTEGER REFERENCES staff(id), -- who taught it (a substitute)
	topic      TEXT NOT NULL DEFAULT '',
	homework   TEXT NOT NULL DEFAULT '',
	topic_at   TEXT,                        -- when the topic was entered
	homework_at TEXT,
	by_id      INTEGER REFERENCES staff(id), -- who entered the lesson
	at         TEXT NOT NULL,
	UNIQUE (class_id, subject_id, date, num, subgroup)
);

-- One mark per pupil per lesson cell (seq 2: a second mark where the
-- subject allows it). Clustered by lesson: a class × subject's marks are
-- one range of the B-tree.
CREATE TABLE marks (
	lesson_id INTEGER NOT NULL REFERENCES lessons(id),
	pupil_id  INTEGER NOT NULL REFERENCES pupils(id),
	seq       INTEGER NOT NULL DEFAULT 1,
	mark      TEXT NOT NULL,     -- '5' … '1', 'зач', 'незач', 'долг'
	work_id   INTEGER NOT NULL REFERENCES work_types(id),
	by_id     INTEGER NOT NULL REFERENCES staff(id),
	at        TEXT NOT NULL,     -- when entered (UTC)
	reason    TEXT NOT NULL DEFAULT '',  -- of the last correction
	PRIMARY KEY (lesson_id, pupil_id, seq)
) WITHOUT ROWID;

CREATE TABLE attendance (
	lesson_id INTEGER NOT NULL REFERENCES lessons(id),
	pupil_id  INTEGER NOT NULL REFERENCES pupils(id),
	code      TEXT NOT NULL CHECK (code IN ('н', 'у', 'б', 'оп')),
	by_id     INTEGER NOT NULL REFERENCES staff(id),
	at        TEXT NOT NULL,
	reason    TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (lesson_id, pupil_id)
) WITHOUT ROWID;

-- Period, year, exam and final marks of a pupil in a subject; kept with
-- the class the pupil was in when it was set.
CREATE TABLE term_marks (
	pupil_id   INTEGER NOT NULL REFERENCES pupils(id),
	subject_id INTEGER NOT NULL REFERENCES subjects(id),
	year_id    INTEGER NOT NULL REFERENCES years(id),
	period     TEXT NOT NULL,    -- '1'..'4' (the scheme's period), 'year', 'exam', 'final'
	class_id   INTEGER NOT NULL REFERENCES classes(id),
	mark       TEXT NOT NULL,    -- '5'..'2', 'н/а', 'осв', 'зач', 'незач'
	by_id      INTEGER NOT NULL REFERENCES staff(id),
	at         TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (pupil_id, subject_id, year_id, period)
) WITHOUT ROWID;
CREATE INDEX term_marks_class ON term_marks(class_id, subject_id);

-- parents' applications and consents, pupils' and parents' accounts ------

-- The current state of one document: a parent's (or, for a pupil of 14+,
-- the pupil's own: parent_id NULL) application for e-diary access or
-- consent to processing the pupil's personal data. A refusal or a
-- revocation replaces the state; the history keeps every earlier one.
CREATE TABLE consents (
	id        INTEGER PRIMARY KEY,
	pupil_id  INTEGER NOT NULL REFERENCES pupils(id),
	parent_id INTEGER REFERENCES parents(id),
	kind      TEXT NOT NULL CHECK (kind IN ('ediary', 'personal-data')),
	status    TEXT NOT NULL CHECK (status IN ('given', 'refused', 'revoked')),
	date      TEXT NOT NULL,              -- the document's (or revocation's) date
	form_no   TEXT NOT NULL DEFAULT '',   -- the paper form's number
	reason    TEXT NOT NULL DEFAULT '',
	by_id     INTEGER NOT NULL REFERENCES staff(id),
	at        TEXT NOT NULL
);
CREATE UNIQUE INDEX consents_key ON consents(pupil_id, ifnull(parent_id, 0), kind);
CREATE INDEX consents_parent ON consents(parent_id);

-- Accounts for the e-diary: one per pupil or parent (a parent's account
-- sees all their children through guardians). The login stays with the
-- person across revocations and re-issues.
CREATE TABLE accounts (
	id          INTEGER PRIMARY KEY,
	login       TEXT NOT NULL UNIQUE,      -- 'petrov.petr', 'ivanova.anna2'
	role        TEXT NOT NULL CHECK (role IN ('pupil', 'parent')),
	pupil_id    INTEGER UNIQUE REFERENCES pupils(id),   -- role 'pupil'
	parent_id   INTEGER UNIQUE REFERENCES parents(id),  -- role 'parent'
	status      TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
	must_change INTEGER NOT NULL DEFAULT 1,
	issued      TEXT NOT NULL,             -- issued or last reset (UTC)
	revoked     TEXT,                      -- when revoked (UTC)
	reason      TEXT NOT NULL DEFAULT '',  -- of the last reset or revocation
	by_id       INTEGER NOT NULL REFERENCES staff(id),
	CHECK ((role = 'pupil' AND pupil_id IS NOT NULL AND parent_id IS NULL) OR
	       (role = 'parent' AND parent_id IS NOT NULL AND pupil_id IS NULL))
);

-- The secrets: argon2id hashes as PHC strings (crypto_pwhash_str). Never
-- in the snapshot, so never in the history: a DB rebuilt from the history
-- has the accounts without them, and their passwords must be re-issued.
CREATE TABLE account_secrets (
	account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
	hash       TEXT NOT NULL
);

-- version 2 ---------------------------------------------------------------
-- (A store of version 1 is brought up to 2 at open by running what
-- follows this line: store.c, migrate().)

-- The day a staff member was hired, when known (ej-roster import staff,
-- school.yaml's staff): the newly arrived, for the portfolios' control.
CREATE TABLE staff_hired (
	staff_id INTEGER PRIMARY KEY REFERENCES staff(id),
	hired    TEXT NOT NULL
);

-- E-portfolios: a pupil's achievements, a teacher's education and
-- qualification documents. The file itself is a blob of the history
-- (under the person's portfolio directory); the database keeps its id,
-- so a file is stored once however often it is added.
CREATE TABLE portfolio (
	id       INTEGER PRIMARY KEY,
	pupil_id INTEGER REFERENCES pupils(id),
	staff_id INTEGER REFERENCES staff(id),
	kind     TEXT NOT NULL,              -- 'диплом' (school.yaml's portfolio.kinds)
	title    TEXT NOT NULL,
	date     TEXT NOT NULL,              -- the document's date
	issuer   TEXT NOT NULL DEFAULT '',
	level    TEXT NOT NULL DEFAULT '',   -- '', 'региональный' (portfolio.levels)
	file     TEXT NOT NULL,              -- the file's name as given
	type     TEXT NOT NULL,              -- its media type, found by libmagic
	size     INTEGER NOT NULL,
	blob     TEXT NOT NULL,              -- its git blob id (hex)
	by_id    INTEGER NOT NULL REFERENCES staff(id),
	at       TEXT NOT NULL,
	CHECK ((pupil_id IS NULL) <> (staff_id IS NULL))
);
CREATE INDEX portfolio_pupil ON portfolio(pupil_id);
CREATE INDEX portfolio_staff ON portfolio(staff_id);

-- version 3 ---------------------------------------------------------------
-- (A store of version 2 is brought up to 3 at open by running what
-- follows this line.)

-- Informing the parents (ej-report informed): the last diary each parent
-- was mailed for each child (ej-report diary --mail), and who mailed it.
-- Whether they read the e-diary the web host knows (ej-diary views).
CREATE TABLE diary_mailed (
	parent_id INTEGER NOT NULL REFERENCES parents(id),
	pupil_id  INTEGER NOT NULL REFERENCES pupils(id),
	at        TEXT NOT NULL,             -- UTC, 2020-09-14T07:30:00Z
	by_id     INTEGER NOT NULL REFERENCES staff(id),
	PRIMARY KEY (parent_id, pupil_id)
);
