//! Naming a browser for people: on the sessions page and in new-device mails.

/// A browser as people know it, read from its `User-Agent` by [`describe_user_agent`]: the
/// browser's and the system's names when it names them (product names, the same in every
/// language), else the raw text (at most 60 characters). `i18n::device` words it for a page or
/// a mail ("Firefox unter Linux"); `Display` gives the English ("Firefox on Linux").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    /// A known browser, and its system if known.
    Known {
        browser: &'static str,
        system: Option<&'static str>,
    },
    /// A user agent naming no browser this knows, as sent (cut to 60 characters).
    Other(String),
    /// No user agent at all.
    Unknown,
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Device::Known {
                browser,
                system: Some(system),
            } => write!(f, "{browser} on {system}"),
            Device::Known {
                browser,
                system: None,
            } => f.write_str(browser),
            Device::Other(raw) => f.write_str(raw),
            Device::Unknown => f.write_str("Unknown browser"),
        }
    }
}

/// The browser of a `User-Agent` header (see [`Device`]).
pub fn describe_user_agent(user_agent: &str) -> Device {
    // Order matters: Edge and Opera say "Chrome", Chrome says "Safari".
    const BROWSERS: [(&str, &str); 6] = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ];
    const SYSTEMS: [(&str, &str); 6] = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ];
    let browser = BROWSERS
        .iter()
        .find(|(marker, _)| user_agent.contains(marker))
        .map(|(_, name)| *name);
    let system = SYSTEMS
        .iter()
        .find(|(marker, _)| user_agent.contains(marker))
        .map(|(_, name)| *name);
    match browser {
        Some(browser) => Device::Known { browser, system },
        None if user_agent.is_empty() => Device::Unknown,
        None => Device::Other(user_agent.chars().take(60).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_named_by_browser_and_system() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe_user_agent(chrome).to_string(), "Chrome on Linux");
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(
            describe_user_agent(firefox).to_string(),
            "Firefox on Windows"
        );
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(iphone).to_string(), "Safari on iOS");
        assert_eq!(
            describe_user_agent("roster-tests/1.0"),
            Device::Other("roster-tests/1.0".into())
        );
        assert_eq!(describe_user_agent(""), Device::Unknown);
    }
}
