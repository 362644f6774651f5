//! The multipart parser on arbitrary bytes: never panics, never holds
//! more than its limits allow, and gives the same parts (or the same
//! error kind) whether the body comes whole or in the chunks the fuzzer
//! chose. The first byte picks the chunk size, the second the boundary.
#![no_main]

use armature_runtime::form::{Event, FormErrorKind, FormLimits, Parser, Step};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

const BOUNDARIES: [&str; 4] = ["b", "XyZ", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "a b"];

type Parts = Vec<(String, Option<String>, Vec<u8>)>;

fn limits() -> FormLimits {
    FormLimits {
        max_parts: 64,
        max_part_header_bytes: 512,
        max_preamble_bytes: 256,
        max_field_bytes: 4096,
        ..FormLimits::default()
    }
}

fn parse(boundary: &str, body: &[u8], chunk: usize) -> Result<Parts, FormErrorKind> {
    let limits = limits();
    let mut parser = Parser::new(boundary, limits).map_err(|e| e.kind())?;
    let mut pieces = body.chunks(chunk);
    let mut parts: Parts = Vec::new();
    loop {
        let bound = limits.max_part_header_bytes + chunk + 2 * boundary.len() + 8;
        assert!(parser.buffered() <= bound, "{} bytes buffered", parser.buffered());
        match parser.step().map_err(|e| e.kind())? {
            Step::NeedMore => match pieces.next() {
                Some(p) => parser.push(Bytes::copy_from_slice(p)),
                None => parser.finish(),
            },
            Step::Event(Event::Part(h)) => {
                parts.push((h.name().into(), h.file_name().map(Into::into), Vec::new()))
            }
            Step::Event(Event::Data(d)) => {
                assert!(!d.is_empty());
                parts.last_mut().expect("data inside a part").2.extend_from_slice(&d)
            }
            Step::Event(Event::PartEnd) => {}
            Step::Event(Event::End) => return Ok(parts),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [chunk, which, body @ ..] = data else {
        return;
    };
    let boundary = BOUNDARIES[usize::from(*which) % BOUNDARIES.len()];
    let whole = parse(boundary, body, body.len().max(1));
    let split = parse(boundary, body, usize::from(*chunk).max(1));
    match (&whole, &split) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        // A limit may trip at a different point, never a different verdict.
        (Err(a), Err(b)) => assert_eq!(
            std::mem::discriminant(a),
            std::mem::discriminant(b)
        ),
        _ => panic!("whole: {whole:?}, split: {split:?}"),
    }
});
