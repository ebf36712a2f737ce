//! The client's address: the TCP peer, unless the peer is a trusted proxy (ALB, API
//! Gateway), whose `X-Forwarded-For` is then read from the right, skipping trusted hops.

use std::net::IpAddr;

use ipnet::IpNet;

pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer.to_canonical();
    if !is_trusted(&peer) {
        // An untrusted peer's X-Forwarded-For is whatever the caller wrote: ignored.
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.unwrap_or_default().rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip.to_canonical();
                if !is_trusted(&client) {
                    return client;
                }
            }
            Err(_) => return client,
        }
    }
    client
}

/// What anonymous limits are counted against: the address for IPv4, its /64 for IPv6 (one
/// subscriber holds a whole /64 and could otherwise rotate through fresh limits).
pub fn subject_net(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let net = ipnet::Ipv6Net::new(v6, 64).expect("64 is a valid prefix").trunc();
            net.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn forwarded_for_from_an_untrusted_peer_is_ignored() {
        let ip = client_ip("203.0.113.9".parse().unwrap(), Some("1.2.3.4"), &nets(&["10.0.0.0/8"]));
        assert_eq!(ip.to_string(), "203.0.113.9");
    }

    #[test]
    fn a_trusted_proxy_chain_is_walked_from_the_right() {
        let trusted = nets(&["10.0.0.0/8"]);
        let ip = client_ip(
            "10.0.0.5".parse().unwrap(),
            Some("6.6.6.6, 198.51.100.7, 10.1.2.3"),
            &trusted,
        );
        assert_eq!(
            ip.to_string(),
            "198.51.100.7",
            "the spoofable left part is not believed"
        );
        let ip = client_ip("10.0.0.5".parse().unwrap(), None, &trusted);
        assert_eq!(ip.to_string(), "10.0.0.5");
        let ip = client_ip("10.0.0.5".parse().unwrap(), Some("garbage"), &trusted);
        assert_eq!(ip.to_string(), "10.0.0.5");
    }

    #[test]
    fn ipv6_callers_are_counted_per_64_and_ipv4_callers_per_address() {
        assert_eq!(
            subject_net("2001:db8:1:2:aaaa::1".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            subject_net("2001:db8:1:2:bbbb::9".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
        assert_eq!(subject_net("198.51.100.7".parse().unwrap()), "198.51.100.7");
    }

    #[test]
    fn ipv4_mapped_ipv6_peers_match_ipv4_ranges() {
        let ip = client_ip(
            "::ffff:10.0.0.5".parse().unwrap(),
            Some("198.51.100.7"),
            &nets(&["10.0.0.0/8"]),
        );
        assert_eq!(ip.to_string(), "198.51.100.7");
    }
}
