//! Times as people read them: "3 minutes ago", "in 6 days", and an exact UTC form for tooltips.
//! Pure functions of their inputs, so the server and the hydrated page render the same text.

use ::time::OffsetDateTime;
use ::time::format_description::well_known::Rfc3339;
use ::time::macros::format_description;

/// Milliseconds since the Unix epoch from our ISO 8601 form (`2026-11-28T02:18:22.000Z`).
pub fn parse_iso(text: &str) -> Option<i64> {
    let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// "just now", "5 minutes ago", "in 6 days".
pub fn relative(at_millis: i64, now_millis: i64) -> String {
    let delta = (at_millis - now_millis) / 1000;
    let seconds = delta.abs();
    if seconds < 45 {
        return "just now".to_string();
    }
    let (amount, unit) = match seconds {
        s if s < 90 => (1, "minute"),
        s if s < 3600 => ((s + 30) / 60, "minute"),
        s if s < 5400 => (1, "hour"),
        s if s < 86_400 => ((s + 1800) / 3600, "hour"),
        s if s < 2 * 86_400 => (1, "day"),
        s if s < 45 * 86_400 => ((s + 43_200) / 86_400, "day"),
        s if s < 365 * 86_400 => ((s + 15 * 86_400) / (30 * 86_400), "month"),
        s => ((s + 182 * 86_400) / (365 * 86_400), "year"),
    };
    let plural = if amount == 1 { "" } else { "s" };
    if delta < 0 {
        format!("{amount} {unit}{plural} ago")
    } else {
        format!("in {amount} {unit}{plural}")
    }
}

/// "2026-11-28 02:18 UTC" from our ISO form (the text itself when it is not one).
pub fn exact(iso: &str) -> String {
    OffsetDateTime::parse(iso, &Rfc3339)
        .ok()
        .and_then(|at| {
            at.to_offset(::time::UtcOffset::UTC)
                .format(format_description!(
                    "[year]-[month]-[day] [hour]:[minute] UTC"
                ))
                .ok()
        })
        .unwrap_or_else(|| iso.to_string())
}

/// "3 Dec" for a day of the year `now_millis` falls in, "3 Dec 2025" otherwise (UTC).
pub fn day(at_millis: i64, now_millis: i64) -> String {
    let at = |millis: i64| {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok()
    };
    let (Some(at), Some(now)) = (at(at_millis), at(now_millis)) else {
        return String::new();
    };
    let formatted = if at.year() == now.year() {
        at.format(format_description!("[day padding:none] [month repr:short]"))
    } else {
        at.format(format_description!(
            "[day padding:none] [month repr:short] [year]"
        ))
    };
    formatted.unwrap_or_default()
}

/// The current time where this code runs.
pub fn now_millis() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_name_the_year_only_when_it_is_not_this_one() {
        let dec_3_2026 = 1_796_256_000_000; // 2026-12-03T00:00:00Z
        let nov_30_2026 = 1_795_996_800_000;
        assert_eq!(day(dec_3_2026, nov_30_2026), "3 Dec");
        assert_eq!(day(dec_3_2026, dec_3_2026 + 365 * 86_400_000), "3 Dec 2026");
    }

    #[test]
    fn iso_times_parse_back() {
        assert_eq!(parse_iso("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            parse_iso("2026-11-28T02:18:22.000Z"),
            Some(1_795_832_302_000)
        );
        assert_eq!(parse_iso("2000-02-29T00:00:00.123Z"), Some(951_782_400_123));
        assert_eq!(parse_iso("1969-12-31T23:59:59.999Z"), Some(-1));
        assert_eq!(parse_iso("yesterday"), None);
    }

    #[test]
    fn relative_times_read_naturally() {
        let minute = 60_000;
        let day = 86_400_000;
        assert_eq!(relative(0, 10_000), "just now");
        assert_eq!(relative(0, 3 * minute), "3 minutes ago");
        assert_eq!(relative(0, minute), "1 minute ago");
        assert_eq!(relative(6 * day, 0), "in 6 days");
        assert_eq!(relative(7 * day - minute, 0), "in 7 days");
        assert_eq!(relative(0, 2 * 3_600_000), "2 hours ago");
    }

    #[test]
    fn exact_times_are_utc() {
        assert_eq!(exact("2026-11-28T02:18:22.000Z"), "2026-11-28 02:18 UTC");
        assert_eq!(exact("soon"), "soon");
    }
}
