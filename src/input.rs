//! Reading JSON-shaped input from any serde source (a JS value in wasm, `serde_json` natively) with
//! the path of the first error.

use serde::{Deserialize, Deserializer};

use crate::Error;

/// Deserializes `T` and, on failure, reports where: `projects[3].inbound: unknown field ...`.
///
/// Both the wasm binding and the native tests read input through here, so both see the same errors.
pub fn parse<'de, T, D>(input: D) -> Result<T, Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    serde_path_to_error::deserialize(input).map_err(|err| {
        let path = err.path().to_string();
        // serde_path_to_error prints the root as ".".
        let path = if path == "." { String::new() } else { path };
        Error::invalid(path, err.into_inner().to_string())
    })
}
