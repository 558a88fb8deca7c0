//! The second factors' rules, apart from storage: authenticator-app codes (TOTP, RFC 6238 with
//! the RFC's SHA-1, 6 digits and 30-second steps that every authenticator app reads from an
//! `otpauth://` URI; `totp-rs` computes them) and recovery codes (random, shown once, kept as
//! SHA-256).

use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};

/// Seconds per TOTP time step (RFC 6238 §4.1's default X).
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Steps accepted either side of now, for clocks that drift (RFC 6238 §5.2 recommends one).
pub const SKEW_STEPS: i64 = 1;
/// Bytes of a new seed: 160 bits, RFC 4226 §4's recommendation.
pub const SECRET_BYTES: usize = 20;
/// Recovery codes made at a time.
pub const RECOVERY_CODES: usize = 10;
/// The name authenticator apps show for Roster's entries.
pub const ISSUER: &str = "Roster";

/// A new random seed.
pub fn new_secret() -> Vec<u8> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut secret = vec![0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8], digits: usize, account: &str) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        digits,
        0,
        STEP_SECONDS as u64,
        secret.to_vec(),
        Some(ISSUER.to_string()),
        account.to_string(),
    )
}

/// The seed as people type it into an app: base32 (RFC 4648, no padding) in groups of four.
pub fn secret_text(secret: &[u8]) -> String {
    let plain = totp(secret, DIGITS, "").get_secret_base32();
    plain
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://totp/Roster:{account}?secret=...&issuer=Roster` URI apps scan.
pub fn otpauth_uri(secret: &[u8], account: &str) -> String {
    totp(secret, DIGITS, account).get_url()
}

/// `uri` as a QR code: an inline `<svg>` element (no image file, no JavaScript).
pub fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .dark_color(qrcode::render::svg::Color("#000000"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build();
            // The XML declaration has no place inside HTML.
            match svg.find("<svg") {
                Some(at) => svg[at..].replacen(
                    "<svg",
                    "<svg role=\"img\" aria-label=\"QR code for your authenticator app\"",
                    1,
                ),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

/// The time step of `now` (Unix seconds).
pub fn step_of(now: i64) -> i64 {
    now.div_euclid(STEP_SECONDS)
}

/// The code of `secret` for time step `step`, with `digits` digits.
pub fn code_at(secret: &[u8], step: i64, digits: usize) -> String {
    totp(secret, digits, "").generate((step.max(0) * STEP_SECONDS) as u64)
}

/// What was typed, as a code: the digits alone (spaces and dashes people copy are dropped);
/// `None` when it is not [`DIGITS`] digits.
pub fn normalise_code(typed: &str) -> Option<String> {
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The time step whose code `code` is, among now's and [`SKEW_STEPS`] either side (compared
/// in constant time); `None` when it is none of them.
pub fn matching_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    let current = step_of(now);
    let t = totp(secret, DIGITS, "");
    (current - SKEW_STEPS..=current + SKEW_STEPS)
        .find(|step| *step >= 0 && t.check(code, (*step * STEP_SECONDS) as u64))
}

/// The characters of recovery codes: lower-case letters and digits without the look-alikes
/// 0, 1, i, l, o (31 symbols: 4.95 bits each).
const RECOVERY_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Characters of a recovery code (60 bits), shown as three groups of four.
const RECOVERY_LENGTH: usize = 12;

/// A new recovery code, `xxxx-xxxx-xxxx`.
pub fn new_recovery_code() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut code = String::with_capacity(RECOVERY_LENGTH + 2);
    let mut made = 0;
    while made < RECOVERY_LENGTH {
        let mut byte = [0u8; 1];
        OsRng.fill_bytes(&mut byte);
        // 248 = 8 × 31: larger bytes are thrown away so every symbol is equally likely.
        if byte[0] >= 248 {
            continue;
        }
        if made > 0 && made % 4 == 0 {
            code.push('-');
        }
        code.push(RECOVERY_ALPHABET[(byte[0] % 31) as usize] as char);
        made += 1;
    }
    code
}

/// What was typed, as a recovery code: lower case, without spaces and dashes; `None` when it
/// cannot be one.
pub fn normalise_recovery_code(typed: &str) -> Option<String> {
    let plain: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (plain.len() == RECOVERY_LENGTH && plain.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
        .then_some(plain)
}

/// The stored form of a recovery code of `user_id`: SHA-256 over the account and the
/// normalised code (so equal codes of two accounts differ in the table).
pub fn recovery_hash(user_id: i64, normalised: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"roster recovery code\n");
    h.update(user_id.to_be_bytes());
    h.update(normalised.as_bytes());
    h.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII "12345678901234567890".
    #[test]
    fn rfc_6238_test_vectors() {
        let seed = b"12345678901234567890";
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(seed, step_of(time), 8), code, "T = {time}");
        }
    }

    #[test]
    fn a_code_matches_its_step_and_one_either_side_only() {
        let seed = new_secret();
        let now = 1_700_000_000;
        let step = step_of(now);
        for offset in -1..=1 {
            let code = code_at(&seed, step + offset, DIGITS);
            assert_eq!(matching_step(&seed, &code, now), Some(step + offset));
        }
        for offset in [-3, -2, 2, 3] {
            let code = code_at(&seed, step + offset, DIGITS);
            // A far step's code may collide with a near one's by chance (1 in 10^6 a pair).
            if (-1..=1).all(|o| code_at(&seed, step + o, DIGITS) != code) {
                assert_eq!(matching_step(&seed, &code, now), None, "offset {offset}");
            }
        }
        assert_eq!(normalise_code(" 123 456 "), Some("123456".into()));
        assert_eq!(normalise_code("12345"), None);
        assert_eq!(normalise_code("abcdef"), None);
    }

    #[test]
    fn the_uri_and_qr_code_name_roster_and_the_seed() {
        let seed = b"12345678901234567890";
        let uri = otpauth_uri(seed, "ann@example.org");
        assert_eq!(
            uri,
            "otpauth://totp/Roster:ann%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Roster"
        );
        assert_eq!(secret_text(seed), "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
        let svg = qr_svg(&uri);
        assert!(svg.starts_with("<svg role=\"img\""), "{svg:.60}");
        assert!(!svg.contains("<?xml"));
    }

    #[test]
    fn recovery_codes_have_their_format_and_hash_per_account() {
        let codes: Vec<String> = (0..200).map(|_| new_recovery_code()).collect();
        for code in &codes {
            assert_eq!(code.len(), 14, "{code}");
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), 3);
            assert!(groups.iter().all(|g| g.len() == 4));
            assert!(normalise_recovery_code(code).is_some());
        }
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len());
        let typed = codes[0].to_uppercase().replace('-', " ");
        let normal = normalise_recovery_code(&typed).unwrap();
        assert_eq!(normal, codes[0].replace('-', ""));
        assert_ne!(recovery_hash(1, &normal), recovery_hash(2, &normal));
        assert_eq!(recovery_hash(1, &normal).len(), 32);
        assert_eq!(
            normalise_recovery_code("0000-1111-oooo"),
            None,
            "look-alikes"
        );
        assert_eq!(normalise_recovery_code("short"), None);
    }
}
