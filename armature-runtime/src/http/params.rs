//! Path parameters and the serde deserializer behind `Path<T>`: a single
//! value (`Path<u64>`), a tuple (`Path<(String, u32)>`) or a struct.

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

/// The parameters of the matched route, in path order.
#[derive(Debug, Clone, Default)]
pub struct PathParams {
    pub(crate) items: Vec<(String, String)>,
}

impl PathParams {
    /// A parameter's raw (percent-decoded) value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All parameters in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.items.iter().map(|(k, v)| (k.as_str(), v.as_str()))
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

pub(crate) struct ParamsDeserializer<'a>(pub &'a [(String, String)]);

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
        match self.0 {
            [(name, value)] => Ok(Value { name, value }),
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
        match self.0 {
            [(name, value)] => Value { name, value }.deserialize_any(visitor),
            _ => self.deserialize_map(visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_map(Map {
            items: self.0,
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
        visitor.visit_seq(Seq(self.0.iter()))
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
    items: &'a [(String, String)],
    next: Option<&'a (String, String)>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = ParamError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ParamError> {
        match self.items.split_first() {
            Some((first, rest)) => {
                self.items = rest;
                self.next = Some(first);
                seed.deserialize(first.0.as_str().into_deserializer())
                    .map(Some)
            }
            None => Ok(None),
        }
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

struct Seq<'a>(std::slice::Iter<'a, (String, String)>);

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = ParamError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ParamError> {
        match self.0.next() {
            Some((name, value)) => seed.deserialize(Value { name, value }).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn params(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
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
