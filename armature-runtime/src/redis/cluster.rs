//! What a cluster says about itself. A handle built from one seed node
//! reaches every slot through the client, but a per-node command (SCAN)
//! must be sent to every master the cluster has now, not to the seeds the
//! caller happened to list.

use redis::cluster_async::ClusterConnection;

use super::RedisError;

/// A master node as the cluster reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterNode {
    /// The address the node announces.
    pub host: String,
    /// Its client port.
    pub port: u16,
}

impl ClusterNode {
    /// `seed` (a node URL the caller gave: scheme, credentials, database)
    /// pointed at this node instead.
    pub fn url_like(&self, seed: &str) -> String {
        let pointed = url::Url::parse(seed).ok().and_then(|mut url| {
            url.set_host(Some(&self.host)).ok()?;
            url.set_port(Some(self.port)).ok()?;
            Some(url.to_string())
        });
        pointed.unwrap_or_else(|| format!("redis://{}:{}", self.host, self.port))
    }
}

/// Every master currently serving slots, from `CLUSTER NODES` (asked again
/// on every call, so a topology change is seen).
pub async fn cluster_masters(conn: &mut ClusterConnection) -> Result<Vec<ClusterNode>, RedisError> {
    let text: String = redis::cmd("CLUSTER").arg("NODES").query_async(conn).await?;
    Ok(parse_masters(&text))
}

/// `<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>…`
fn parse_masters(text: &str) -> Vec<ClusterNode> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let flags = fields.get(2)?.split(',').collect::<Vec<_>>();
            let healthy = flags.contains(&"master")
                && !flags
                    .iter()
                    .any(|f| matches!(*f, "fail" | "fail?" | "handshake" | "noaddr"));
            // A master without slots holds no keys.
            if !healthy || fields.len() <= 8 {
                return None;
            }
            let address = fields.get(1)?.split(['@', ',']).next()?;
            let (host, port) = address.rsplit_once(':')?;
            Some(ClusterNode {
                host: host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
                port: port.parse().ok()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_healthy_masters_with_slots() {
        let text = "\
07c3 127.0.0.1:30004@40004 slave e7d1 0 1426238317239 4 connected
67ed 127.0.0.1:30002@40002,node-b master - 0 1426238316232 2 connected 5461-10922
292f 127.0.0.1:30003@40003 master - 0 1426238318243 3 connected 10923-16383
6ec2 127.0.0.1:30005@40005 master,fail - 1426238316232 0 5 disconnected 1-2
824f 127.0.0.1:30006@40006 master - 0 0 6 connected
e7d1 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-5460
";
        let masters: Vec<u16> = parse_masters(text).iter().map(|n| n.port).collect();
        assert_eq!(masters, [30002, 30003, 30001]);
    }

    #[test]
    fn keeps_the_seeds_scheme_and_credentials() {
        let node = ClusterNode {
            host: "10.0.0.7".into(),
            port: 7001,
        };
        assert_eq!(
            node.url_like("redis://:secret@127.0.0.1:7000/"),
            "redis://:secret@10.0.0.7:7001/"
        );
        assert_eq!(node.url_like("not a url"), "redis://10.0.0.7:7001");
    }
}
