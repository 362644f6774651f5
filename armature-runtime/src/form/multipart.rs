//! `Multipart`: the parser driven by a request body, one chunk pulled
//! only when the parser needs one (never "until Pending": an always-ready
//! body is not buffered whole), the route's body limit and deadline
//! enforced as bytes arrive.

use std::pin::Pin;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use http_body_util::BodyExt;
use tokio::time::Instant;

use super::head::PartHead;
use super::limits::{FormError, FormErrorKind, FormLimits};
use super::parser::{Event, Parser, Step};
use crate::http::{
    BoxError, FromRequest, HttpError, IntoResponse, RequestBody, RequestContext, Response,
};

type ChunkStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

enum Source {
    Body(RequestBody),
    Stream(ChunkStream),
}

impl Source {
    async fn next(&mut self) -> Option<Result<Bytes, BoxError>> {
        match self {
            Source::Body(RequestBody::Incoming(body)) => loop {
                match body.frame().await? {
                    Ok(frame) => match frame.into_data() {
                        Ok(data) => return Some(Ok(data)),
                        // Trailers carry no form data.
                        Err(_) => continue,
                    },
                    Err(e) => return Some(Err(e.into())),
                }
            },
            Source::Body(body @ RequestBody::Full(_)) => match std::mem::take(body) {
                RequestBody::Full(bytes) => Some(Ok(bytes)),
                _ => None,
            },
            Source::Body(RequestBody::Empty) => None,
            Source::Stream(stream) => stream.next().await,
        }
    }
}

/// A streaming `multipart/form-data` body: read it field by field with
/// [`Multipart::next_field`], or all at once with
/// [`Multipart::collect`] / [`Multipart::save`].
///
/// As an extractor it requires `Content-Type: multipart/form-data` with a
/// valid boundary (415 / 400 otherwise) and applies the route's body limit
/// and deadline, and the [`FormLimits`] registered as app state (the
/// defaults when none is).
///
/// ```no_run
/// use armature_runtime::form::{FormError, Multipart};
///
/// async fn upload(mut form: Multipart) -> Result<String, FormError> {
///     let mut sizes = Vec::new();
///     while let Some(mut field) = form.next_field().await? {
///         let mut size = 0;
///         while let Some(chunk) = field.chunk().await? {
///             size += chunk.len();
///         }
///         sizes.push(format!("{}: {size}", field.name()));
///     }
///     Ok(sizes.join(", "))
/// }
/// ```
pub struct Multipart {
    parser: Parser,
    source: Source,
    received: u64,
    body_limit: u64,
    deadline: Option<Instant>,
    in_part: bool,
    failed: Option<FormError>,
    pub(super) limits: FormLimits,
}

impl std::fmt::Debug for Multipart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Multipart")
            .field("received", &self.received)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

impl Multipart {
    /// A multipart body from a request body, with `boundary` (the
    /// parameter's value, unquoted). No body limit or deadline: see
    /// [`Multipart::body_limit`] and [`Multipart::deadline`].
    pub fn new(
        body: impl Into<RequestBody>,
        boundary: &str,
        limits: FormLimits,
    ) -> Result<Self, FormError> {
        Self::from_source(Source::Body(body.into()), boundary, limits)
    }

    /// A multipart body from any stream of chunks.
    pub fn from_stream<S, E>(
        stream: S,
        boundary: &str,
        limits: FormLimits,
    ) -> Result<Self, FormError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let stream = stream.map(|r| r.map_err(Into::into));
        Self::from_source(Source::Stream(Box::pin(stream)), boundary, limits)
    }

    fn from_source(source: Source, boundary: &str, limits: FormLimits) -> Result<Self, FormError> {
        Ok(Self {
            parser: Parser::new(boundary, limits)?,
            source,
            received: 0,
            body_limit: u64::MAX,
            deadline: None,
            in_part: false,
            failed: None,
            limits,
        })
    }

    /// Refuses the body (413, `body_limit`) once it exceeds `bytes`.
    pub fn body_limit(mut self, bytes: u64) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Refuses the body (408) if it has not arrived by `deadline`.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> &FormLimits {
        &self.limits
    }

    /// The body bytes read so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The next field, skipping what is left of the previous one; `None`
    /// after the last.
    pub async fn next_field(&mut self) -> Result<Option<Field<'_>>, FormError> {
        while self.in_part {
            self.next_data().await?;
        }
        match self.event().await? {
            Event::Part(head) => {
                self.in_part = true;
                Ok(Some(Field { form: self, head }))
            }
            Event::End => Ok(None),
            Event::Data(_) | Event::PartEnd => {
                unreachable!("the parser opens a part before its data")
            }
        }
    }

    /// The current part's next chunk, `None` at its end.
    async fn next_data(&mut self) -> Result<Option<Bytes>, FormError> {
        if !self.in_part {
            return Ok(None);
        }
        match self.event().await? {
            Event::Data(bytes) => Ok(Some(bytes)),
            Event::PartEnd => {
                self.in_part = false;
                Ok(None)
            }
            Event::Part(_) | Event::End => unreachable!("the parser ends a part before the next"),
        }
    }

    async fn event(&mut self) -> Result<Event, FormError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let event = self.pull_event().await;
        if let Err(e) = &event {
            self.failed = Some(e.clone());
        }
        event
    }

    async fn pull_event(&mut self) -> Result<Event, FormError> {
        loop {
            if let Step::Event(event) = self.parser.step()? {
                return Ok(event);
            }
            let next = match self.deadline {
                None => self.source.next().await,
                Some(at) => tokio::time::timeout_at(at, self.source.next())
                    .await
                    .map_err(|_| {
                        FormError::new(
                            FormErrorKind::Timeout,
                            "the multipart body did not arrive in time",
                        )
                    })?,
            };
            match next {
                None => self.parser.finish(),
                Some(Err(e)) => {
                    return Err(FormError::malformed(format!(
                        "cannot read the request body: {e}"
                    )));
                }
                Some(Ok(chunk)) => {
                    self.received += chunk.len() as u64;
                    if self.received > self.body_limit {
                        return Err(body_too_large(self.body_limit));
                    }
                    self.parser.push(chunk);
                }
            }
        }
    }
}

fn body_too_large(limit: u64) -> FormError {
    FormError::limit(
        "body_limit",
        format!("the request body is larger than {limit} bytes (body_limit)"),
    )
}

/// One part of a [`Multipart`] body: its head (name, file name, content
/// type, headers) and its content, read chunk by chunk. Dropping it skips
/// the rest of its content.
#[derive(Debug)]
pub struct Field<'a> {
    form: &'a mut Multipart,
    head: PartHead,
}

impl Field<'_> {
    /// The part's head.
    pub fn head(&self) -> &PartHead {
        &self.head
    }

    /// The form field's name.
    pub fn name(&self) -> &str {
        self.head.name()
    }

    /// The client's file name, raw; see [`PartHead::safe_file_name`].
    pub fn file_name(&self) -> Option<&str> {
        self.head.file_name()
    }

    /// The part's `Content-Type`.
    pub fn content_type(&self) -> Option<&str> {
        self.head.content_type()
    }

    /// The next chunk of content; `None` at the end of the part.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, FormError> {
        self.form.next_data().await
    }

    /// The whole content, within the field or file limit.
    pub async fn bytes(&mut self) -> Result<Bytes, FormError> {
        let Some(first) = self.chunk().await? else {
            return Ok(Bytes::new());
        };
        // One chunk (the common small field) is returned as it came.
        let Some(second) = self.chunk().await? else {
            return Ok(first);
        };
        let mut all = bytes::BytesMut::from(first);
        all.extend_from_slice(&second);
        while let Some(chunk) = self.chunk().await? {
            all.extend_from_slice(&chunk);
        }
        Ok(all.freeze())
    }

    /// The whole content as UTF-8 text (400 if it is not).
    pub async fn text(&mut self) -> Result<String, FormError> {
        let bytes = self.bytes().await?;
        String::from_utf8(bytes.into()).map_err(|_| {
            FormError::malformed(format!("{}: the value is not UTF-8", self.head.label()))
        })
    }

    pub(super) fn into_head(self) -> PartHead {
        self.head
    }
}

/// `multipart/form-data; boundary=…` (quoted or not), or the reason why not.
fn boundary(ctx: &RequestContext) -> Result<String, FormError> {
    let given = ctx.header(http::header::CONTENT_TYPE).unwrap_or("");
    let mut params = given.split(';');
    let essence = params.next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        let got = if given.is_empty() {
            String::new()
        } else {
            format!(", got `{given}`")
        };
        return Err(FormError::new(
            FormErrorKind::UnsupportedType,
            format!("expected `Content-Type: multipart/form-data`{got}"),
        ));
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| {
            let v = v.trim();
            v.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v)
                .to_owned()
        })
        .ok_or_else(|| FormError::malformed("multipart/form-data without a boundary"))
}

impl FromRequest for Multipart {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        let reject = |e: FormError| e.into_response();
        let boundary = boundary(ctx).map_err(reject)?;
        let limits = ctx.state::<FormLimits>().copied().unwrap_or_default();
        let body_limits = ctx.body_limits();
        let max = body_limits.max_bytes as u64;
        if ctx
            .header(http::header::CONTENT_LENGTH)
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > max)
        {
            return Err(reject(body_too_large(max)));
        }
        let body = ctx.take_body().map_err(|e: HttpError| e.into_response())?;
        Ok(Multipart::new(body, &boundary, limits)
            .map_err(reject)?
            .body_limit(max)
            .deadline(Instant::now() + body_limits.deadline))
    }
}
