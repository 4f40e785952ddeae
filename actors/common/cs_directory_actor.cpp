// cs_directory_actor.cpp — the two CS directories of cs_directory.hpp.
#include "actors/common/transport.hpp"
#include "actors/common/cs_directory.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include "protocol/endpoint.hpp"

namespace pstorage {

namespace {

struct remote_directory_state {
  std::map<std::string, cs_api> cache;           // address -> connected handle
  std::map<caf::actor_addr, std::string> known;  // handle -> address, for down messages
  static inline const char* name = "pstorage-cs-directory";
};

}  // namespace

// Detached: middleman().remote_actor() blocks while connecting, so it runs on
// its own thread and never stalls a CS actor (callers use a request timeout).
cs_directory_api spawn_remote_cs_directory(caf::actor_system& sys) {
  using self_ptr = cs_directory_api::stateful_pointer<remote_directory_state>;
  return sys.spawn<caf::detached>([](self_ptr self) -> cs_directory_api::behavior_type {
    self->set_down_handler([self](caf::down_msg& dm) {
      auto& st = self->state;
      auto i = st.known.find(dm.source);
      if (i == st.known.end()) return;
      spdlog::info("lost connection to the CS at {}", i->second);
      st.cache.erase(i->second);
      st.known.erase(i);
    });
    return {
        [self](connect_atom, const std::string& address) -> caf::result<cs_api> {
          auto& st = self->state;
          if (auto i = st.cache.find(address); i != st.cache.end()) return i->second;
          std::string err;
          auto ep = parse_endpoint(address, &err);
          if (!ep || ep->port == 0)
            return caf::make_error(caf::sec::cannot_connect_to_node,
                                   ep ? "no port in CS address '" + address + "'" : err);
          auto h = transport::remote_actor<cs_api>(self->system(), ep->host, ep->port);
          if (!h)
            return caf::make_error(caf::sec::cannot_connect_to_node,
                                   "cannot connect to the CS at " + address + ": " + self->system().render(h.error()));
          st.cache[address] = *h;
          st.known[h->address()] = address;
          self->monitor(*h);
          return *h;
        },
    };
  });
}

cs_directory_api spawn_fixed_cs_directory(caf::actor_system& sys, std::map<std::string, cs_api> table) {
  return sys.spawn([table](cs_directory_api::pointer) -> cs_directory_api::behavior_type {
    return {
        [table](connect_atom, const std::string& address) -> caf::result<cs_api> {
          auto i = table.find(address);
          if (i == table.end())
            return caf::make_error(caf::sec::cannot_connect_to_node, "no CS at " + address);
          return i->second;
        },
    };
  });
}

}  // namespace pstorage
