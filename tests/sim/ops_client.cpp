#include "tests/sim/ops_client.hpp"

#include <caf/all.hpp>

#include "actors/common/atoms.hpp"
#include "actors/mds/mds_api.hpp"
#include "protocol/common.capnp.h"
#include "protocol/messages.hpp"

namespace pstorage::sim {
namespace p = proto;
using ms = std::chrono::milliseconds;

namespace {
constexpr ms mds_timeout{5000};

template <class B>
void put_credentials(ops_env* env, B b) {
  auto c = b.initCredentials();
  c.setCluster(env->cluster);
  c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(env->digest.data()), env->digest.size()));
}
}  // namespace

caf::actor spawn_set_repl(caf::actor_system& sys, ops_env* env, size_t client, std::string path, std::string assignment) {
  return sys.spawn([=](caf::event_based_actor* self) {
    auto who = "client" + std::to_string(client + 1);
    auto link = env->mds(client);
    if (!link) {
      env->count("ops.set-attr.mds-down");
      return;
    }
    env->count("ops.set-attr.sent");
    env->note(who + " set-attr " + assignment + " " + path);
    self->request(caf::actor_cast<mds_api>(link), mds_timeout, wire::make<p::ClientToMdsFileOp>([&](auto b) {
            put_credentials(env, b);
            b.setClientId(who);
            auto s = b.getOp().initSetRepl();
            s.setPath(path);
            s.initAssignments(1).set(0, assignment);
          }))
        .then(
            [=](msg::mds_to_client_file_op& r) {
              auto a = wire::decode(r);
              bool ok = a && a->getStatus().getCode() == p::STATUS_OK;
              env->count(ok ? "ops.set-attr.acked" : "ops.set-attr.refused");
              env->note(who + " set-attr " + assignment + " " + path + (ok ? " acked" : " refused"));
            },
            [=](caf::error&) { env->count("ops.set-attr.lost"); });
  });
}

caf::actor spawn_rm_cs(caf::actor_system& sys, ops_env* env, size_t client, uint32_t cs_id) {
  return sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    auto who = "client" + std::to_string(client + 1);
    env->note(who + " rm-cs --wait CS#" + std::to_string(cs_id));
    self->send(self, tick_atom::value);
    auto done = std::make_shared<bool>(false);
    return {[=](tick_atom) {
      if (*done) return;
      self->delayed_send(self, ms(1000), tick_atom::value);
      auto link = env->mds(client);
      if (!link) return;
      env->count("ops.rm-cs.sent");
      self->request(caf::actor_cast<mds_api>(link), mds_timeout, wire::make<p::ClientToMdsRmCs>([&](auto b) {
              put_credentials(env, b);
              b.setCsId(cs_id);
              b.setMode(p::ClientToMdsRmCs::Mode::RELEASE);
            }))
          .then(
              [=](msg::mds_to_client_rm_cs& r) {
                auto a = wire::decode(r);
                if (!a || a->getStatus().getCode() != p::STATUS_OK) return env->count("ops.rm-cs.refused");
                std::string status = a->getCsStatus().cStr();
                if (status == "dropped" && !*done) {
                  *done = true;
                  env->count("ops.rm-cs.done");
                  env->note(who + " rm-cs CS#" + std::to_string(cs_id) + ": dropped");
                }
              },
              [=](caf::error&) { env->count("ops.rm-cs.lost"); });
    }};
  });
}

}  // namespace pstorage::sim
