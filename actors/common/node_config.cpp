#include "actors/common/node_config.hpp"

#include <caf/atom.hpp>
#include <caf/io/middleman.hpp>

#include "protocol/caf_registration.hpp"

namespace pstorage {

node_config::node_config(mode m) {
  wire::register_types(*this);
  if (m == mode::network) {
    load<caf::io::middleman>();
    set("scheduler.policy", caf::atom("sharing"));
    set("logger.verbosity", caf::atom("quiet"));
  } else {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.verbosity", caf::atom("quiet"));
  }
}

}  // namespace pstorage
