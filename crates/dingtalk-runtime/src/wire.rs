//! The wire form of generated structs: what `#[derive(Wire)]` (re-exported as
//! [`crate::Wire`]) builds their `serde::Serialize` and `serde::Deserialize` from.
//!
//! Every generated struct is a JSON object of named fields, each optional (missing means
//! `None` or the field's default) unless the spec marks it required. For that one shape the
//! derive writes a field table, one `match` calling [`read`] per field, and one chain of
//! [`Writer`] calls; the deserializing visitor, the field-name lookup and the duplicate and
//! missing-field checks live here, once, instead of serde_derive's field enum, its visitor
//! and a sequence visitor in every struct. That is a fifth of serde_derive's lines, and it
//! more than halves `cargo check` of a generated group (BENCHMARKS.md); decoding costs what
//! serde_derive's code costs (within 1.2 % by instruction count).
//!
//! What a struct accepts from a JSON object is what serde's derive with the same attributes
//! accepts: unknown fields are ignored, a duplicate field and a missing required field are
//! errors naming the field, and the error messages are serde's. Unlike serde_derive's, a JSON
//! array is refused rather than read by position. What it writes is what serde's derive writes.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeStruct, Serializer};

/// A generated tagged union's wire form: an object whose [`TAG`](Self::TAG) field names the
/// variant and whose field of the same name holds the variant's value
/// (`{"msgtype": "text", "text": {…}}`). Implemented by `#[derive(Wire)]` on an enum with
/// `#[wire(tag = "…")]`; a struct field `#[wire(flatten = "…")]` writes it into the struct.
pub trait WireUnion: Sized {
    /// The enum's name, for error messages.
    const NAME: &'static str;
    /// The tag field's wire name.
    const TAG: &'static str;
    /// The variants' wire names (the tag's values), in declaration order.
    const VARIANTS: &'static [&'static str];

    /// The position of this value's variant in [`VARIANTS`](Self::VARIANTS).
    fn variant(&self) -> usize;

    /// Writes the variant's value as the field named after the variant.
    fn write_value<S: SerializeStruct>(&self, state: &mut S) -> Result<(), S::Error>;

    /// Reads the value of the variant at `index` (in [`VARIANTS`](Self::VARIANTS)).
    fn read_value<'de, A: MapAccess<'de>>(index: usize, map: &mut A) -> Result<Self, A::Error>;

    /// Reads the value of the variant named `name` (a field name of the enclosing object).
    fn read_named<'de, A: MapAccess<'de>>(name: &str, map: &mut A) -> Result<Self, A::Error> {
        match Self::VARIANTS.iter().position(|v| *v == name) {
            Some(index) => Self::read_value(index, map),
            None => Err(de::Error::unknown_variant(name, Self::VARIANTS)),
        }
    }
}

/// Serializes a [`WireUnion`] as its object: the tag, then the variant's field.
pub fn serialize_union<U: WireUnion, S: Serializer>(value: &U, serializer: S) -> Result<S::Ok, S::Error> {
    let mut state = serializer.serialize_struct(U::NAME, 2)?;
    state.serialize_field(U::TAG, U::VARIANTS[value.variant()])?;
    value.write_value(&mut state)?;
    state.end()
}

/// Deserializes a [`WireUnion`] from its object. The variant is the one whose field is
/// present; the tag, when present, must name it (a missing tag is inferred). Unknown fields
/// are ignored; two variants' fields, or none, are errors.
pub fn deserialize_union<'de, U: WireUnion, D: Deserializer<'de>>(deserializer: D) -> Result<U, D::Error> {
    deserializer.deserialize_map(UnionVisitor(PhantomData))
}

/// Reads a flattened union's tag inside its enclosing object: it must name a variant (which
/// variant the object holds is told by the variant field present).
pub fn read_tag<'de, U: WireUnion, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    let tag: String = map.next_value()?;
    match U::VARIANTS.contains(&tag.as_str()) {
        true => Ok(()),
        false => Err(de::Error::unknown_variant(&tag, U::VARIANTS)),
    }
}

struct UnionVisitor<U>(PhantomData<U>);

impl<'de, U: WireUnion> Visitor<'de> for UnionVisitor<U> {
    type Value = U;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} object with `{}`", U::NAME, U::TAG)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<U, A::Error> {
        let (mut tag, mut value): (Option<String>, Option<U>) = (None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == U::TAG {
                if tag.is_some() {
                    return Err(de::Error::duplicate_field(U::TAG));
                }
                tag = Some(map.next_value()?);
            } else if let Some(index) = U::VARIANTS.iter().position(|v| *v == key) {
                if let Some(first) = &value {
                    let message = format!("both `{}` and `{key}` are given", U::VARIANTS[first.variant()]);
                    return Err(de::Error::custom(message));
                }
                value = Some(U::read_value(index, &mut map)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        match (tag, value) {
            (_, None) => Err(de::Error::missing_field("the variant's value")),
            (Some(tag), Some(value)) if tag != U::VARIANTS[value.variant()] => Err(de::Error::custom(format!(
                "`{}` is `{tag}` but the value is in `{}`",
                U::TAG,
                U::VARIANTS[value.variant()]
            ))),
            (_, Some(value)) => Ok(value),
        }
    }
}

/// A generated struct's wire form: a JSON object with these fields. Implemented by
/// `#[derive(Wire)]`; its `Deserialize` calls [`deserialize`].
pub trait WireObject: Default {
    /// The struct's name, for error messages.
    const NAME: &'static str;
    /// The fields' wire names, in declaration order.
    const FIELDS: &'static [&'static str];
    /// Positions (in [`FIELDS`](Self::FIELDS)) of the fields that must be present.
    const REQUIRED: &'static [usize];

    /// Reads the value of the field at `index` (in [`FIELDS`](Self::FIELDS)) from `map`.
    fn read_field<'de, A: MapAccess<'de>>(&mut self, index: usize, map: &mut A) -> Result<(), A::Error>;
}

/// Deserializes a [`WireObject`] from a map (a JSON object): starts from `T::default()` and
/// reads each known field once.
pub fn deserialize<'de, T: WireObject, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_struct(T::NAME, T::FIELDS, ObjectVisitor(PhantomData))
}

/// Reads the value of one field into its place (what `WireObject::read_field` does per field).
#[inline]
pub fn read<'de, A: MapAccess<'de>, T: Deserialize<'de>>(map: &mut A, slot: &mut T) -> Result<(), A::Error> {
    *slot = map.next_value()?;
    Ok(())
}

/// Writes a struct's fields in order, keeping the first error: the body of a `#[derive(Wire)]`
/// `Serialize` is one chain of calls, `Writer::new(..).optional(..).field(..).end()`.
pub struct Writer<S: Serializer> {
    state: Result<S::SerializeStruct, S::Error>,
}

impl<S: Serializer> Writer<S> {
    /// Starts a struct named `name` of `len` fields (those that will be written).
    #[inline]
    pub fn new(serializer: S, name: &'static str, len: usize) -> Self {
        Writer { state: serializer.serialize_struct(name, len) }
    }

    /// Writes a field.
    #[inline]
    pub fn field<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Self {
        if let Ok(state) = &mut self.state
            && let Err(e) = state.serialize_field(name, value)
        {
            self.state = Err(e);
        }
        self
    }

    /// Writes a field when it is `Some` (as serde writes an `Option`), skips it when `None`.
    #[inline]
    pub fn optional<T: Serialize>(mut self, name: &'static str, value: &Option<T>) -> Self {
        if value.is_some() {
            return self.field(name, value);
        }
        if let Ok(state) = &mut self.state
            && let Err(e) = state.skip_field(name)
        {
            self.state = Err(e);
        }
        self
    }

    /// Writes a flattened union, when `Some`: its tag and its variant's field, as fields of the
    /// struct being written.
    #[inline]
    pub fn flatten<U: WireUnion>(mut self, value: &Option<U>) -> Self {
        if let (Ok(state), Some(value)) = (&mut self.state, value)
            && let Err(e) =
                state.serialize_field(U::TAG, U::VARIANTS[value.variant()]).and_then(|()| value.write_value(state))
        {
            self.state = Err(e);
        }
        self
    }

    /// Ends the struct.
    #[inline]
    pub fn end(self) -> Result<S::Ok, S::Error> {
        self.state?.end()
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: WireObject> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::default();
        let mut seen = Seen::default();
        while let Some(key) = map.next_key_seed(FieldKey(T::FIELDS))? {
            match key {
                Some(index) => {
                    if !seen.insert(index) {
                        return Err(de::Error::duplicate_field(T::FIELDS[index]));
                    }
                    value.read_field(index, &mut map)?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match T::REQUIRED.iter().find(|&&index| !seen.contains(index)) {
            Some(&index) => Err(de::Error::missing_field(T::FIELDS[index])),
            None => Ok(value),
        }
    }
}

/// A map key: the position of a known field name, `None` for any other key.
struct FieldKey(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldKey {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldKey {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| *name == key))
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| name.as_bytes() == key))
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<Self::Value, E> {
        Ok(usize::try_from(index).ok().filter(|&i| i < self.0.len()))
    }
}

/// Which fields were read: one word for the first 64 fields (no allocation), more words only
/// when a struct has more fields and one of those is read.
#[derive(Default)]
struct Seen {
    low: u64,
    high: Vec<u64>,
}

impl Seen {
    /// Marks `index`; false when it was already marked.
    #[inline]
    fn insert(&mut self, index: usize) -> bool {
        let (word, bit) = self.word_mut(index);
        let fresh = *word & bit == 0;
        *word |= bit;
        fresh
    }

    #[inline]
    fn word_mut(&mut self, index: usize) -> (&mut u64, u64) {
        let bit = 1u64 << (index % 64);
        if index < 64 {
            return (&mut self.low, bit);
        }
        let at = index / 64 - 1;
        if self.high.len() <= at {
            self.high.resize(at + 1, 0);
        }
        (&mut self.high[at], bit)
    }

    fn contains(&self, index: usize) -> bool {
        let word = if index < 64 { self.low } else { self.high.get(index / 64 - 1).copied().unwrap_or(0) };
        word & (1u64 << (index % 64)) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq)]
    struct Sample {
        name: Option<String>,
        ids: Vec<i64>,
        code: i64,
    }

    impl WireObject for Sample {
        const NAME: &'static str = "Sample";
        const FIELDS: &'static [&'static str] = &["name", "ids", "code"];
        const REQUIRED: &'static [usize] = &[2];

        fn read_field<'de, A: MapAccess<'de>>(&mut self, index: usize, map: &mut A) -> Result<(), A::Error> {
            match index {
                0 => self.name = map.next_value()?,
                1 => self.ids = map.next_value()?,
                2 => self.code = map.next_value()?,
                _ => {}
            }
            Ok(())
        }
    }

    impl<'de> serde::Deserialize<'de> for Sample {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer)
        }
    }

    fn parse(json: &str) -> Result<Sample, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_known_fields_ignores_others_and_defaults_the_missing() {
        assert_eq!(
            parse(r#"{"extra":{"deep":[1,2]},"code":3,"name":"x"}"#).unwrap(),
            Sample { name: Some("x".into()), ids: vec![], code: 3 }
        );
        assert_eq!(parse(r#"{"code":0,"name":null,"ids":[4]}"#).unwrap(), Sample { name: None, ids: vec![4], code: 0 });
    }

    #[test]
    fn a_missing_required_field_or_a_duplicate_is_named() {
        assert_eq!(parse(r#"{"name":"x"}"#).unwrap_err(), "missing field `code` at line 1 column 12");
        assert_eq!(parse(r#"{"code":1,"code":2}"#).unwrap_err(), "duplicate field `code` at line 1 column 16");
        assert_eq!(
            parse(r#"{"code":"1"}"#).unwrap_err(),
            "invalid type: string \"1\", expected i64 at line 1 column 11"
        );
        assert_eq!(parse("[1]").unwrap_err(), "invalid type: sequence, expected struct Sample at line 1 column 1");
    }

    #[test]
    fn many_fields_are_tracked_past_the_inline_bits() {
        let mut seen = Seen::default();
        assert!(!seen.contains(299) && !seen.contains(64));
        assert!(seen.insert(299) && !seen.insert(299) && seen.contains(299) && !seen.contains(3));
        assert!(!seen.contains(64) && !seen.contains(1000));
        assert!(seen.insert(9) && !seen.insert(9) && seen.contains(9) && !seen.contains(0));
        assert!(seen.insert(63) && seen.insert(64) && seen.contains(63) && seen.contains(64));
    }
}
