//! Helpers shared by every test binary and bench, each under one name:
//! `support::http` (a bound test server and raw-socket clients) and
//! `support::redis` (real Redis servers and a 3-node cluster on free
//! loopback ports). Each binary uses part of it.
#![allow(dead_code)]

pub mod http;
pub mod redis;
