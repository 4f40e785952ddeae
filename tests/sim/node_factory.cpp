#include "tests/sim/node_factory.hpp"

#include "actors/election/raft_core.hpp"
#include "persistence/journal_store.hpp"
#include "persistence/md_store.hpp"

namespace pstorage::sim {

namespace {
template <class D>
constexpr bool has_storage = requires(D d) { d.storage; };
template <class D>
constexpr bool has_directory = requires(D d) { d.directory; };
template <class D>
constexpr bool has_md = requires(D d) { d.md; };
template <class D>
constexpr bool has_wall_clock = requires(D d) { d.wall_clock_ns; };

template <class D>
void set_cs_seams(D& d, const cs_disk& disk, cs_directory_api directory) {
  if constexpr (has_storage<D>) d.storage = disk.storage;
  if constexpr (has_directory<D>) d.directory = directory;
}

template <class D>
void set_mds_seams(D& d, const mds_disk& disk, std::function<int64_t()> now_ns) {
  if constexpr (has_md<D>) d.md = std::static_pointer_cast<typename decltype(d.md)::element_type>(disk.md);
  if constexpr (has_wall_clock<D>) d.wall_clock_ns = std::move(now_ns);
}
}  // namespace

bool cs_has_storage_seam() { return has_storage<cs_deps>; }
bool cs_has_directory_seam() { return has_directory<cs_deps>; }
bool mds_has_md_seam() { return has_md<mds_deps>; }

identity make_identity() {
  identity id;
  id.auth.cluster = id.cluster;
  id.auth.salt = "sim-salt";
  id.auth.iterations = 1;
  id.auth.digest = persistence::derive_digest("sim-password", id.auth.salt, 1);
  return id;
}

std::shared_ptr<persistence::mds_store> make_mds_store(const identity& id) {
  auto store = std::make_shared<persistence::mds_store>(":memory:");
  store->init_cluster(id.cluster, 1, "10.0.0.1:2510", id.auth);
  return store;
}

mds_disk make_mds_disk(const identity& id) {
  mds_disk d;
  d.store = make_mds_store(id);
  if constexpr (has_md<mds_deps>) {
    persistence::md_store_options o;
    if constexpr (requires { o.chunk_size; }) o.chunk_size = sim_chunk_size;
    d.md = std::make_shared<persistence::md_store>(":memory:", o);
  }
  if constexpr (requires(mds_deps x) { x.journal; }) d.journal = std::make_shared<persistence::journal_store>(":memory:");
  return d;
}

std::string sim_mds_address(uint32_t mds_id) { return "10.0.0." + std::to_string(mds_id) + ":2510"; }

mds_disk make_mds_disk(const identity& id, uint32_t mds_id, uint32_t cluster_size) {
  mds_disk d;
  d.store = std::make_shared<persistence::mds_store>(":memory:");
  d.store->init_cluster(id.cluster, mds_id, sim_mds_address(mds_id), id.auth);
  election::membership all;
  std::vector<persistence::mds_record> list;
  for (uint32_t m = 1; m <= cluster_size; ++m) {
    all.members.push_back(election::member{m, sim_mds_address(m)});
    list.push_back({m, sim_mds_address(m)});
  }
  all.normalize();
  d.store->set_mdses(list);
  persistence::md_store_options o;
  o.chunk_size = sim_chunk_size;
  d.md = std::make_shared<persistence::md_store>(":memory:", o);
  auto journal = std::make_shared<persistence::journal_store>(":memory:");
  auto boot = election::raft_core::bootstrap(all);
  persistence::journal_batch b;
  for (auto& e : boot.entries) b.entries.push_back({e.index, e.term, static_cast<uint8_t>(e.kind), e.data});
  b.hard_state = persistence::journal_hard_state{boot.hs.term, boot.hs.vote, boot.hs.commit};
  journal->save(b, true);
  d.journal = journal;
  return d;
}

namespace {
// A period measured by a clock running at `rate`, in true time.
template <class D>
D on_clock(D d, double rate) {
  return D(static_cast<typename D::rep>(static_cast<double>(d.count()) / (rate > 0 ? rate : 1.0)));
}
}  // namespace

mds_deps make_mds_deps(const mds_disk& disk, const timing& t, uint64_t seed, std::function<int64_t()> now_ns,
                       std::function<void(const std::string&)> on_event, double clock_rate,
                       mds_peer_seams peers) {
  mds_deps d;
  d.store = disk.store;
  d.liveness.inactive_after = on_clock(t.inactive_after, clock_rate);
  d.liveness.offline_after = on_clock(t.offline_after, clock_rate);
  d.heartbeat_interval = t.heartbeat;  // what CSs are told: measured by THEIR clocks
  d.tick_interval = on_clock(t.tick, clock_rate);
  if constexpr (requires { d.lease_duration; }) d.lease_duration = on_clock(d.lease_duration, clock_rate);
  if constexpr (requires { d.cs_request_timeout; }) d.cs_request_timeout = on_clock(d.cs_request_timeout, clock_rate);
  if constexpr (requires { d.map_validity; }) d.map_validity = on_clock(d.map_validity, clock_rate);
  d.seed = seed;
  d.on_event = std::move(on_event);
  if constexpr (requires { d.journal; }) d.journal = std::static_pointer_cast<persistence::journal_store>(disk.journal);
  set_mds_seams(d, disk, std::move(now_ns));
  // Several MDSs: the election actor's tick (production default 100 ms,
  // election timeout 10..20 ticks) is measured by the MDS's clock. (One MDS
  // keeps the unscaled tick its seeds were recorded with.)
  if (peers.connect) d.election_tick = on_clock(d.election_tick, clock_rate);
  // Several MDSs: compact the journal often, so that restarted and cut-off
  // followers meet compaction and full resyncs (production keeps 20000).
  if (peers.connect) {
    d.journal_keep = 40;
    d.journal_compact_every = 40;
  }
  d.connect_peer = std::move(peers.connect);
  d.election_spawned = std::move(peers.election_spawned);
  return d;
}

cs_disk make_cs_disk(const identity& id, const std::string& uuid) {
  cs_disk d;
  d.repo = std::make_shared<persistence::cs_repo>(":memory:");
  persistence::cs_settings s;
  s.cluster = id.cluster;
  s.repo_uuid = uuid;
  d.repo->initialise(s);
  persistence::memory_storage_options o;
  o.chunk_size = sim_chunk_size;
  o.capacity_bytes = uint64_t{4} << 30;  // above the MDS free_space_margin (256 MiB)
  d.storage = std::make_shared<persistence::memory_chunk_storage>(o);
  return d;
}

cs_deps make_cs_deps(const cs_disk& disk, const identity& id, const cs_identity& who, const timing& t,
                     mds_locator_api locator, cs_directory_api directory, std::function<void(uint32_t)> on_registered,
                     std::function<void(const std::string&)> on_fatal, double clock_rate) {
  cs_deps d;
  if constexpr (requires { d.clock_rate; }) d.clock_rate = clock_rate;
  d.repo = disk.repo;
  auto storage = disk.storage;
  d.space = [storage] {
    auto s = storage->space();
    return space_info{s.value.total_bytes, s.value.free_bytes};
  };
  d.locator = std::move(locator);
  d.digest = id.auth.digest;
  d.host = who.host;
  d.host_id = who.host_id;
  d.location = who.location;
  d.retry_interval = t.cs_retry;
  d.on_registered = std::move(on_registered);
  d.on_fatal = std::move(on_fatal);
  set_cs_seams(d, disk, std::move(directory));
  return d;
}

}  // namespace pstorage::sim
