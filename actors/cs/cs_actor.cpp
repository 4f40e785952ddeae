#include "actors/cs/cs_actor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "protocol/common.capnp.h"

namespace pstorage {
namespace p = proto;

namespace {

struct cs_state {
  cs_deps deps;
  persistence::cs_settings settings;
  mds_api mds;
  uint32_t cs_id = 0;
  std::chrono::milliseconds heartbeat{1000};
  uint64_t session = 0;  // bumps on every (re)connect; stale timers ignore themselves
  bool stopped = false;
  static inline const char* name = "pstorage-cs";
};

using self_ptr = cs_api::stateful_pointer<cs_state>;
constexpr auto request_timeout = std::chrono::seconds(10);

std::string flags_of(const cs_state& st) { return st.settings.checksums ? "C" : "D"; }

void fatal(self_ptr self, const std::string& why) {
  spdlog::error("chunk server stops: {}", why);
  self->state.stopped = true;
  if (self->state.deps.on_fatal) self->state.deps.on_fatal(why);
  self->quit(caf::sec::runtime_error);
}

void schedule_connect(self_ptr self) {
  self->delayed_send(self, self->state.deps.retry_interval, connect_atom::value);
}

void do_register(self_ptr self) {
  auto& st = self->state;
  auto space = st.deps.space();
  auto req = wire::make<p::CsToMdsRegister>([&](auto b) {
    auto c = b.initCredentials();
    c.setCluster(st.settings.cluster);
    c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(st.deps.digest.data()), st.deps.digest.size()));
    b.setCsId(st.cs_id);
    b.setRepoUuid(st.settings.repo_uuid);
    auto i = b.initInfo();
    i.setTotalBytes(space.total_bytes);
    i.setFreeBytes(space.free_bytes);
    i.setHost(st.deps.host);
    i.setAddress(st.deps.address);
    i.setHostId(st.deps.host_id);
    i.setTier(static_cast<uint8_t>(st.settings.tier));
    i.setChecksums(st.settings.checksums);
    i.setFlags(flags_of(st));
    i.setHttpPort(st.deps.http_port);
    i.setLocation(st.deps.location);
  });
  self->request(st.mds, request_timeout, std::move(req))
      .then(
          [self](msg::mds_to_cs_register& m) {
            auto& st = self->state;
            auto a = wire::decode(m);
            if (!a) {
              spdlog::warn("bad register answer: {}", a.error);
              return schedule_connect(self);
            }
            auto code = a->getStatus().getCode();
            if (code == p::STATUS_AUTH_FAILED || code == p::STATUS_WRONG_CLUSTER || code == p::STATUS_NOT_FOUND)
              return fatal(self, a->getStatus().getMessage().cStr());
            if (code != p::STATUS_OK) {
              spdlog::warn("MDS refused registration: {}", a->getStatus().getMessage().cStr());
              return schedule_connect(self);
            }
            if (st.cs_id != a->getCsId()) {
              st.cs_id = a->getCsId();
              st.deps.repo->set_cs_id(st.cs_id);
            }
            st.heartbeat = std::chrono::milliseconds(a->getHeartbeatMs() ? a->getHeartbeatMs() : 1000);
            spdlog::info("registered with the MDS as CS#{}", st.cs_id);
            if (st.deps.on_registered) st.deps.on_registered(st.cs_id);
            self->delayed_send(self, st.heartbeat, heartbeat_atom::value);
          },
          [self](caf::error& err) {
            spdlog::warn("registration failed: {}; retrying", self->system().render(err));
            schedule_connect(self);
          });
}

}  // namespace

cs_api spawn_cs(caf::actor_system& sys, cs_deps deps) {
  return sys.spawn([deps](self_ptr self) -> cs_api::behavior_type {
    auto& st = self->state;
    st.deps = deps;
    st.settings = deps.repo->settings();
    st.cs_id = st.settings.cs_id;
    self->set_down_handler([self](caf::down_msg& dm) {
      auto& st = self->state;
      if (st.mds && dm.source == st.mds.address()) {
        spdlog::warn("lost connection to the MDS; reconnecting");
        st.mds = nullptr;
        ++st.session;
        schedule_connect(self);
      }
    });
    return {
        [self](start_atom, const std::string& address) {
          self->state.deps.address = address;
          self->send(self, connect_atom::value);
        },
        [self](const msg::client_to_cs_ping& m) {
          auto req = wire::decode(m);
          return wire::make<p::CsToClientPing>([&](auto b) {
            auto s = b.initStatus();
            if (!req) {
              s.setCode(p::STATUS_BAD_REQUEST);
              s.setMessage(req.error);
              return;
            }
            b.setNonce(req->getNonce());
            b.setCsId(self->state.cs_id);
          });
        },
        // Data path: implemented by the data-path work (issue 3).
        [](const msg::client_to_cs_write&) {
          return wire::make<p::CsToClientWrite>([](auto b) { b.initStatus().setCode(p::STATUS_UNAVAILABLE); });
        },
        [](const msg::client_to_cs_read&) {
          return wire::make<p::CsToClientRead>([](auto b) { b.initStatus().setCode(p::STATUS_UNAVAILABLE); });
        },
        [](const msg::client_to_cs_sync&) {
          return wire::make<p::CsToClientSync>([](auto b) { b.initStatus().setCode(p::STATUS_UNAVAILABLE); });
        },
        [](const msg::mds_to_cs_create_chunk&) {
          return wire::make<p::CsToMdsCreateChunk>([](auto b) { b.initStatus().setCode(p::STATUS_UNAVAILABLE); });
        },
        [](const msg::mds_to_cs_set_version&) {
          return wire::make<p::CsToMdsSetVersion>([](auto b) { b.initStatus().setCode(p::STATUS_UNAVAILABLE); });
        },
        [](const msg::mds_to_cs_delete_chunk&) {
          return wire::make<p::CsToMdsDeleteChunk>([](auto b) { b.initStatus().setCode(p::STATUS_UNAVAILABLE); });
        },
        [](const msg::mds_to_cs_replicate&) {
          return wire::make<p::CsToMdsReplicate>([](auto b) { b.initStatus().setCode(p::STATUS_UNAVAILABLE); });
        },
        [self](connect_atom) {
          auto& st = self->state;
          if (st.stopped || st.mds) return;
          self->request(st.deps.locator, request_timeout, locate_mds_atom::value)
              .then(
                  [self](mds_api& mds) {
                    auto& st = self->state;
                    if (st.mds) return;  // a concurrent connect won
                    st.mds = mds;
                    ++st.session;
                    self->monitor(mds);
                    do_register(self);
                  },
                  [self](caf::error& err) {
                    spdlog::warn("cannot reach the MDS: {}; retrying", self->system().render(err));
                    schedule_connect(self);
                  });
        },
        [self](heartbeat_atom) {
          auto& st = self->state;
          if (!st.mds || st.cs_id == 0) return;
          auto space = st.deps.space();
          auto session = st.session;
          auto hb = wire::make<p::CsToMdsHeartbeat>([&](auto b) {
            b.setCsId(st.cs_id);
            b.setTotalBytes(space.total_bytes);
            b.setFreeBytes(space.free_bytes);
            b.setFlags(flags_of(st));
          });
          self->request(st.mds, request_timeout, std::move(hb))
              .then(
                  [self, session](msg::mds_to_cs_heartbeat& m) {
                    auto& st = self->state;
                    if (session != st.session) return;
                    auto a = wire::decode(m);
                    if (a && a->getStatus().getCode() == p::STATUS_NOT_FOUND) {
                      spdlog::warn("MDS does not know CS#{}; registering again", st.cs_id);
                      return do_register(self);
                    }
                    self->delayed_send(self, st.heartbeat, heartbeat_atom::value);
                  },
                  [self, session](caf::error& err) {
                    auto& st = self->state;
                    if (session != st.session) return;
                    spdlog::warn("heartbeat failed: {}", self->system().render(err));
                    self->delayed_send(self, st.heartbeat, heartbeat_atom::value);
                  });
        },
    };
  });
}

}  // namespace pstorage
