// cs_registry.hpp — the MDS's view of chunk-server liveness. Pure decision
// logic: no CAF, no SQLite, no clock reads (time is passed in), so it is
// unit-tested exhaustively and driven by the simulator.
//
// CS status machine (guide: "Monitoring Chunk Servers"):
//
//   state     | event                               | next
//   ----------+-------------------------------------+---------
//   (none)    | register                            | active
//   active    | heartbeat                           | active
//   active    | connection lost                     | inactive   (at once)
//   active    | no heartbeat for inactive_after     | inactive
//   inactive  | register / heartbeat                | active
//   inactive  | inactive longer than offline_after  | offline    (mds.wd.offline_tout)
//   offline   | register                            | active
//   any       | rm-cs (later issue)                 | dropped
//   active/inactive | its host revoked (revoke-node)| offline    (at once)
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/common/scrub_figures.hpp"
#include "persistence/mds_store.hpp"

namespace pstorage::mds {

using time_point = std::chrono::steady_clock::time_point;
using duration = std::chrono::steady_clock::duration;

enum class cs_status { active, inactive, offline, dropped };
const char* to_string(cs_status s);

struct cs_liveness_config {
  duration inactive_after = std::chrono::seconds(10);   // hung CS noticed within ~10 s
  duration offline_after = std::chrono::milliseconds(300000);  // mds.wd.offline_tout
};

// A CS's own I/O figures over its last 20 s, as its latest heartbeat carried
// them (CsToMdsHeartbeat.io; guide "Monitoring Chunk Servers": IOWAIT, IOLAT,
// QDEPTH). Kept in memory only, never journaled; all zero while the CS is
// not active (a silent CS's last figures would overstate the cluster's IO).
struct cs_io_figures {
  uint64_t read_bytes_per_s = 0, write_bytes_per_s = 0;
  double read_ops_per_s = 0, write_ops_per_s = 0, sync_ops_per_s = 0;
  uint64_t latency_avg_us = 0, latency_max_us = 0;  // IOLAT avg/max
  double queue_depth = 0;                           // QDEPTH
  double iowait_percent = 0;                        // IOWAIT, 0..100
};

// The guide's IO header line ("Monitoring General Cluster Parameters"):
// read/write bytes/s and ops/s summed over the active CSs.
struct cluster_io_totals {
  uint64_t read_bytes_per_s = 0, write_bytes_per_s = 0;
  double read_ops_per_s = 0, write_ops_per_s = 0;
};

struct cs_entry {
  persistence::cs_record rec;
  cs_status status = cs_status::inactive;
  time_point last_seen{};
  time_point inactive_since{};
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;
  std::string flags;
  cs_io_figures io;
  scrub_figures scrub;  // its latest heartbeat's (`pstorage scrub status`)
};

// A status change, with the guide's event text.
struct cs_event {
  uint32_t cs_id;
  cs_status from;
  cs_status to;
  std::string text;
};

class cs_registry {
 public:
  explicit cs_registry(cs_liveness_config cfg = {}) : cfg_(cfg) {}

  // Loads persisted CSs after an MDS restart; they start inactive until they
  // register again ("inactive since" = now, so they go offline only after a
  // full offline timeout).
  void load(const std::vector<persistence::cs_record>& recs, time_point now);

  // Finds the CS a register request refers to: by id if given (and the
  // repository uuid matches). Without an id (a CS that never got its answer,
  // or a new one) the repository uuid decides: a known uuid is the same CS
  // asking again, and *existing_id receives its id — registration is
  // idempotent, never a second record for one repository.
  enum class match { new_cs, known, uuid_mismatch, unknown_id };
  match classify_register(uint32_t cs_id, const std::string& repo_uuid, uint32_t* existing_id = nullptr) const;

  // Records a (re-)registration; returns the event if the status changed.
  std::optional<cs_event> on_register(const persistence::cs_record& rec, uint64_t total, uint64_t free,
                                      const std::string& flags, time_point now);
  // Heartbeat; false if the id is unknown or dropped (CS must re-register).
  bool on_heartbeat(uint32_t cs_id, uint64_t total, uint64_t free, const std::string& flags, time_point now,
                    std::optional<cs_event>* changed);
  // The I/O figures of an active CS's heartbeat (call after on_heartbeat
  // accepted it); ignored for an unknown or not active CS.
  void record_io(uint32_t cs_id, const cs_io_figures& io);
  cluster_io_totals io_totals() const;
  // The scrubbing progress of a heartbeat (same rule as record_io).
  void record_scrub(uint32_t cs_id, const scrub_figures& f);
  // The CS's connection went down: inactive at once.
  std::optional<cs_event> on_disconnect(uint32_t cs_id, time_point now);
  // Periodic check of heartbeat deadlines.
  std::vector<cs_event> tick(time_point now);

  // rm-cs: the CS is dropped from the cluster (never active again; its id is
  // refused at registration). nullopt if unknown or already dropped.
  std::optional<cs_event> mark_dropped(uint32_t cs_id, time_point now);
  // revoke-node: the CS's host is revoked (docs/security.md "Revocation"):
  // offline at once (its replicas are re-replicated; its registration is
  // refused from now on). nullopt if unknown, dropped or already offline.
  std::optional<cs_event> mark_revoked(uint32_t cs_id, time_point now);
  // The MDS's own estimate of a space change it caused (a rebalance move
  // landed or left): free_bytes += delta, kept within 0..total_bytes, until
  // the CS's next heartbeat or registration reports the real figure.
  void adjust_free(uint32_t cs_id, int64_t delta);
  // Live change of the timeouts (pstorage set-config mds.wd.*_tout).
  void set_config(const cs_liveness_config& cfg) { cfg_ = cfg; }
  const cs_liveness_config& config() const { return cfg_; }

  const std::map<uint32_t, cs_entry>& entries() const { return css_; }
  const cs_entry* find(uint32_t id) const;
  size_t count(cs_status s) const;

 private:
  std::optional<cs_event> set_status(cs_entry& e, cs_status to, time_point now);
  cs_liveness_config cfg_;
  std::map<uint32_t, cs_entry> css_;
};

}  // namespace pstorage::mds
