// pstorage-hostile-peer — a test-only tool that plays a peer the cluster must
// not obey (tests/integration/hostile_peers.sh; docs/security.md). Never
// installed.
//
// As a CAF node (it is not the master MDS: its node id is its own):
//   hostile-peer CS_ADDR create CHUNK VERSION EPOCH
//   hostile-peer CS_ADDR delete CHUNK EPOCH
//   hostile-peer CS_ADDR set-version CHUNK OLD NEW EPOCH
//   hostile-peer CS_ADDR replicate CHUNK VERSION SOURCE_ADDR EPOCH
//   hostile-peer CS_ADDR start ADDR          (the daemon-only start message)
//   hostile-peer CS_ADDR read CHUNK VERSION OFFSET LENGTH
//   hostile-peer CS_ADDR kill                (an exit message, reason kill)
// print "status CODE MESSAGE" (read: also "bytes N") and exit 0 when the CS
// answered, 2 when it did not. start and kill send no request: they print
// "sent", then ping the CS on the same connection ("ping: status 0 ..." or
// "ping: no answer ...", exit 2).
//
// As a raw TCP client of any port (no CAF):
//   hostile-peer ADDR garbage SECONDS        4 KiB of random bytes
//   hostile-peer ADDR half-open SECONDS      connect, send nothing
//   hostile-peer ADDR slowloris SECONDS      a BASP header one byte per 500 ms
//   hostile-peer ADDR huge-header SECONDS    a valid BASP header announcing a
//                                            payload of 0xFFFFFFF0 bytes
// With $PSTORAGE_CLUSTER set, the CAF commands use the TLS credentials of
// that cluster in $PSTORAGE_CONFIG_DIR (persistence/node_tls.hpp), as any
// authenticated node would: a cluster member that is not the master.
// Without it (or with $PSTORAGE_ENCRYPTION=off) it speaks plain BASP.
// print "closed after MS ms" when the peer closed the connection within
// SECONDS, "open after SECONDS s" otherwise (exit 0 either way; 2 when the
// connection could not be made).
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/common/node_config.hpp"
#include "actors/common/transport.hpp"
#include "persistence/node_tls.hpp"
#include "actors/cs/cs_api.hpp"
#include "protocol/common.capnp.h"
#include "protocol/endpoint.hpp"

using namespace pstorage;
namespace p = pstorage::proto;
using clock_type = std::chrono::steady_clock;

namespace {

int usage() {
  std::cerr << "usage: pstorage-hostile-peer ADDR:PORT COMMAND ARGS... (see tests/tools/hostile_peer.cpp)\n";
  return 64;
}

// ---- raw TCP -------------------------------------------------------------------

int connect_tcp(const endpoint& ep) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(ep.host.c_str(), std::to_string(ep.port).c_str(), &hints, &res) != 0 || !res) return -1;
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (fd >= 0 && ::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

// True when the peer closed (EOF or reset) before `until`; reads and drops
// whatever it sends meanwhile (the BASP server handshake).
bool closed_before(int fd, clock_type::time_point until) {
  char buf[4096];
  while (clock_type::now() < until) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now()).count();
    pollfd pfd{fd, POLLIN, 0};
    int r = poll(&pfd, 1, static_cast<int>(std::max<long long>(1, std::min<long long>(left, 100))));
    if (r < 0) return true;
    if (r == 0) continue;
    auto n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return true;
  }
  return false;
}

// A BASP 0.17 header (32 bytes, network byte order): direct_message to actor
// 1 announcing `payload_len` bytes.
std::vector<unsigned char> basp_header(uint32_t payload_len) {
  std::vector<unsigned char> h(32, 0);
  h[0] = 0x02;  // direct_message
  for (int i = 0; i < 4; ++i) h[4 + i] = static_cast<unsigned char>(payload_len >> (24 - 8 * i));
  h[31] = 1;  // dest_actor = 1
  return h;
}

int raw_attack(const endpoint& ep, const std::string& cmd, double seconds) {
  int fd = connect_tcp(ep);
  if (fd < 0) {
    std::cout << "cannot connect\n";
    return 2;
  }
  const auto start = clock_type::now();
  const auto until = start + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  bool closed = false;
  if (cmd == "garbage") {
    std::mt19937 rng(42);
    std::vector<unsigned char> junk(4096);
    for (auto& c : junk) c = static_cast<unsigned char>(rng());
    junk[0] = 0x7f;  // not a BASP operation
    (void)!send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
    closed = closed_before(fd, until);
  } else if (cmd == "half-open") {
    closed = closed_before(fd, until);
  } else if (cmd == "slowloris") {
    auto h = basp_header(64);
    for (size_t i = 0; !closed && clock_type::now() < until; ++i) {
      if (send(fd, &h[i % h.size()], 1, MSG_NOSIGNAL) < 0) {
        closed = true;
        break;
      }
      closed = closed_before(fd, std::min(until, clock_type::now() + std::chrono::milliseconds(500)));
    }
  } else if (cmd == "huge-header") {
    auto h = basp_header(0xFFFFFFF0u);
    (void)!send(fd, h.data(), h.size(), MSG_NOSIGNAL);
    closed = closed_before(fd, until);
  } else {
    ::close(fd);
    return usage();
  }
  ::close(fd);
  if (closed)
    std::cout << "closed after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count() << " ms\n";
  else
    std::cout << "open after " << seconds << " s\n";
  return 0;
}

// ---- CAF requests ----------------------------------------------------------------

template <class Resp, class Req>
int ask(caf::actor_system& sys, const cs_api& cs, Req req, bool print_bytes = false) {
  caf::scoped_actor self{sys};
  int rc = 2;
  self->request(cs, std::chrono::seconds(10), std::move(req))
      .receive(
          [&](Resp& a) {
            auto d = wire::decode(a);
            if (!d) {
              std::cout << "undecodable answer: " << d.error << "\n";
              return;
            }
            std::cout << "status " << d->getStatus().getCode() << " " << d->getStatus().getMessage().cStr() << "\n";
            if (print_bytes) std::cout << "bytes " << a.payload.size() << "\n";
            rc = 0;
          },
          [&](caf::error& e) { std::cout << "no answer: " << sys.render(e) << "\n"; });
  return rc;
}

// After a message without answer: a ping on the same connection (BASP keeps
// the order) shows it was delivered, or that the CS is gone.
int ping(caf::actor_system& sys, const cs_api& cs) {
  std::cout << "ping: ";
  return ask<msg::cs_to_client_ping>(sys, cs, wire::make<p::ClientToCsPing>([](auto b) { b.setNonce(7); }));
}

uint64_t num(const char* s) { return std::stoull(s); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string err;
  auto ep = parse_endpoint(argv[1], &err);
  if (!ep || ep->port == 0) {
    std::cerr << "bad address '" << argv[1] << "': " << err << "\n";
    return 64;
  }
  const std::string cmd = argv[2];
  if (cmd == "garbage" || cmd == "half-open" || cmd == "slowloris" || cmd == "huge-header") {
    if (argc != 4) return usage();
    return raw_attack(*ep, cmd, std::stod(argv[3]));
  }
  node_config cfg;
  if (const char* cluster = std::getenv("PSTORAGE_CLUSTER"))
    if (auto tls = persistence::require_node_tls(persistence::host_config(persistence::resolve_config_dir(std::nullopt)),
                                                 cluster))
      cfg.use_tls(tls->cert, tls->key, tls->ca);
  caf::actor_system sys{cfg};
  auto cs = transport::remote_actor<cs_api>(sys, ep->host, ep->port);
  if (!cs) {
    std::cout << "cannot connect: " << sys.render(cs.error()) << "\n";
    return 2;
  }
  int rc = 64;
  if (cmd == "create" && argc == 6) {
    rc = ask<msg::cs_to_mds_create_chunk>(sys, *cs, wire::make<p::MdsToCsCreateChunk>([&](auto b) {
                                            b.setChunkId(num(argv[3]));
                                            b.setVersion(num(argv[4]));
                                            b.setEpoch(num(argv[5]));
                                          }));
  } else if (cmd == "delete" && argc == 5) {
    rc = ask<msg::cs_to_mds_delete_chunk>(sys, *cs, wire::make<p::MdsToCsDeleteChunk>([&](auto b) {
                                            b.setChunkId(num(argv[3]));
                                            b.setEpoch(num(argv[4]));
                                          }));
  } else if (cmd == "set-version" && argc == 7) {
    rc = ask<msg::cs_to_mds_set_version>(sys, *cs, wire::make<p::MdsToCsSetVersion>([&](auto b) {
                                           b.setChunkId(num(argv[3]));
                                           b.setOldVersion(num(argv[4]));
                                           b.setNewVersion(num(argv[5]));
                                           b.setEpoch(num(argv[6]));
                                         }));
  } else if (cmd == "replicate" && argc == 7) {
    rc = ask<msg::cs_to_mds_replicate>(sys, *cs, wire::make<p::MdsToCsReplicate>([&](auto b) {
                                         b.setChunkId(num(argv[3]));
                                         b.setVersion(num(argv[4]));
                                         b.initSource().setAddress(argv[5]);
                                         b.setEpoch(num(argv[6]));
                                       }));
  } else if (cmd == "read" && argc == 7) {
    rc = ask<msg::cs_to_client_read>(sys, *cs, wire::make<p::ClientToCsRead>([&](auto b) {
                                       b.setChunkId(num(argv[3]));
                                       b.setVersion(num(argv[4]));
                                       b.setOffset(num(argv[5]));
                                       b.setLength(static_cast<uint32_t>(num(argv[6])));
                                     }),
                                     true);
  } else if (cmd == "start" && argc == 4) {
    caf::scoped_actor self{sys};
    self->send(*cs, start_atom::value, std::string(argv[3]));
    std::cout << "sent\n";
    rc = ping(sys, *cs);
  } else if (cmd == "kill" && argc == 3) {
    // An exit message with reason kill: CAF 0.17 delivers it from any peer and
    // no handler can refuse it (docs/security.md, "Not yet").
    caf::anon_send_exit(*cs, caf::exit_reason::kill);
    std::cout << "sent\n";
    rc = ping(sys, *cs);
  }
  if (rc == 64) return usage();
  // Never anon_send_exit(*cs, ...) to "drop the proxy": it would stop the CS.
  return rc;
}
