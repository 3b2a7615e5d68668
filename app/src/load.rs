//! Data a page loads from a server function: a Leptos resource whose value the server renders
//! into the page and the browser reads back when it hydrates.
//!
//! Leptos's default resource codec reads that JSON with `serde_json::from_str`, while server
//! functions read their answers with `serde_json::from_slice`: the browser bundle then carried
//! two deserializers for every type a page both hydrates and refetches. `JsonSlice` reads the
//! same JSON through `from_slice`, so each type's deserializer is compiled once.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The JSON codec of every resource here (see the module's comment).
pub struct JsonSlice;

impl<T: Serialize> Encoder<T> for JsonSlice {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonSlice {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(json.as_bytes())
    }
}

/// A value loaded by a server function.
pub type Loaded<T> = Resource<T, JsonSlice>;

/// What a resource holds: sent from the server to the browser as JSON.
pub trait Value: Serialize + DeserializeOwned + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> Value for T {}

/// What a resource reloads on: a change of it fetches again.
pub trait Source: PartialEq + Clone + Send + Sync + 'static {}
impl<S: PartialEq + Clone + Send + Sync + 'static> Source for S {}

/// Loads in the background: the page streams while it loads (read it inside `<Suspense>`).
#[track_caller]
pub fn load<T: Value, S: Source, Fut: Future<Output = T> + Send + 'static>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T> {
    Resource::new_with_options(source, fetcher, false)
}

/// Loads before the page's HTML is sent (for what the first render needs, such as who is
/// signed in).
#[track_caller]
pub fn load_blocking<T: Value, S: Source, Fut: Future<Output = T> + Send + 'static>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T> {
    Resource::new_with_options(source, fetcher, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_it_writes() {
        let value = vec![Some("é \"quoted\" \u{1F600}".to_string()), None];
        let json = <JsonSlice as Encoder<Vec<Option<String>>>>::encode(&value).ok();
        assert_eq!(json.as_deref(), Some(r#"["é \"quoted\" 😀",null]"#));
        let back =
            json.and_then(|json| <JsonSlice as Decoder<Vec<Option<String>>>>::decode(&json).ok());
        assert_eq!(back, Some(value));
    }

    #[test]
    fn refuses_what_is_not_its_json() {
        assert!(<JsonSlice as Decoder<Vec<u8>>>::decode("[1, 2").is_err());
        assert!(<JsonSlice as Decoder<u8>>::decode("300").is_err());
    }
}
