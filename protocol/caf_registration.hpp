// caf_registration.hpp — registers every wire message with CAF 0.17's type
// system. Every process (daemon, CLI, mount, tests) calls this on its config;
// both ends must register the same names or CAF drops the message
// (TOOLCHAIN.md, "Custom message types").
#pragma once

namespace caf {
class actor_system_config;
}

namespace pstorage::wire {
void register_types(caf::actor_system_config& cfg);
}
