// cs_fan_out.hpp — the MDS asks several chunk servers at once and learns
// which of them did not answer OK. Internal to the MDS actor's translation
// units (needs mds_state.hpp's self_ptr).
#pragma once

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "actors/mds/mds_state.hpp"
#include "protocol/common.capnp.h"
#include "protocol/wire.hpp"

namespace pstorage::mds_impl {

// Sends one request per (cs, message) in parallel; `done` gets the CSs that
// did not answer OK (no handle, timeout, error status). Never blocks.
template <class Resp, class Req>
void fan_out(self_ptr self, std::vector<std::pair<uint32_t, Req>> reqs,
             std::function<void(std::vector<uint32_t>)> done) {
  struct gather {
    size_t left = 0;
    std::vector<uint32_t> failed;
    std::function<void(std::vector<uint32_t>)> done;
  };
  auto g = std::make_shared<gather>();
  g->left = reqs.size();
  g->done = std::move(done);
  if (reqs.empty()) return g->done({});
  // Orders go to CSs only from the serving master. An MDS that lost the
  // mastership knows the newer epoch and would stamp it on the order, so
  // the CS's epoch check (a deposed master's order carries an older epoch)
  // would let it through: a former master's clean-up of a failed
  // allocation deleted chunk 3 after the new master had reused that id
  // (pstorage-sim --seed 39942 --scenario data-3mds). Not sent = failed.
  if (!serving(self)) {
    for (auto& r : reqs) g->failed.push_back(r.first);
    std::sort(g->failed.begin(), g->failed.end());
    return g->done(g->failed);
  }
  auto finish_one = [g](uint32_t cs, bool ok) {
    if (!ok) g->failed.push_back(cs);
    if (--g->left == 0) {
      std::sort(g->failed.begin(), g->failed.end());
      g->done(g->failed);
    }
  };
  for (auto& [cs, req] : reqs) {
    auto it = self->state.cs_handles.find(cs);
    if (it == self->state.cs_handles.end()) {
      finish_one(cs, false);
      continue;
    }
    uint32_t id = cs;
    self->request(it->second, self->state.deps.cs_request_timeout, std::move(req))
        .then(
            [finish_one, id](Resp& r) {
              auto d = wire::decode(r);
              bool ok = d && d->getStatus().getCode() == proto::STATUS_OK;
              if (!ok) spdlog::warn("CS#{} refused: {}", id, d ? d->getStatus().getMessage().cStr() : d.error);
              finish_one(id, ok);
            },
            [self, finish_one, id](caf::error& e) {
              spdlog::warn("CS#{} did not answer: {}", id, self->system().render(e));
              finish_one(id, false);
            });
  }
}

}  // namespace pstorage::mds_impl
