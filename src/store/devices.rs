//! The `known_devices` table: the devices each person signed in from, so that a sign-in from a
//! new one can be told to them by mail. A device is a user agent on a network (IPv4 /24, IPv6
//! /64), kept as the SHA-256 of the two; it is new when not seen for [`FORGET_AFTER`].

use std::net::IpAddr;

use sha2::{Digest, Sha256};

use crate::{
    error::{AppError, OrInternal},
    server::db::{query, Ex, Tx},
};

/// A device not seen for this long (seconds: 30 days) is new again.
pub const FORGET_AFTER: i64 = 30 * 24 * 3600;

/// The key of a device: SHA-256 of the user agent and the client's network.
pub fn key(user_agent: Option<&str>, ip: Option<IpAddr>) -> Vec<u8> {
    let network = match ip {
        Some(IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => {
                let [a, b, c, _] = v4.octets();
                format!("{a}.{b}.{c}.0/24")
            }
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".to_string(),
    };
    let mut h = Sha256::new();
    h.update(user_agent.unwrap_or("").as_bytes());
    h.update(b"\n");
    h.update(network.as_bytes());
    h.finalize().to_vec()
}

/// Whether a sign-in's device is news to its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// Seen within [`FORGET_AFTER`].
    Known,
    /// Not seen within [`FORGET_AFTER`], while others were seen before: worth a notice.
    New,
    /// The account's first device (an account an administrator made, signing in at last).
    First,
}

/// Records that `user_id` signed in from `device` at `now`, and says whether it is news.
///
/// Errors: `Internal` when a query fails.
pub async fn seen(tx: &mut Tx, user_id: i64, device: &[u8], now: i64) -> Result<Device, AppError> {
    #[derive(sqlx::FromRow)]
    struct Seen {
        devices: i64,
        last: Option<i64>,
    }
    let seen: Seen = query(
        "SELECT COUNT(*) AS devices, MAX(CASE WHEN device = $2 THEN last_seen END) AS last \
         FROM known_devices WHERE user_id = $1",
    )
    .bind(user_id)
    .bind(device)
    .fetch_one(&mut *tx)
    .await
    .or_internal()?;
    remember(&mut *tx, user_id, device, now).await?;
    Ok(match seen.last {
        Some(at) if now - at < FORGET_AFTER => Device::Known,
        _ if seen.devices == 0 => Device::First,
        _ => Device::New,
    })
}

/// Records `device` as seen by `user_id` at `now` (at sign-up, so the first sign-in from the
/// same browser is no news).
///
/// Errors: `Internal` when the write fails.
pub async fn remember(
    db: impl Into<Ex<'_>>,
    user_id: i64,
    device: &[u8],
    now: i64,
) -> Result<(), AppError> {
    query(
        "INSERT INTO known_devices (user_id, device, last_seen) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, device) DO UPDATE SET last_seen = excluded.last_seen",
    )
    .bind(user_id)
    .bind(device)
    .bind(now)
    .execute(db)
    .await
    .or_internal()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_its_browser_on_its_network() {
        let ua = Some("Firefox");
        let a = key(ua, "192.0.2.7".parse().ok());
        assert_eq!(a, key(ua, "192.0.2.200".parse().ok()), "same /24");
        assert_ne!(a, key(ua, "192.0.3.7".parse().ok()));
        assert_ne!(a, key(Some("Chrome"), "192.0.2.7".parse().ok()));
        let v6 = key(ua, "2001:db8:1:2:3::1".parse().ok());
        assert_eq!(v6, key(ua, "2001:db8:1:2:ffff::9".parse().ok()), "same /64");
        assert_ne!(v6, key(ua, "2001:db8:1:3::1".parse().ok()));
    }
}
