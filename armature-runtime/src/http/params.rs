//! Path parameters and the serde deserializer behind `Path<T>`: a single
//! value (`Path<u64>`), a tuple (`Path<(String, u32)>`) or a struct.

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

/// The parameters of the matched route, in path order.
///
/// Names and values are stored inline while they fit (4 parameters, 46
/// bytes together: `/users/{id}` and most routes), so routing allocates
/// nothing; longer ones spill to the heap.
#[derive(Debug, Clone)]
pub struct PathParams(Repr);

const INLINE_BYTES: usize = 46;
const INLINE_PARAMS: usize = 4;

#[derive(Debug, Clone)]
enum Repr {
    Inline {
        /// Each parameter's name then value, back to back.
        text: [u8; INLINE_BYTES],
        len: u8,
        count: u8,
        /// Where each parameter's name and value end in `text`.
        ends: [(u8, u8); INLINE_PARAMS],
    },
    Heap(Vec<(String, String)>),
}

impl Default for PathParams {
    fn default() -> Self {
        PathParams(Repr::Inline {
            text: [0; INLINE_BYTES],
            len: 0,
            count: 0,
            ends: [(0, 0); INLINE_PARAMS],
        })
    }
}

impl PathParams {
    /// Appends a parameter (the router, in path order).
    pub(crate) fn push(&mut self, name: &str, value: &str) {
        if let Repr::Inline {
            text,
            len,
            count,
            ends,
        } = &mut self.0
        {
            let (at, n, v) = (*len as usize, name.len(), value.len());
            if (*count as usize) < INLINE_PARAMS && at + n + v <= INLINE_BYTES {
                text[at..at + n].copy_from_slice(name.as_bytes());
                text[at + n..at + n + v].copy_from_slice(value.as_bytes());
                ends[*count as usize] = ((at + n) as u8, (at + n + v) as u8);
                *len = (at + n + v) as u8;
                *count += 1;
                return;
            }
            let spilled = self
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            self.0 = Repr::Heap(spilled);
        }
        if let Repr::Heap(items) = &mut self.0 {
            items.push((name.to_owned(), value.to_owned()));
        }
    }

    /// How many parameters the route has.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Inline { count, .. } => *count as usize,
            Repr::Heap(items) => items.len(),
        }
    }

    /// Whether the route has no parameters.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`th parameter's name and value.
    fn pair(&self, i: usize) -> (&str, &str) {
        match &self.0 {
            Repr::Inline { text, ends, .. } => {
                let start = if i == 0 { 0 } else { ends[i - 1].1 as usize };
                let (name_end, value_end) = (ends[i].0 as usize, ends[i].1 as usize);
                // SAFETY: `push` copies whole `&str`s into `text` and these
                // ranges are exactly their bounds, so each is UTF-8. (This
                // runs for every path parameter of every request; checking
                // again cost a third of the extraction.)
                let text =
                    |r: std::ops::Range<usize>| unsafe { std::str::from_utf8_unchecked(&text[r]) };
                (text(start..name_end), text(name_end..value_end))
            }
            Repr::Heap(items) => (&items[i].0, &items[i].1),
        }
    }

    /// A parameter's raw (percent-decoded) value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// All parameters in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        (0..self.len()).map(|i| self.pair(i))
    }
}

/// Why a parameter did not deserialize; the message names it.
#[derive(Debug)]
pub struct ParamError(pub String);

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParamError {}

impl de::Error for ParamError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ParamError(msg.to_string())
    }
}

pub(crate) struct ParamsDeserializer<'a>(pub &'a PathParams);

/// One parameter's value; numbers and bools parse from the text.
struct Value<'a> {
    name: &'a str,
    value: &'a str,
}

impl Value<'_> {
    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, ParamError> {
        self.value.parse().map_err(|_| {
            ParamError(format!(
                "path parameter `{}` must be {what}, got {:?}",
                self.name, self.value
            ))
        })
    }
}

macro_rules! parse_as {
    ($($method:ident => $visit:ident: $ty:ty, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
            visitor.$visit(self.parse::<$ty>($what)?)
        }
    )*};
}

impl<'de> Deserializer<'de> for Value<'de> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_borrowed_str(self.value)
    }

    parse_as! {
        deserialize_bool => visit_bool: bool, "true or false";
        deserialize_i8 => visit_i8: i8, "an integer";
        deserialize_i16 => visit_i16: i16, "an integer";
        deserialize_i32 => visit_i32: i32, "an integer";
        deserialize_i64 => visit_i64: i64, "an integer";
        deserialize_i128 => visit_i128: i128, "an integer";
        deserialize_u8 => visit_u8: u8, "a non-negative integer";
        deserialize_u16 => visit_u16: u16, "a non-negative integer";
        deserialize_u32 => visit_u32: u32, "a non-negative integer";
        deserialize_u64 => visit_u64: u64, "a non-negative integer";
        deserialize_u128 => visit_u128: u128, "a non-negative integer";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
        deserialize_char => visit_char: char, "one character";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        visitor.visit_enum(self.value.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de> ParamsDeserializer<'de> {
    fn single(&self) -> Result<Value<'de>, ParamError> {
        match self.0.len() {
            1 => {
                let (name, value) = self.0.pair(0);
                Ok(Value { name, value })
            }
            _ => Err(ParamError(format!(
                "the route has {} path parameters; extract them as a tuple or a struct",
                self.0.len()
            ))),
        }
    }
}

/// A single parameter deserializes as that one value.
macro_rules! single_value {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
            self.single()?.$method(visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for ParamsDeserializer<'de> {
    type Error = ParamError;

    single_value!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_option
    );

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match self.0.len() {
            1 => {
                let (name, value) = self.0.pair(0);
                Value { name, value }.deserialize_any(visitor)
            }
            _ => self.deserialize_map(visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_map(Map {
            params: self.0,
            at: 0,
            next: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_seq(Seq {
            params: self.0,
            at: 0,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        if len != self.0.len() {
            return Err(ParamError(format!(
                "the route has {} path parameters, the extractor expects {len}",
                self.0.len()
            )));
        }
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bytes byte_buf unit unit_struct identifier ignored_any
    }
}

struct Map<'a> {
    params: &'a PathParams,
    at: usize,
    next: Option<(&'a str, &'a str)>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = ParamError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ParamError> {
        if self.at == self.params.len() {
            return Ok(None);
        }
        let (name, value) = self.params.pair(self.at);
        self.at += 1;
        self.next = Some((name, value));
        seed.deserialize(name.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ParamError> {
        let (name, value) = self
            .next
            .take()
            .ok_or_else(|| ParamError("value without a key".into()))?;
        seed.deserialize(Value { name, value })
    }
}

struct Seq<'a> {
    params: &'a PathParams,
    at: usize,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = ParamError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ParamError> {
        if self.at == self.params.len() {
            return Ok(None);
        }
        let (name, value) = self.params.pair(self.at);
        self.at += 1;
        seed.deserialize(Value { name, value }).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn params(p: &[(&str, &str)]) -> PathParams {
        let mut params = PathParams::default();
        for (k, v) in p {
            params.push(k, v);
        }
        params
    }

    #[test]
    fn inline_then_spilled_keep_order_and_text() {
        let long = "x".repeat(40);
        let cases: [&[(&str, &str)]; 3] = [
            &[("id", "42")],
            &[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")],
            &[("org", "acme"), ("file", &long)],
        ];
        for case in cases {
            let p = params(case);
            assert_eq!(p.iter().collect::<Vec<_>>(), case.to_vec());
            assert_eq!(p.get(case[0].0), Some(case[0].1));
        }
        assert!(matches!(params(cases[0]).0, Repr::Inline { .. }));
        assert!(matches!(params(cases[1]).0, Repr::Heap(_)));
        assert!(matches!(params(cases[2]).0, Repr::Heap(_)));
    }

    #[test]
    fn single_tuple_struct() {
        let one = params(&[("id", "42")]);
        assert_eq!(u64::deserialize(ParamsDeserializer(&one)).unwrap(), 42);
        assert_eq!(String::deserialize(ParamsDeserializer(&one)).unwrap(), "42");
        let two = params(&[("org", "acme"), ("n", "7")]);
        assert_eq!(
            <(String, u32)>::deserialize(ParamsDeserializer(&two)).unwrap(),
            ("acme".to_string(), 7)
        );
        #[derive(Deserialize, PartialEq, Debug)]
        struct P {
            org: String,
            n: u8,
        }
        assert_eq!(
            P::deserialize(ParamsDeserializer(&two)).unwrap(),
            P {
                org: "acme".into(),
                n: 7
            }
        );
    }

    #[test]
    fn errors_name_the_parameter() {
        let one = params(&[("id", "abc")]);
        let e = u64::deserialize(ParamsDeserializer(&one)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "path parameter `id` must be a non-negative integer, got \"abc\""
        );
    }
}
