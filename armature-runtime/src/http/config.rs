use std::time::Duration;

/// Limits and timeouts of the server. The defaults close the gaps hyper
/// leaves open unless told (no header timeout without a timer, an `auto`
/// connection that waits forever for its first byte, idle keep-alive
/// connections kept forever, unbounded slow bodies).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body (413 beyond); routes may override it.
    pub body_limit: usize,
    /// A request's headers must arrive within this (HTTP/1). `None` turns
    /// it off (behind a proxy that already enforces one): hyper arms a timer
    /// per request for it, one allocation and a timer-wheel update each.
    pub header_read_timeout: Option<Duration>,
    /// A new connection must send its first byte within this.
    pub first_byte_timeout: Duration,
    /// A keep-alive connection with no request in flight is closed after this.
    pub idle_timeout: Duration,
    /// A request body must arrive within this (408).
    pub body_read_timeout: Duration,
    /// On shutdown, in-flight requests get this long to finish.
    pub shutdown_grace: Duration,
    /// HTTP/1.1: the largest request header block (request line and
    /// headers, 431 beyond). At least 8 KiB (hyper's smallest read buffer).
    pub max_header_bytes: usize,
    /// HTTP/2: the largest header list (HPACK-decoded) a client may send,
    /// advertised in SETTINGS; 431 beyond.
    pub h2_max_header_list_size: u32,
    /// HTTP/2: concurrent streams per connection.
    pub h2_max_concurrent_streams: u32,
    /// HTTP/2: streams reset by the client before the server accepted them
    /// (the rapid-reset attack, RUSTSEC-2024-0003).
    pub h2_max_pending_accept_reset_streams: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            body_limit: 2 * 1024 * 1024,
            header_read_timeout: Some(Duration::from_secs(10)),
            first_byte_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
            max_header_bytes: 64 * 1024,
            h2_max_header_list_size: 16 * 1024,
            h2_max_concurrent_streams: 256,
            h2_max_pending_accept_reset_streams: 20,
        }
    }
}
