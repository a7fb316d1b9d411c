// meles/core/net/fetch.hpp — a small HTTP(S) client for fetching uploads by URL (TAP's
// UPLOAD=name,http://...).  Follows up to five redirects, verifies TLS certificates against
// the system's store, enforces a size limit and one deadline for the whole fetch, and streams
// the body into a sink.  Every address it connects to is checked first against a policy
// (server-side request forgery: no link-local or cloud metadata addresses ever, loopback and
// private networks only when allowed, never the daemon itself); it connects to exactly the
// addresses it checked, so DNS cannot answer differently in between.
// Thread-safety: reentrant; each call uses its own connection.
#pragma once

#include "meles/core/common/byte_sink.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace meles::net {

// What an IP address is, for the fetch policy.
enum class AddressKind {
	Public,
	Loopback,  // 127/8, ::1, and the unspecified 0.0.0.0/8 and :: (connecting there reaches this host)
	Private,   // 10/8, 172.16/12, 192.168/16, 100.64/10, 198.18/15, fc00::/7, fec0::/10
	LinkLocal, // 169.254/16, fe80::/10 (cloud metadata services live here)
	Reserved,  // multicast, broadcast, 240/4, anything that is not an address
};
// IPv4-mapped, IPv4-compatible and NAT64 (64:ff9b::/96) IPv6 addresses are classified by
// the IPv4 address they carry.
AddressKind classify_address(std::string_view ip);

struct FetchPolicy {
	bool allow_loopback = false;
	bool allow_private = false;
	// The daemon's own listening ports: any address of this host with one of these ports is
	// refused (a query uploading from the daemon itself would hold its resources twice, and
	// nested, all of them).
	std::vector<uint16_t> own_ports;
	// The daemon's public base URL: URLs below it, and its resolved address and port, are refused.
	std::string own_url;
};

// Throws Error(Validation) for unsupported URLs and refused addresses, Error(Io) for
// network problems and HTTP errors (naming the status), Error(Limit) when the body exceeds
// max_bytes, Error(Timeout) when the whole fetch takes longer than `timeout`.  The messages
// are for the log: they tell what the fetched host answered, which clients must not learn
// about hosts they cannot reach themselves.
void fetch(const std::string& url, uint64_t max_bytes, ByteSink& sink, std::chrono::seconds timeout,
           const FetchPolicy& policy);

} // namespace meles::net
