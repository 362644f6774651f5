//! A bound test server on a free loopback port, and the clients that talk to it.

use std::net::SocketAddr;

use armature::App;
use armature::Shutdown;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

pub struct TestServer {
    pub addr: SocketAddr,
    pub handle: Shutdown,
    pub client: Client<HttpConnector, Full<Bytes>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start(app: App) -> TestServer {
        let server = app.bind("127.0.0.1:0").await.expect("bind");
        let addr = server.local_addr();
        let handle = server.shutdown_handle();
        let task = tokio::spawn(server.run());
        let client = Client::builder(TokioExecutor::new()).build_http();
        TestServer {
            addr,
            handle,
            client,
            task,
        }
    }

    pub async fn stopped(self) {
        self.task.await.unwrap().unwrap();
    }

    /// A bodyless request with the given headers.
    pub async fn request_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> hyper::Response<Incoming> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(Bytes::new())).unwrap();
        self.client.request(request).await.unwrap()
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> hyper::Response<Incoming> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let request = request
            .body(Full::new(Bytes::from(body.to_owned())))
            .unwrap();
        self.client.request(request).await.unwrap()
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> (u16, Value) {
        let response = self.request(method, path, Some(content_type), body).await;
        let status = response.status().as_u16();
        (status, json_body(response).await)
    }

    pub async fn json(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        self.send(method, path, "application/json", &body.to_string())
            .await
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.request("GET", path, None, "").await;
        let status = response.status().as_u16();
        (status, json_body(response).await)
    }

    /// GET over HTTP/2 with prior knowledge (h2c, no upgrade dance).
    pub async fn get_json_h2(&self, path: &str) -> (u16, String) {
        let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new())
            .http2_only(true)
            .build_http();
        let response = client
            .get(format!("http://{}{path}", self.addr).parse().unwrap())
            .await
            .unwrap();
        assert_eq!(response.version(), hyper::Version::HTTP_2);
        let status = response.status().as_u16();
        (status, text(response).await)
    }
}

pub async fn text(response: hyper::Response<Incoming>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn json_body(response: hyper::Response<Incoming>) -> Value {
    let text = text(response).await;
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// Sends raw bytes, returns everything until the server closes.
pub async fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one HTTP/1.1 response with a `content-length` from a kept-alive stream.
pub async fn read_response(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed mid-response");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return text.into_owned();
            }
        }
    }
}
