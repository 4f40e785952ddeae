// md_store.hpp — the MDS metadata state (namespace + chunk map) and its
// command journal, in SQLite (DESIGN.md principle 5: validate + append on
// the master; apply committed commands here; snapshots later).
//
// Tables (all prefixed md_, so the file may be shared with mds_store):
//   md_meta      format, chunk_size, applied/commit index, max ids
//   md_inodes    ino, type, mode, size, times, parent (0: root/orphan), orphan
//   md_attrs     ino -> replicas NORM:MIN, tier, failure domain
//   md_dentries  (parent, name) -> ino, type    (no hard links: ino UNIQUE)
//   md_chunks    id, ino, index, version        ((ino, index) UNIQUE)
//   md_replicas  chunk, pos (chain order), cs, version
//   md_requests  client request ids -> journal index (retries applied once)
//   md_css       the CS registry (id, repository uuid, address, host, tier,
//                dropped): journaled so every MDS knows every CS
//   md_journal   index, term, command bytes, outcome once applied
//
// Journal contract (kept separable for the replicated journal to come):
//   append(e)          durable, not applied; e.index == last_index()+1,
//                      e.term >= last term.
//   commit(i)          persist "entries <= i are committed" (monotonic).
//   apply(e)           apply entry e, which must equal the journal's entry
//                      e.index (applying implies committed: the commit mark
//                      moves up to e.index); e.index <= applied_index():
//                      no-op returning the recorded outcome (idempotent);
//                      otherwise e.index must be applied_index()+1.
//   apply_committed()  apply every entry in (applied, committed], in order.
//   commit_local(e)    single-node commit: append + commit + apply in ONE
//                      SQLite transaction: after kill -9 either all of it or
//                      none of it is there. durable=false: written (it
//                      survives kill -9: the OS has it) but not fsynced; it
//                      becomes power-loss durable with the next durable
//                      commit or sync() (WAL order: a sync covers every
//                      earlier commit). unsynced() tells whether any is left.
//   sync()             fsyncs the journal if a commit is not durable yet.
//   opening the store  applies every entry in (applied, committed]: a crash
//                      between commit and apply loses nothing.
// An entry with empty data changes no metadata (the replicated journal's
// noop and membership entries): applying it only moves applied_index.
// Each apply is one transaction: the state and applied_index move together,
// never half a command. Apply is deterministic: a command whose
// preconditions no longer hold is *rejected* (state unchanged, the outcome
// recorded in the journal) identically on every MDS. Storage failures throw
// store_error. Decoding is done through mds::decode_command, referenced from
// this header so that pstorage_persistence needs no link to pstorage_logic.
//
// Root directory (inode 1) exists from creation with the guide's defaults:
// replicas=1:1, tier 0, failure-domain host ("Configuring Replication
// Parameters", "Cluster Parameters Overview"). The chunk size is fixed when
// the store is created.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/md_model/md_command.hpp"
#include "protocol/md_model/md_view.hpp"
#include "persistence/mds_store.hpp"
#include "persistence/sqlite_db.hpp"

namespace pstorage::persistence {

struct md_store_options {
  // Used when the store is created (default 64 MiB). When set and the store
  // already exists with another size, opening fails.
  std::optional<uint64_t> chunk_size;
  mds::time_ns root_time = 0;  // root's times: fixed, so every MDS agrees
};

struct apply_result {
  uint64_t index = 0;
  bool duplicate = false;               // already applied before: nothing done now
  std::optional<mds::md_error> rejected;  // preconditions failed: state unchanged
  bool ok() const { return !rejected; }
};

// A chunk with the replication attributes of its file (repair / stat view).
struct chunk_with_attrs {
  mds::chunk_info chunk;
  mds::repl_attrs attrs;
  bool orphan = false;  // the owning file was unlinked while open
};

inline constexpr uint64_t md_event_capacity = 100000;

class md_store final : public mds::md_view {
 public:
  // Opens or creates the store at `path` (":memory:" for the simulator) and
  // replays committed, unapplied journal entries.
  explicit md_store(const std::string& path, md_store_options opts = {})
      : md_store(path, opts, &mds::decode_command, &mds::decode_request_tag) {}

  // ---- journal --------------------------------------------------------------
  void append(const mds::journal_entry& e);
  void commit(uint64_t index);
  apply_result apply(const mds::journal_entry& e);
  std::vector<apply_result> apply_committed();
  apply_result commit_local(const mds::journal_entry& e, bool durable = true);
  // commit_local of several entries, in order, in ONE SQLite transaction (a
  // follower applies what a tick brought at once: the pages the entries
  // share are written once, not once per entry). All or none after kill -9.
  std::vector<apply_result> commit_local_all(const std::vector<mds::journal_entry>& entries, bool durable = true);
  void sync();
  bool unsynced() const { return unsynced_; }
  // Drops uncommitted entries after `index` (a new master overwrote them).
  void truncate_after(uint64_t index);

  uint64_t last_index() const;
  uint64_t last_term() const;
  uint64_t committed_index() const;
  uint64_t applied_index() const;
  std::optional<mds::journal_entry> entry(uint64_t index) const;
  std::vector<mds::journal_entry> entries(uint64_t from, uint64_t to) const;  // [from, to]
  // The recorded outcome of an applied entry (nullopt: not applied yet).
  std::optional<apply_result> outcome(uint64_t index) const;

  // ---- queries (md_view) ------------------------------------------------------
  uint64_t chunk_size() const override { return chunk_size_; }
  std::optional<mds::inode_attr> getattr(mds::inode_id ino) const override;
  std::optional<mds::dir_entry> lookup(mds::inode_id parent, std::string_view name) const override;
  bool dir_empty(mds::inode_id dir) const override;
  std::optional<mds::chunk_info> chunk_at(mds::inode_id file, uint64_t index) const override;
  std::optional<mds::chunk_info> chunk_by_id(mds::chunk_id id) const override;

  // Entries sorted by name (bytewise), those after `after`, at most `limit`.
  // The name of `ino` in its directory (indexed: md_dentries.ino is unique);
  // nullopt for the root and for orphans.
  std::optional<std::string> name_of(mds::inode_id ino) const;
  std::vector<mds::dir_entry> readdir(mds::inode_id dir, std::string_view after = {},
                                      size_t limit = SIZE_MAX) const;
  std::vector<mds::chunk_info> chunks(mds::inode_id file) const;  // by index
  std::vector<mds::chunk_id> chunks_on(mds::cs_id cs) const;      // by id
  // Chunks fenced at a version no replica has confirmed yet (by id): a
  // version round is pending (md_command.hpp, "fence, then confirm").
  std::vector<mds::chunk_id> unconfirmed_chunks() const;
  // Chunks whose replica on `cs` lags the chunk's version but holds every
  // acknowledged write (recorded at or above the write floor): a version
  // round can confirm it again (by id).
  std::vector<mds::chunk_id> lagging_chunks_on(mds::cs_id cs) const;
  // Files unlinked while open, by inode (indexed): purged when nobody has
  // them open (actors/mds/client_sessions.hpp).
  std::vector<mds::inode_id> orphans() const;
  // Every chunk (by id) with its replicas (chain order) and its file's attrs.
  std::vector<chunk_with_attrs> all_chunks() const;
  // The same for the chunks with id >= first, at most `limit` (by id): a
  // slice of the repair's full scan (actors/repair/full_scan.hpp).
  std::vector<chunk_with_attrs> chunks_from(mds::chunk_id first, size_t limit) const;
  // The same for the chunks `ids` that exist, in the order given (the
  // repair queue's batch: actors/repair/repair_queue.hpp).
  std::vector<chunk_with_attrs> chunks_with_attrs(const std::vector<mds::chunk_id>& ids) const;
  // Cluster parameters set through cmd_set_param (name -> value); names not
  // set keep their defaults (cluster_params.hpp).
  std::map<std::string, int64_t> params() const;
  // The cluster's license as cmd_set_license stored it (nullopt: none was
  // ever loaded: evaluation mode), and the newest wall-clock time the
  // journal recorded (events, license loads; 0: none) — the license
  // checker's clock floor (persistence/md_license.cpp).
  struct license_row {
    std::string text;
    mds::time_ns time = 0;
  };
  std::optional<license_row> license() const;
  mds::time_ns newest_recorded_time() const;
  // High Availability (issue 18; persistence/md_ha.cpp, md_ha_commands.hpp):
  // resources by name with their assignment, nodes by name, the round-robin
  // cursor ("" until round-robin chose a node).
  struct ha_resource_row {
    mds::cmd_ha_add_resource def;
    std::string node;  // assigned node; empty: none
    std::string from;  // node that must confirm its stop first; empty: none
  };
  std::vector<ha_resource_row> ha_resources() const;
  std::vector<mds::cmd_ha_set_node> ha_nodes() const;
  std::string ha_cursor() const;
  // Security (issue 14; persistence/md_security.cpp): revoked hosts by host
  // id (cmd_revoke_node), and the cluster CA journaled by cmd_set_cluster_ca.
  struct revoked_host {
    std::string host_id, host;
    mds::time_ns time = 0;
  };
  std::vector<revoked_host> revoked_hosts() const;
  struct ca_row {
    std::string key_pem, cert_pem;
  };
  std::optional<ca_row> cluster_ca() const;
  // Usage counters (persistence/md_usage.cpp): kept by triggers in the
  // transaction that changes the rows, read in O(CSs) — stat, top, /metrics
  // and the license never scan md_chunks (docs/scale.md).
  struct usage_counters {
    uint64_t chunks = 0;      // data chunks
    uint64_t data_bytes = 0;  // data_chunk_bytes()
    std::map<uint32_t, uint64_t> replicas_per_cs;  // replicas (any version) per CS; absent: none
    bool operator==(const usage_counters&) const = default;
  };
  usage_counters usage() const;
  // The same figures by scanning the tables (initialisation, tests).
  usage_counters usage_recount() const;
  // How many data chunks exist.
  uint64_t chunk_count() const;
  // The logical space data chunks hold, the license's usage
  // (docs/licensing.md): a chunk wholly below its file's size counts the
  // chunk size, the chunk holding the end of the file the bytes up to the
  // end, a chunk at or past the end (a write whose size is not recorded yet)
  // the whole chunk size.
  uint64_t data_chunk_bytes() const;
  // The FS line of `pstorage top` (guide "Viewing space occupied by data
  // chunks": "1GB in 51 files, 51 inodes"): regular files, and all inodes
  // (files, directories, the root, orphans).
  struct inode_counts {
    uint64_t files = 0, inodes = 0;
  };
  inode_counts count_inodes() const;
  // The journal index of the command that answered `client`'s request `id`
  // (md_command.hpp request_tag), if it was applied; the last 4096 request
  // ids of each client are kept.
  std::optional<uint64_t> request_index(const std::string& client, uint64_t id) const;
  // Events (cmd_event), oldest first: at most `limit` with id > after_id
  // (persistence/md_events.cpp). The newest md_event_capacity are kept.
  struct event_row {
    int64_t id = 0;
    mds::time_ns time = 0;
    std::string severity, source, text;
    uint64_t epoch = 0;
  };
  std::vector<event_row> events(int64_t after_id, size_t limit) const;
  // The CS registry (cmd_register_cs / cmd_drop_cs), by id; dropped ones included.
  std::vector<cs_record> css() const;
  // Largest ids ever applied (ids are never reused): seeds the master's generators.
  mds::inode_id max_inode_id() const;
  mds::chunk_id max_chunk_id() const;

  // ---- snapshots (persistence/md_snapshot.cpp; docs/election.md "Snapshots
  // and compaction") ----------------------------------------------------------
  // The whole state as one SQLite database image (a consistent copy taken in
  // one read transaction); `applied_index()` of the image is this store's.
  std::vector<uint8_t> export_snapshot() const;
  // Replaces the whole state by an image from export_snapshot() (another
  // MDS's), in one durable write transaction: after a crash the store is
  // either the old one or the new one. Refused (store_error, state
  // unchanged) when the image is not a metadata store of this format and
  // chunk size.
  void install_snapshot(std::span<const uint8_t> image);
  // Forgets the stored copies of applied entries <= index (the journal was
  // compacted there); outcome()/entry() of them answer nullopt since.
  void forget_entries_through(uint64_t index);
  // The smallest entry index still stored (0: none).
  uint64_t first_stored_index() const;

  // Every table in a canonical text form: equal states give equal dumps
  // (determinism tests, "journal prefixes agree" checks in the simulator).
  std::string canonical_dump() const;

  sqlite_db& db() { return db_; }

  // Called with every command applied (not rejected), inside its
  // transaction; one observer, replaced by the next call. The MDS's repair
  // queue learns from it which chunks changed (actors/repair/repair_queue.hpp).
  void set_apply_observer(std::function<void(const mds::md_command&)> fn) { observer_ = std::move(fn); }

 private:
  using decoder = mds::md_command (*)(std::span<const uint8_t>);
  using tag_decoder = std::optional<mds::request_tag> (*)(std::span<const uint8_t>);
  md_store(const std::string& path, const md_store_options& opts, decoder dec, tag_decoder tags);

  void create_schema(const md_store_options& opts);
  void ensure_usage_counters();  // md_usage.cpp: tables, triggers, a recount if missing
  void set_synchronous(bool full);
  bool synchronous_full_ = true;  // sqlite_db opens with synchronous=FULL
  bool unsynced_ = false;
  uint64_t meta_u64(const char* key) const;
  void set_meta_u64(const char* key, uint64_t v);
  void append_in_txn(const mds::journal_entry& e);
  void commit_in_txn(uint64_t index);
  apply_result apply_in_txn(const mds::journal_entry& e);
  std::vector<mds::replica_info> replicas_of(mds::chunk_id id) const;
  std::optional<mds::chunk_info> chunk_where(const char* where, int64_t a, int64_t b) const;

  mutable sqlite_db db_;
  std::function<void(const mds::md_command&)> observer_;
  decoder decode_;
  tag_decoder decode_tag_;
  uint64_t chunk_size_ = mds::default_chunk_size;
};

}  // namespace pstorage::persistence
