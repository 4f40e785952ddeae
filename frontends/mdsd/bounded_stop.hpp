// bounded_stop.hpp — pstorage-mdsd's bounded stop on SIGTERM: the daemons'
// common one (frontends/common/bounded_stop.hpp) under the names mdsd uses.
#pragma once

#include "frontends/common/bounded_stop.hpp"

namespace pstorage::mdsd {
using frontend::actor_stop_wait;
using frontend::stop_and_await;
using frontend::stop_limit;
using frontend::stop_watchdog;
}  // namespace pstorage::mdsd
