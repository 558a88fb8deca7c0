-- Substring search of the admin user list over email and display name, fast on 100,000 users:
-- an FTS5 table with the trigram tokenizer (case-insensitive, Unicode case folding), one row
-- per user (rowid = users.id), kept in step by the triggers below.
CREATE VIRTUAL TABLE user_search USING fts5 (email, display_name, tokenize = 'trigram');

INSERT INTO user_search (rowid, email, display_name)
    SELECT u.id, u.email, p.display_name FROM users u JOIN profiles p ON p.user_id = u.id;

-- A user is searchable once their profile exists (both are written in one transaction).
CREATE TRIGGER user_search_profile_insert AFTER INSERT ON profiles BEGIN
    INSERT INTO user_search (rowid, email, display_name)
        SELECT NEW.user_id, email, NEW.display_name FROM users WHERE id = NEW.user_id;
END;

CREATE TRIGGER user_search_name_update AFTER UPDATE OF display_name ON profiles BEGIN
    UPDATE user_search SET display_name = NEW.display_name WHERE rowid = NEW.user_id;
END;

CREATE TRIGGER user_search_email_update AFTER UPDATE OF email ON users BEGIN
    UPDATE user_search SET email = NEW.email WHERE rowid = NEW.id;
END;

CREATE TRIGGER user_search_user_delete AFTER DELETE ON users BEGIN
    DELETE FROM user_search WHERE rowid = OLD.id;
END;
