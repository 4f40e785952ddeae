// mds_state.hpp — the MDS actor's state and the helpers its two CAF
// translation units share (mds_actor.cpp: registration, heartbeats, stat;
// mds_files_actor.cpp: the data path). Internal to actors/mds: nothing
// outside the MDS actor includes it.
#pragma once

#include <caf/all.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/cs/cs_api.hpp"
#include "actors/mds/alloc_order.hpp"
#include "actors/election/election_api.hpp"
#include "actors/mds/client_sessions.hpp"
#include "actors/mds/client_io_table.hpp"
#include "actors/mds/lease_table.hpp"
#include "actors/mds/invalidations.hpp"
#include "actors/mds/join_guard.hpp"
#include "actors/mds/map_leases.hpp"
#include "actors/mds/mds_peer_health.hpp"
#include "actors/mds/mds_license.hpp"
#include "actors/mds/md_validate.hpp"
#include "actors/mds/mds_actor.hpp"
#include "persistence/md_store.hpp"

namespace pstorage::mds_impl {

struct repair_state;  // mds_repair_state.hpp
struct ha_runtime;    // mds_ha.hpp

// How a proposed command ended (propose()).
struct proposal_outcome {
  bool applied = false;                  // false: never applied; `error` says why
  std::optional<mds::md_error> rejected;  // applied, its preconditions failed (state unchanged)
  std::string error;
  bool ok() const { return applied && !rejected; }
  std::string why() const { return rejected ? rejected->message : error; }
};
struct waiting_proposal {
  uint64_t term = 0;
  std::function<void(const proposal_outcome&)> done;
};


struct mds_state {
  mds_deps deps;
  mds::cs_registry registry;
  std::string cluster;
  uint32_t self_id = 0;
  std::string self_address;
  persistence::auth_digest auth;
  mds::join_guard join;  // auth-node challenges and failures per peer (mds_auth_actor.cpp)
  mds::random_source rnd;
  // Which actor registered which CS id: a down message maps back to the id.
  std::map<caf::actor_addr, uint32_t> cs_by_addr;
  // Handles of connected CSs (set at registration, erased when down).
  std::map<uint32_t, cs_api> cs_handles;
  // CSs that reported a checksum error (flag h in stat).
  std::set<uint32_t> bad_cs;
  mds::lease_table leases;
  // Client sessions and the orphan purge (client_sessions.hpp,
  // mds_sessions_actor.cpp session_tick): reset when master_since_ns changes.
  mds::client_sessions sessions;
  mds::orphan_sweep orphan_sweep;
  int64_t sessions_since_ns = -1;
  std::set<mds::inode_id> purging;  // purges proposed, not yet applied
  // Mounts' cache invalidation (invalidations.hpp, mds_watch_actor.cpp): the
  // parked Watch of each mount, and writers' answers waiting for tickets.
  mds::invalidation_table invalidations;
  std::map<std::string, caf::typed_response_promise<msg::mds_to_client_watch>> watches;
  std::map<uint64_t, std::function<void()>> invalidation_waiters;
  bool invalidation_timer = false;
  std::map<caf::actor_addr, std::string> watch_senders;  // monitored: a closed connection forgets the mount
  // Each mount's own I/O figures from its Watch (client_io_table.hpp): stat's clients table.
  mds::client_io_table client_io;
  // Id generators, seeded from the store's largest ids (never reused).
  // Last time each repeating event text was emitted (emit_once).
  std::map<std::string, caf::actor_clock::time_point> recent_events;
  mds::inode_id next_inode = 0;
  mds::chunk_id next_chunk = 0;
  // New chunks are proposed in the order of their ids (alloc_order.hpp).
  mds::alloc_order alloc_order;
  // Repair, cluster status, parameters, events (issue 4).
  std::shared_ptr<repair_state> repair;
  // Chunk version rounds (mds_version_rounds.cpp): chunks with a round or a
  // repair copy under way, each with the work queued behind it; and chunks
  // fenced at a version no replica has confirmed yet (promotion retries).
  std::map<mds::chunk_id, std::deque<std::function<void()>>> chunk_busy;
  // Chunk -> its version when the current hold on it began: for stat's
  // counts only (repair::build_chunk_views, `hold_floor`).
  std::map<mds::chunk_id, uint64_t> hold_floor;
  std::set<mds::chunk_id> unconfirmed;
  // Chunk maps clients may still read with (map_leases.hpp): a round that
  // leaves a CS out is confirmed only once they expired.
  mds::map_leases map_leases;
  // Continuations waiting for their time (run_later).
  std::map<uint64_t, std::function<void()>> later;
  uint64_t next_later = 0;
  // ---- the replicated journal (mds_journal.cpp; docs/election.md) ----------
  election_api election;
  // Proposals waiting for their entry to be applied, by journal index.
  std::map<uint64_t, waiting_proposal> proposals;
  uint64_t term = 0;         // the newest epoch this MDS knows
  uint32_t leader_id = 0;    // the master of that epoch (0: none known)
  bool is_leader = false;    // elected master of `term`
  bool serving = false;      // is_leader and an entry of `term` applied: answers requests
  // ... while its leader lease lasts (actor clock, ns; the election actor's,
  // docs/election.md "Reads on the master"): past it, requests wait.
  int64_t lease_until_ns = 0;
  int64_t master_since_ns = 0;  // steady_ns when it began serving (stat: epoch time)
  std::string master_address;
  std::vector<std::pair<uint32_t, std::string>> members;  // MDS id -> address
  uint64_t commit_index = 0;
  // Requests that arrived while no master was known (replayed once one is).
  std::vector<std::function<void()>> deferred;
  // Connections (CSs) that closed while requests were deferred: their
  // deferred requests are dropped, not replayed (a replayed heartbeat would
  // mark a CS active after its disconnect was handled).
  std::set<caf::actor_addr> closed_while_deferred;
  // The CS registry is journaled (cmd_register_cs): the next new CS id, and
  // registrations being committed (repository uuid -> id, and the same CS
  // asking again meanwhile).
  uint32_t next_cs_id = 1025;
  // Client requests (client, request id) proposed and not applied yet: a
  // retry arriving meanwhile waits for the first (mds_files_actor.cpp).
  std::map<std::pair<std::string, uint64_t>, std::vector<std::function<void()>>> requests_in_flight;
  // Which other MDSs the master has reported lagging / stale (JRN events).
  mds::peer_health peer_health;
  // The license checker's last verdict (mds_license_actor.cpp).
  mds::license_runtime license;
  // The HA relocator (issue 18; mds_ha.hpp, mds_ha_actor.cpp).
  std::shared_ptr<ha_runtime> ha;
  // Revocation (issue 14; mds_admin_actor.cpp revocation_tick): md.db's
  // list of revoked host ids as last loaded into this process's TLS gate.
  std::set<std::string> revoked;
  bool revoked_loaded = false;
  std::map<std::string, uint32_t> registering;
  std::map<std::string, std::vector<std::function<void(std::optional<std::string>)>>> registration_waiters;
#ifdef PSTORAGE_SIM_BUGS
  // Bug mds_ack_before_commit (simulator only): acknowledged, not yet stored.
  std::vector<mds::md_command> sim_uncommitted;
#endif
  static inline const char* name = "pstorage-mds";
};

using self_ptr = mds_api::stateful_pointer<mds_state>;

// ---- the replicated journal (mds_actor.cpp) ------------------------------------
// Every metadata change: propose -> (election actor: journal, majority) ->
// committed -> applied to md.db -> `done` with the apply outcome, in the MDS
// actor. Never answers before the change is applied.
// `tag`: the client request the command answers (recorded on apply: a
// retried request is answered from it, md_store::request_index).
void propose(self_ptr self, const mds::md_command& cmd, std::function<void(const proposal_outcome&)> done,
             const std::optional<mds::request_tag>& tag = std::nullopt);
// Applies ElectionToMdsCommitted and follows master changes.
void on_committed(self_ptr self, const msg::election_to_mds_committed& m);
// make-mds (joining) / rm-mds: one MDS added or removed, journaled as a
// membership entry by the master (mds_journal_actor.cpp).
caf::result<msg::mds_to_client_membership> handle_membership(self_ptr self, const msg::client_to_mds_membership& m);
// The master's tick: the guide's JRN events about lagging / silent MDSs.
// Every MDS: tells its election actor how far md.db is applied (compaction)
// and forgets md.db's copies of entries the journal compacted away.
void journal_tick(self_ptr self);
// Snapshots (docs/election.md "Snapshots and compaction"): md.db as of its
// applied index for a follower that needs a full resync (the guide's event
// "MDS#N (ADDR:PORT) state is outdated and will do a full resync"), and the
// master's md.db replacing this one's.
msg::mds_to_election_snapshot_export export_snapshot(self_ptr self, const msg::election_to_mds_snapshot_export& m);
msg::mds_to_election_snapshot_install install_snapshot(self_ptr self, const msg::election_to_mds_snapshot_install& m);
// Makes every journaled change power-loss durable, then `done(error)`.
void sync_journal(self_ptr self, std::function<void(std::optional<std::string>)> done);
// Requests are served by the master once its epoch's first entry is applied
// (docs/election.md). Otherwise: nullopt while no master is known (the
// request waits in `deferred`), or the text "not master; the master is ADDR".
bool serving(self_ptr self);
// serving() and within the leader lease: requests may be answered from this
// MDS's state now (a master that was paused or cut off may have been
// replaced without knowing it yet; it answers nothing until a majority has
// confirmed it again).
bool serving_now(self_ptr self);
std::string not_master_text(self_ptr self);

void emit(self_ptr self, const std::string& text);
// The master proposes the event (cmd_event, with its epoch): every MDS's
// md.db keeps the same history, which `get-event` shows. Elsewhere a no-op
// (the event is in this MDS's log and its own local event table only).
void journal_event(self_ptr self, const std::string& text);
// The actor clock in nanoseconds (monotonic; virtual time in the simulator):
// the time base of lease_table and map_leases.
int64_t steady_ns(self_ptr self);
// Runs `fn` in the actor after `delay` (virtual time in the simulator).
void run_later(self_ptr self, caf::timespan delay, std::function<void()> fn);
// emit(), but a text already emitted within the last 60 s is suppressed
// (a blocked writer retrying every second must not flood the event log).
void emit_once(self_ptr self, const std::string& text);
void set_status(proto::Status::Builder b, uint32_t code, const std::string& message);
bool credentials_ok(mds_state& st, proto::Credentials::Reader c);
// The request being handled comes from CS#cs_id's own registered connection
// (the handle it registered with): what a CS says about itself — heartbeats,
// bad-replica reports — counts only then (a peer cannot speak for a CS).
bool sent_by_cs(self_ptr self, uint32_t cs_id);
std::string auth_error(mds_state& st);

// Data path (mds_files_actor.cpp).
void init_data_path(self_ptr self);
caf::result<msg::mds_to_client_file_op> handle_file_op(self_ptr self, const msg::client_to_mds_file_op& m);
caf::result<msg::mds_to_client_chunk_map> handle_chunk_map(self_ptr self, const msg::client_to_mds_chunk_map& m);
caf::result<msg::mds_to_client_replica_failed> handle_replica_failed(self_ptr self,
                                                                     const msg::client_to_mds_replica_failed& m);
msg::mds_to_client_renew_lease handle_renew_lease(self_ptr self, const msg::client_to_mds_renew_lease& m);
msg::mds_to_cs_bad_replica handle_bad_replica(self_ptr self, const msg::cs_to_mds_bad_replica& m);
// Periodic housekeeping (lease expiry, client sessions).
void data_path_tick(self_ptr self);
// Journals the purge of orphan `ino` (cmd_purge_orphan); once applied its
// replicas are deleted on the CSs and done(nullopt), else done(why).
void purge_orphan(self_ptr self, mds::inode_id ino, std::function<void(std::optional<std::string>)> done);

// Client sessions and orphans (mds_sessions_actor.cpp; client_sessions.hpp).
// The client was heard from now.
void session_seen(self_ptr self, const std::string& client);
// Every master tick: expires clients not heard from for the session timeout
// (their handles and leases dropped, an event each) and purges orphans
// nobody has open (an event each).
void session_tick(self_ptr self);

// Cache invalidation between mounts (mds_watch_actor.cpp; docs/consistency.md).
caf::result<msg::mds_to_client_watch> handle_watch(self_ptr self, const msg::client_to_mds_watch& m);
// `ino` was changed by `writer` (applied): every other mount watching with
// the file open is told to drop its cache; `answer` runs once they all
// acknowledged, or after the attribute timeout — at once when none has it open.
void after_invalidation(self_ptr self, uint64_t ino, const std::string& writer, std::function<void()> answer);
// A create, mkdir, unlink, rmdir or rename in `dirs` by `writer` was applied:
// every other mount holding a listing of one of them drops it first (the
// same acknowledgement or bound as above), then `answer` runs.
void after_dir_change(self_ptr self, const std::vector<uint64_t>& dirs, const std::string& writer,
                      std::function<void()> answer);
// The master answered `client`'s readdir or mkdir of `dir`: the mount may
// hold its listing from now on (invalidations.hpp watch_dir).
void dir_watched_by(self_ptr self, uint64_t dir, const std::string& client);
// Lost mastership: parked Watches are answered NOT_MASTER, waiting writers answered.
void drop_watches(self_ptr self);
// A monitored actor went down: if it was a mount's watcher, the mount is
// forgotten and writers waiting for it are answered.
void watch_sender_down(self_ptr self, const caf::actor_addr& source);

// Chunk version rounds (mds_version_rounds.cpp; md_command.hpp, "chunk
// versions: fence, then confirm"). Journals `cmd` (propose); `done` gets
// nullopt once applied, or the store's rejection / why it was not applied.
void commit_command(self_ptr self, const mds::md_command& cmd, std::function<void(std::optional<std::string>)> done);
// The failure domain of `cs` at the level of chunk `c`'s file (placement's
// domain_key; "cs#ID" for a CS the registry does not know).
std::string cs_domain(self_ptr self, const mds::chunk_info& c, uint32_t cs);
// Runs `body` when no other round / copy of `chunk` is under way; `body`
// must call its `release` exactly once when it is done with the chunk.
void with_chunk(self_ptr self, mds::chunk_id chunk, std::function<void(std::function<void()> release)> body);
// Inside with_chunk: SetVersion(old = newest recorded version, new = the
// chunk's version, the pending cut if any) to the replicas recorded at the
// newest version; `done(ackers, version)`. Nothing is journaled.
void send_round(self_ptr self, mds::chunk_id chunk,
                std::function<void(std::vector<uint32_t> ackers, uint32_t version)> done,
                std::optional<std::vector<uint32_t>> only = std::nullopt);
// Inside with_chunk: send_round, then confirm_replicas(ackers) journaled
// (none answered: the chunk waits in `unconfirmed`); then release, done.
// Before journaling a confirmation that leaves a CS out (`after_drop`: the
// round follows drops or an earlier unfinished round), it waits until no
// client may still read with an older map listing such a CS (map_leases.hpp).
// `only`: ask just these CSs (fence_out).
void finish_round(self_ptr self, mds::chunk_id chunk, std::function<void()> release, std::function<void()> done,
                  bool after_drop = false, std::optional<std::vector<uint32_t>> only = std::nullopt);
// A write failed on `out` and dropping them would leave fewer live replicas
// than MIN (writes wait anyway, so nothing newer is acknowledged): fence the
// chunk and confirm the others, keeping `out` recorded as lagging replicas —
// they still hold every acknowledged write (the write floor) and come back
// by promotion, instead of being forgotten while the survivor may rot
// (docs/chunk-versions.md, "What is never dropped"). Skipped when the chunk
// is no longer at `only_at`.
void fence_out(self_ptr self, mds::chunk_id chunk, std::vector<uint32_t> out, uint32_t only_at,
               std::function<void()> done);
// Forgets the replicas of `chunk` on `drop` (journaled, each fences the
// chunk) and runs a round for the rest. `only_at`: skip the drops when the
// chunk is no longer at that version (an outdated failure report).
// validate_drop_replica's rule keeps the last up-to-date copy unless
// `mode` is forced. done(the CSs actually dropped).
void drop_replicas(self_ptr self, mds::chunk_id chunk, std::vector<uint32_t> drop, mds::drop_mode mode,
                   std::optional<uint32_t> only_at, std::function<void(std::vector<uint32_t> dropped)> done);
// drop_replicas' body, for a caller already inside with_chunk.
void drop_in_round(self_ptr self, mds::chunk_id chunk, std::vector<uint32_t> drop, mds::drop_mode mode,
                   std::optional<uint32_t> only_at, std::function<void()> release,
                   std::function<void(std::vector<uint32_t> dropped)> done);
// A round for every chunk in `unconfirmed` that is not busy (repair tick,
// CS registration). init_data_path loads `unconfirmed` from the store.
void promote_unconfirmed(self_ptr self);

// Licensing (issue 17: mds_license_actor.cpp; docs/licensing.md). The
// checker evaluates the license in md.db against the clock, the usage and
// the HWID (actors/license/license_checker.hpp) at start, on every master
// tick and after load-license, and journals an event when the status changes.
void init_license(self_ptr self);
void license_tick(self_ptr self);
caf::result<msg::mds_to_client_license> handle_license(self_ptr self, const msg::client_to_mds_license& m);
void fill_license_state(self_ptr self, proto::LicenseState::Builder b);
// A new data chunk: nullopt when the license allows it, else the refusal
// (already emitted as an event and logged; the writer gets ENOSPC). An
// allowed chunk is in flight until license_allocation_finished is called.
std::optional<std::string> license_allocation_refusal(self_ptr self);
void license_allocation_finished(self_ptr self, bool committed);
// set-attr replicas=N: nullopt when the license allows N replicas.
std::optional<std::string> license_replicas_refusal(self_ptr self, uint32_t replicas);
// The license's autorecovery / autorebalance flags (on without a license).
bool license_allows_autorecovery(self_ptr self);
bool license_allows_autorebalance(self_ptr self);

// High Availability (issue 18: mds_ha_actor.cpp; docs/ha.md). The relocator
// runs every 100 ms on the serving master (relocator_rules.hpp); agents
// renew their node leases and learn their resources through handle_ha_renew.
void init_ha(self_ptr self);
caf::result<msg::mds_to_client_ha> handle_ha(self_ptr self, const msg::client_to_mds_ha& m);
caf::result<msg::mds_to_agent_ha_renew> handle_ha_renew(self_ptr self, const msg::agent_to_mds_ha_renew& m);

// Repair and administration (issue 4: mds_repair_actor.cpp, mds_admin_actor.cpp).
void init_repair(self_ptr self);  // loads parameters, opens the event log
void repair_tick(self_ptr self);  // cluster status, planner, repair jobs, rm-cs
// Every emitted event: persisted with its severity; CS events re-evaluate
// the cluster status.
void after_event(self_ptr self, const std::string& text);
uint32_t verify_chunks_per_minute(self_ptr self);
caf::result<msg::mds_to_client_config> handle_config(self_ptr self, const msg::client_to_mds_config& m);
msg::mds_to_client_events handle_events(self_ptr self, const msg::client_to_mds_events& m);
msg::mds_to_client_rm_cs handle_rm_cs(self_ptr self, const msg::client_to_mds_rm_cs& m);
caf::result<msg::mds_to_client_scrub> handle_scrub(self_ptr self, const msg::client_to_mds_scrub& m);
// Revocation (issue 14; mds_admin_actor.cpp; docs/security.md "Revocation").
// `pstorage revoke-node`: the master journals cmd_revoke_node and answers
// once it is applied, with the host's CSs taken offline.
caf::result<msg::mds_to_client_revoke_node> handle_revoke_node(self_ptr self,
                                                               const msg::client_to_mds_revoke_node& m);
// Every MDS, every tick: md.db's list into this process's TLS gate (new
// handshakes of a revoked host are refused), the gate's refusals logged;
// the serving master also takes the revoked hosts' CSs offline and forgets
// their sessions (their connections are left to CAF; nothing is closed from
// outside it).
void revocation_tick(self_ptr self);
// nullopt, or why a CS of host `host_id` may not register.
std::optional<std::string> revoked_host_refusal(self_ptr self, const std::string& host_id);
// Cluster status, chunk-state counts, replication progress and the per-CS
// replicas / releasing fields (after the CS list has been filled).
void fill_stat_repair(self_ptr self, proto::MdsToClientStat::Builder b);
// The clients table of stat (guide "Monitoring Clients"; mds_admin_actor.cpp):
// record_client_io keeps a mount's figures from its Watch, fill_stat_clients
// lists the mounts heard from in the last 60 s.
void record_client_io(self_ptr self, const std::string& client, proto::ClientIoStats::Reader io);
void fill_stat_clients(self_ptr self, proto::MdsToClientStat::Builder b);

}  // namespace pstorage::mds_impl
