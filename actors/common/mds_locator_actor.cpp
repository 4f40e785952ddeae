#include "actors/common/mds_locator.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

namespace pstorage {

mds_locator_api spawn_remote_mds_locator(caf::actor_system& sys, std::vector<endpoint> addrs) {
  return sys.spawn<caf::detached>([addrs](mds_locator_api::pointer self) -> mds_locator_api::behavior_type {
    return {
        [self, addrs](locate_mds_atom) -> caf::result<mds_api> {
          std::string tried;
          for (auto& e : addrs) {
            auto h = self->system().middleman().remote_actor<mds_api>(e.host, e.port);
            if (h) return *h;
            tried += " " + e.to_string() + " (" + self->system().render(h.error()) + ")";
          }
          if (addrs.empty()) return caf::make_error(caf::sec::cannot_connect_to_node, "bs.list is empty");
          return caf::make_error(caf::sec::cannot_connect_to_node, "no MDS reachable:" + tried);
        },
    };
  });
}

mds_locator_api spawn_fixed_mds_locator(caf::actor_system& sys, mds_api mds) {
  return sys.spawn([mds](mds_locator_api::pointer) -> mds_locator_api::behavior_type {
    return {[mds](locate_mds_atom) { return mds; }};
  });
}

}  // namespace pstorage
