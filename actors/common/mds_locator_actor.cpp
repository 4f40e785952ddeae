// mds_locator_actor.cpp — finds the master MDS for a CS (mds_locator.hpp).
// Blocking connects run in this detached actor, never in the CS.
//
// Master probe: a CsToMdsHeartbeat for CS id 0. A follower answers every
// CS request with NOT_MASTER (+ the master's address); the serving master
// answers it (NOT_FOUND: no CS 0) without changing anything; an MDS that
// knows no master yet holds it until the election is decided, so no answer
// within probe_timeout means "no master here yet".
#include "actors/common/peer_revocation.hpp"
#include "actors/common/transport.hpp"
#include "actors/common/mds_locator.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "actors/common/mds_locator_policy.hpp"
#include "protocol/common.capnp.h"

namespace pstorage {

namespace {
constexpr auto probe_timeout = std::chrono::seconds(2);
// The CS waits 10 s for an answer (cs_actor.cpp request_timeout).
constexpr auto search_budget = std::chrono::seconds(7);

struct locator_state {
  std::string last_master;  // MDS address of the master found last
  std::vector<endpoint> learned;  // the master's MDS list (learn_mds_atom)
  static inline const char* name = "pstorage-mds-locator";
};
}  // namespace

mds_locator_api spawn_remote_mds_locator(caf::actor_system& sys, std::vector<endpoint> addrs) {
  using ptr = mds_locator_api::stateful_pointer<locator_state>;
  return sys.spawn<caf::detached>([addrs](ptr self) -> mds_locator_api::behavior_type {
    return {
        [self, addrs](locate_mds_atom) -> caf::result<mds_api> {
          auto candidates = mds_locate::candidates(addrs, self->state.learned);
          if (candidates.empty()) return caf::make_error(caf::sec::cannot_connect_to_node, "bs.list is empty");
          auto& sys = self->system();
          mds_locate::master_search search(candidates);
          search.prefer(self->state.last_master);
          const auto deadline = std::chrono::steady_clock::now() + search_budget;
          for (unsigned attempts = 0; attempts < 64 && std::chrono::steady_clock::now() < deadline; ++attempts) {
            auto e = search.next();
            if (!e) {
              std::this_thread::sleep_for(mds_locate::round_backoff(search.round()));
              search.next_round();
              continue;
            }
            auto svc = mds_locate::service_endpoint(*e);
            auto h = transport::remote_actor<mds_api>(sys, svc.host, svc.port);
            if (!h) {
              // Refused as revoked in the handshake: no other MDS accepts
              // this host either (docs/security.md "Revocation").
              if (auto by = security::tls_gate::revoked_by_peer(); !by.empty())
                return caf::make_error(caf::sec::cannot_connect_to_node,
                                       "this host's certificate is revoked: " + by + " refused it");
              search.on_failure(*e, sys.render(h.error()));
              continue;
            }
            caf::scoped_actor probe{sys};
            uint32_t code = 0;
            std::string master, err;
            bool answered = false;
            probe->request(*h, probe_timeout, wire::make<proto::CsToMdsHeartbeat>([](auto b) { b.setCsId(0); }))
                .receive(
                    [&](msg::mds_to_cs_heartbeat& a) {
                      auto d = wire::decode(a);
                      if (!d) return void(err = d.error);
                      answered = true;
                      code = d->getStatus().getCode();
                      master = d->getStatus().getMasterAddress().cStr();
                    },
                    [&](caf::error& x) { err = sys.render(x); });
            if (!answered) {
              search.on_failure(*e, "no answer (" + err + "): no master elected yet?");
            } else if (code == proto::STATUS_NOT_MASTER) {
              search.on_not_master(*e, master);
            } else {
              if (self->state.last_master != e->to_string())
                spdlog::info("the master MDS is at {}", e->to_string());
              self->state.last_master = e->to_string();
              return *h;
            }
          }
          return caf::make_error(caf::sec::cannot_connect_to_node, "no master MDS found; tried:" + search.report());
        },
        [self](learn_mds_atom, const std::string& list) {
          std::vector<endpoint> got;
          size_t b = 0;
          while (b < list.size()) {
            size_t e = list.find(',', b);
            if (e == std::string::npos) e = list.size();
            if (auto ep = parse_endpoint(list.substr(b, e - b))) got.push_back(*ep);
            b = e + 1;
          }
          if (got.empty() || got == self->state.learned) return;
          self->state.learned = std::move(got);
          spdlog::info("MDS list from the master: {}", list);
        },
    };
  });
}

mds_locator_api spawn_fixed_mds_locator(caf::actor_system& sys, mds_api mds) {
  return sys.spawn([mds](mds_locator_api::pointer) -> mds_locator_api::behavior_type {
    return {[mds](locate_mds_atom) { return mds; }, [](learn_mds_atom, const std::string&) {}};
  });
}

}  // namespace pstorage
