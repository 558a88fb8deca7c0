-- A person's "Language" setting: a BCP 47 tag of a language Roster ships ('en', 'de'), or NULL
-- to follow the browser's Accept-Language. No CHECK: adding a language to a build must not
-- need a migration, and a tag the running build does not ship reads as NULL (src/i18n.rs).
ALTER TABLE profiles ADD COLUMN language TEXT;
