// gratuitous_arp.cpp — see gratuitous_arp.hpp.
#include "frontends/shamand/gratuitous_arp.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pstorage::shamand {

namespace {
// An Ethernet/IPv4 ARP packet (RFC 826), without the link header.
struct [[gnu::packed]] arp_packet {
  uint16_t htype, ptype;
  uint8_t hlen, plen;
  uint16_t oper;
  uint8_t sha[6], spa[4], tha[6], tpa[4];
};
}  // namespace

bool send_gratuitous_arp(const std::string& dev, const std::string& cidr, std::string* why) {
  auto fail = [&](const std::string& what) {
    if (why) *why = "gratuitous ARP for " + cidr + " on " + dev + ": " + what + ": " + std::strerror(errno);
    return false;
  };
  const std::string addr = cidr.substr(0, cidr.find('/'));
  in_addr ip{};
  if (inet_pton(AF_INET, addr.c_str(), &ip) != 1) return true;  // IPv6 (or not an address): nothing to send
  if (dev.size() >= IFNAMSIZ) {
    errno = ENAMETOOLONG;
    return fail("device name");
  }
  const int s = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
  if (s < 0) return fail("socket(AF_PACKET)");
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, dev.c_str(), dev.size());
  if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
    close(s);
    return fail("SIOCGIFINDEX");
  }
  const int index = ifr.ifr_ifindex;
  if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) {
    close(s);
    return fail("SIOCGIFHWADDR");
  }
  arp_packet p{};
  p.htype = htons(ARPHRD_ETHER);
  p.ptype = htons(ETH_P_IP);
  p.hlen = 6;
  p.plen = 4;
  p.oper = htons(ARPOP_REQUEST);
  std::memcpy(p.sha, ifr.ifr_hwaddr.sa_data, 6);
  std::memcpy(p.spa, &ip, 4);
  std::memcpy(p.tpa, &ip, 4);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = index;
  to.sll_halen = 6;
  std::memset(to.sll_addr, 0xff, 6);
  const bool ok = sendto(s, &p, sizeof p, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == sizeof p;
  const int saved = errno;
  close(s);
  errno = saved;
  return ok || fail("sendto");
}

}  // namespace pstorage::shamand
