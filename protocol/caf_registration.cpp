#include "protocol/caf_registration.hpp"

#include <caf/actor_system_config.hpp>

#include "protocol/messages.hpp"

namespace pstorage::wire {

void register_types(caf::actor_system_config& cfg) {
#define PSTORAGE_REGISTER(alias) cfg.add_message_type<pstorage::msg::alias>("pstorage." #alias);
  PSTORAGE_WIRE_MESSAGES(PSTORAGE_REGISTER)
#undef PSTORAGE_REGISTER
}

}  // namespace pstorage::wire
