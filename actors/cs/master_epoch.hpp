// master_epoch.hpp — a CS obeys only the current master (docs/election.md;
// protocol/mds_cs.capnp `epoch`). Pure.
//
// The CS remembers the highest master epoch it has seen (registration
// answers and the orders themselves). An order or a registration answer of
// a lower epoch comes from a deposed master and is refused (STATUS_STALE);
// epoch 0 means "unset" and is accepted only while no epoch > 0 was seen.
#pragma once

#include <cstdint>
#include <string>

namespace pstorage::cs {

class master_epoch {
 public:
  explicit master_epoch(uint64_t highest = 0) : highest_(highest) {}

  enum class verdict { accept, accept_raised, refuse };
  // Judges `epoch` and remembers it when higher (accept_raised: persist it).
  verdict admit(uint64_t epoch) {
    if (epoch < highest_) return verdict::refuse;
    if (epoch == highest_) return verdict::accept;
    highest_ = epoch;
    return verdict::accept_raised;
  }
  uint64_t highest() const { return highest_; }

  // The refusal's text for an order of `epoch` to CS `cs_id`.
  std::string refusal(uint32_t cs_id, uint64_t epoch) const {
    return "CS#" + std::to_string(cs_id) + " refuses an order of master epoch " + std::to_string(epoch) +
           (epoch == 0 ? " (unset)" : "") + ": it has seen epoch " + std::to_string(highest_) +
           ", so the sender is a deposed master; the current master will ask again";
  }

 private:
  uint64_t highest_ = 0;
};

}  // namespace pstorage::cs
