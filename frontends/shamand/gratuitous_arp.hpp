// gratuitous_arp.hpp — tells the link that an HA resource's IPv4 address is
// now on this node (issue 18: "A resource's IP address moves with it";
// docs/ha.md "The agent"). `ip addr add` alone sends nothing: neighbours
// keep the old node's MAC address in their ARP caches until it times out
// (seconds), so clients would not reach the moved address. One gratuitous
// ARP request (sender = target = the address, broadcast) makes every
// neighbour that has an entry for it update it (Linux accepts the update
// once the entry is older than its locktime, 1 s by default).
#pragma once

#include <string>

namespace pstorage::shamand {

// Sends one gratuitous ARP request for `cidr` (ADDR/PREFIX or ADDR) on
// device `dev`. An IPv6 address is not announced (returns true; unsolicited
// neighbour advertisements are not built). False with `why` on failure.
bool send_gratuitous_arp(const std::string& dev, const std::string& cidr, std::string* why);

}  // namespace pstorage::shamand
