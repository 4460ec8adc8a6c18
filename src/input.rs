//! Reading input from any serde source (natively: `serde_json::Value`, a JSON string's deserializer)
//! into the typed input shapes.

use serde::{Deserialize, Deserializer};

use crate::value::{FromValue, Path, Value};
use crate::Error;

/// Reads `T` from any self-describing serde input; errors say where: `projects[3].inbound: ...`.
pub fn parse<'de, T, D>(input: D) -> Result<T, Error>
where
    T: FromValue,
    D: Deserializer<'de>,
{
    let value = Value::deserialize(input).map_err(|err| Error::invalid("", err.to_string()))?;
    T::from_value(&value, &Path::ROOT)
}
