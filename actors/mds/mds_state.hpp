// mds_state.hpp — the MDS actor's state and the helpers its two CAF
// translation units share (mds_actor.cpp: registration, heartbeats, stat;
// mds_files_actor.cpp: the data path). Internal to actors/mds: nothing
// outside the MDS actor includes it.
#pragma once

#include <caf/all.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "actors/cs/cs_api.hpp"
#include "actors/mds/lease_table.hpp"
#include "actors/mds/mds_actor.hpp"
#include "persistence/md_store.hpp"

namespace pstorage::mds_impl {

struct repair_state;  // mds_repair_state.hpp

struct mds_state {
  mds_deps deps;
  mds::cs_registry registry;
  std::string cluster;
  uint32_t self_id = 0;
  std::string self_address;
  persistence::auth_digest auth;
  mds::random_source rnd;
  // Which actor registered which CS id: a down message maps back to the id.
  std::map<caf::actor_addr, uint32_t> cs_by_addr;
  // Handles of connected CSs (set at registration, erased when down).
  std::map<uint32_t, cs_api> cs_handles;
  // CSs that reported a checksum error (flag h in stat).
  std::set<uint32_t> bad_cs;
  mds::lease_table leases;
  // Id generators, seeded from the store's largest ids (never reused).
  // Last time each repeating event text was emitted (emit_once).
  std::map<std::string, caf::actor_clock::time_point> recent_events;
  mds::inode_id next_inode = 0;
  mds::chunk_id next_chunk = 0;
  // Repair, cluster status, parameters, events (issue 4).
  std::shared_ptr<repair_state> repair;
  static inline const char* name = "pstorage-mds";
};

using self_ptr = mds_api::stateful_pointer<mds_state>;

void emit(self_ptr self, const std::string& text);
// emit(), but a text already emitted within the last 60 s is suppressed
// (a blocked writer retrying every second must not flood the event log).
void emit_once(self_ptr self, const std::string& text);
void set_status(proto::Status::Builder b, uint32_t code, const std::string& message);
bool credentials_ok(mds_state& st, proto::Credentials::Reader c);
std::string auth_error(mds_state& st);

// Data path (mds_files_actor.cpp).
void init_data_path(self_ptr self);
caf::result<msg::mds_to_client_file_op> handle_file_op(self_ptr self, const msg::client_to_mds_file_op& m);
caf::result<msg::mds_to_client_chunk_map> handle_chunk_map(self_ptr self, const msg::client_to_mds_chunk_map& m);
caf::result<msg::mds_to_client_replica_failed> handle_replica_failed(self_ptr self,
                                                                     const msg::client_to_mds_replica_failed& m);
msg::mds_to_client_renew_lease handle_renew_lease(self_ptr self, const msg::client_to_mds_renew_lease& m);
msg::mds_to_cs_bad_replica handle_bad_replica(self_ptr self, const msg::cs_to_mds_bad_replica& m);
// Periodic housekeeping (lease expiry).
void data_path_tick(self_ptr self);

// Repair and administration (issue 4: mds_repair_actor.cpp, mds_admin_actor.cpp).
void init_repair(self_ptr self);  // loads parameters, opens the event log
void repair_tick(self_ptr self);  // cluster status, planner, repair jobs, rm-cs
// Every emitted event: persisted with its severity; CS events re-evaluate
// the cluster status.
void after_event(self_ptr self, const std::string& text);
uint32_t verify_chunks_per_minute(self_ptr self);
msg::mds_to_client_config handle_config(self_ptr self, const msg::client_to_mds_config& m);
msg::mds_to_client_events handle_events(self_ptr self, const msg::client_to_mds_events& m);
msg::mds_to_client_rm_cs handle_rm_cs(self_ptr self, const msg::client_to_mds_rm_cs& m);
// Cluster status, chunk-state counts, replication progress and the per-CS
// replicas / releasing fields (after the CS list has been filled).
void fill_stat_repair(self_ptr self, proto::MdsToClientStat::Builder b);

}  // namespace pstorage::mds_impl
