#include "frontends/common/mds_client.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <stdexcept>
#include <thread>

#include "actors/client/bounded_connect.hpp"
#include "actors/common/mds_locator_policy.hpp"
#include "actors/common/node_config.hpp"
#include "actors/mds/mds_api.hpp"
#include "frontends/common/stat_view.hpp"
#include "persistence/node_tls.hpp"
#include "protocol/common.capnp.h"

namespace pstorage::frontend {
namespace p = proto;

namespace {
// This host's credentials (the configuration root of --config-dir, which the
// CLI passes on as $PSTORAGE_CONFIG_DIR): throws when encryption is on and
// they are missing ("run auth-node").
bool use_host_tls(node_config& cfg, const std::string& cluster) {
  persistence::host_config host(persistence::resolve_config_dir(std::nullopt));
  auto tls = persistence::require_node_tls(host, cluster);
  if (tls) cfg.use_tls(tls->cert, tls->key, tls->ca);
  return tls.has_value();
}
}  // namespace

// Finds the master (mds_locator_policy.hpp): bs.list entries are MDS
// addresses whose MDS actor listens on PORT+1; a follower's NOT_MASTER
// answer sends the request to the master it names; with no master known the
// other MDSs are tried with a short backoff, for at most search_budget, then
// the error names every MDS tried and why. Each connect takes at most
// client::connect_timeout (3 s, bounded_connect.hpp). A round in which no
// MDS could even be connected to ends the search at once (nothing runs
// there: waiting would not help), so a command against a stopped cluster
// fails within 3 s per address, with the addresses, causes and the fix.
struct mds_client::impl {
  std::chrono::milliseconds request_timeout = std::chrono::seconds(15);  // set_request_timeout
  static constexpr auto search_budget = std::chrono::seconds(15);

  explicit impl(std::string c) : cluster(std::move(c)) {}

  std::string cluster;
  std::vector<endpoint> addrs;
  node_config cfg;
  // Mutual TLS with this host's credentials for the cluster (node_tls.hpp),
  // from the configuration root of --config-dir / $PSTORAGE_CONFIG_DIR;
  // set before `sys` is made from cfg.
  bool tls_loaded = use_host_tls(cfg, cluster);
  caf::actor_system sys{cfg};
  mds_api mds;
  std::optional<endpoint> at;  // the MDS address `mds` belongs to
  std::string master_hint;     // the master named last (kept across calls)

  [[noreturn]] void give_up_unreachable(const mds_locate::master_search& search) {
    throw std::runtime_error("cannot reach any MDS of cluster '" + cluster + "'; tried:" + search.report() +
                             "\nIs pstorage-mdsd running? See 'pstorage -c " + cluster +
                             " list-services -M' on the MDS servers, and where this host found the MDS addresses (bs.list, "
                             "else DNS SRV _pstorage._tcp." + cluster + "; -v shows which; docs/discovery.md).");
  }
  [[noreturn]] void give_up(const mds_locate::master_search& search) {
    throw std::runtime_error("cannot reach the master MDS of cluster '" + cluster + "'; tried:" + search.report() +
                             "\nIs pstorage-mdsd running on a majority of the MDS servers? Check bs.list (or the DNS SRV records "
                             "_pstorage._tcp." + cluster + ").");
  }

  template <class Answer, class Request>
  Answer call(Request req) {
    if (addrs.empty())
      throw std::runtime_error("no MDS address known for cluster '" + cluster +
                               "': add one to bs.list (e.g. echo ADDR:2510 >> CONFIG/clusters/" + cluster +
                               "/bs.list)");
    mds_locate::master_search search(addrs);
    search.prefer(master_hint);
    const auto deadline = std::chrono::steady_clock::now() + search_budget;
    bool connected_in_round = false;
    for (unsigned attempt = 0; attempt < 200; ++attempt) {
      if (!mds) {
        at = search.next();
        if (!at) {
          if (!connected_in_round) give_up_unreachable(search);
          auto pause = mds_locate::round_backoff(search.round());
          if (std::chrono::steady_clock::now() + pause >= deadline) give_up(search);
          std::this_thread::sleep_for(pause);
          search.next_round();
          connected_in_round = false;
          continue;
        }
        auto svc = mds_locate::service_endpoint(*at);
        std::string why;
        auto h = client::connect_within<mds_api>(sys, svc.host, svc.port, client::connect_timeout, why);
        if (!h) {
          search.on_failure(*at, why);
          continue;
        }
        connected_in_round = true;
        mds = *h;
      }
      caf::scoped_actor self{sys};
      std::optional<Answer> out;
      std::string err;
      self->request(mds, request_timeout, req)
          .receive([&](Answer& a) { out = std::move(a); }, [&](caf::error& e) { err = sys.render(e); });
      if (!out) {
        mds = nullptr;
        if (at) search.on_failure(*at, "request failed: " + err);
        if (std::chrono::steady_clock::now() >= deadline) give_up(search);
        continue;
      }
      auto d = wire::decode(*out);
      if (d && d->getStatus().getCode() == p::STATUS_NOT_MASTER) {
        std::string master = d->getStatus().getMasterAddress().cStr();
        mds = nullptr;
        if (at) search.on_not_master(*at, master);
        if (!master.empty()) master_hint = master;
        if (std::chrono::steady_clock::now() >= deadline) give_up(search);
        continue;
      }
      return std::move(*out);
    }
    give_up(search);
  }
};

template <class Reader>
static void check_status(const Reader& r) {
  if (r.getStatus().getCode() != p::STATUS_OK) throw std::runtime_error(r.getStatus().getMessage().cStr());
}

mds_client::mds_client(std::string cluster, std::vector<endpoint> addrs) : impl_(std::make_unique<impl>(std::move(cluster))) {
  impl_->addrs = std::move(addrs);
}

mds_client::~mds_client() = default;

nlohmann::json mds_client::stat(const std::string& digest) {
  auto a = impl_->call<msg::mds_to_client_stat>(wire::make<p::ClientToMdsStat>([&](auto b) {
    auto c = b.initCredentials();
    c.setCluster(impl_->cluster);
    c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(digest.data()), digest.size()));
  }));
  auto d = wire::decode(a);
  if (!d) throw std::runtime_error(d.error);
  check_status(*d);
  return stat_to_json(*d);
}

namespace {
template <class B>
void put_credentials(B b, const std::string& cluster, const std::string& digest) {
  auto c = b.initCredentials();
  c.setCluster(cluster);
  c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(digest.data()), digest.size()));
}
}  // namespace

nlohmann::json mds_client::config(const std::string& digest, const std::vector<std::string>& set,
                                  const std::vector<std::string>& get) {
  auto a = impl_->call<msg::mds_to_client_config>(wire::make<p::ClientToMdsConfig>([&](auto b) {
    put_credentials(b, impl_->cluster, digest);
    auto s = b.initSet(static_cast<unsigned>(set.size()));
    for (unsigned i = 0; i < set.size(); ++i) s.set(i, set[i]);
    auto g = b.initGet(static_cast<unsigned>(get.size()));
    for (unsigned i = 0; i < get.size(); ++i) g.set(i, get[i]);
  }));
  auto d = wire::decode(a);
  if (!d) throw std::runtime_error(d.error);
  check_status(*d);
  auto out = nlohmann::json::array();
  for (auto x : d->getParams())
    out.push_back({{"name", x.getName().cStr()},
                   {"value", x.getValue()},
                   {"default", x.getDefaultValue()},
                   {"unit", x.getUnit().cStr()},
                   {"description", x.getDescription().cStr()}});
  return out;
}

nlohmann::json mds_client::events(const std::string& digest, int64_t after_id, uint32_t limit) {
  auto a = impl_->call<msg::mds_to_client_events>(wire::make<p::ClientToMdsEvents>([&](auto b) {
    put_credentials(b, impl_->cluster, digest);
    b.setAfterId(after_id);
    b.setLimit(limit);
  }));
  auto d = wire::decode(a);
  if (!d) throw std::runtime_error(d.error);
  check_status(*d);
  auto out = nlohmann::json::array();
  for (auto e : d->getEvents())
    out.push_back({{"id", e.getId()},
                   {"time_ns", e.getTimeNs()},
                   {"severity", e.getSeverity().cStr()},
                   {"source", e.getSource().cStr()},
                   {"text", e.getText().cStr()},
                   {"epoch", e.getEpoch()}});
  return out;
}

nlohmann::json mds_client::rm_cs(const std::string& digest, uint32_t cs_id, int mode) {
  auto a = impl_->call<msg::mds_to_client_rm_cs>(wire::make<p::ClientToMdsRmCs>([&](auto b) {
    put_credentials(b, impl_->cluster, digest);
    b.setCsId(cs_id);
    b.setMode(mode == 1 ? p::ClientToMdsRmCs::Mode::CANCEL
                        : mode == 2 ? p::ClientToMdsRmCs::Mode::FORCE : p::ClientToMdsRmCs::Mode::RELEASE);
  }));
  auto d = wire::decode(a);
  if (!d) throw std::runtime_error(d.error);
  check_status(*d);
  return {{"remaining_chunks", d->getRemainingChunks()}, {"cs_status", d->getCsStatus().cStr()}};
}

nlohmann::json mds_client::scrub(const std::string& digest, const std::vector<uint32_t>& cs_ids, uint32_t per_second) {
  auto a = impl_->call<msg::mds_to_client_scrub>(wire::make<p::ClientToMdsScrub>([&](auto b) {
    put_credentials(b, impl_->cluster, digest);
    auto l = b.initCsIds(static_cast<unsigned>(cs_ids.size()));
    for (unsigned i = 0; i < cs_ids.size(); ++i) l.set(i, cs_ids[i]);
    b.setChunksPerSecond(per_second);
  }));
  auto d = wire::decode(a);
  if (!d) throw std::runtime_error(d.error);
  nlohmann::json failed = nlohmann::json::array(), started = nlohmann::json::array();
  for (auto f : d->getFailed()) failed.push_back(f.cStr());
  for (auto s : d->getStarted()) started.push_back(s);
  if (d->getStatus().getCode() != p::STATUS_OK && !failed.empty()) {
    std::string why = d->getStatus().getMessage().cStr();
    for (auto& f : failed) why += "; " + f.get<std::string>();
    throw std::runtime_error(why);
  }
  check_status(*d);
  return {{"started", started}, {"failed", failed}};
}

nlohmann::json mds_client::membership(const std::string& digest, const std::string& add_address,
                                      uint32_t remove_id) {
  auto a = impl_->call<msg::mds_to_client_membership>(wire::make<p::ClientToMdsMembership>([&](auto b) {
    put_credentials(b, impl_->cluster, digest);
    if (!add_address.empty()) b.initChange().setAdd(add_address);
    else b.initChange().setRemove(remove_id);
  }));
  auto d = wire::decode(a);
  if (!d) throw std::runtime_error(d.error);
  check_status(*d);
  auto members = nlohmann::json::array();
  for (auto m : d->getMembers()) members.push_back({{"id", m.getId()}, {"address", m.getAddress().cStr()}});
  nlohmann::json out{{"mds_id", d->getMdsId()}, {"chunk_size", d->getChunkSize()}, {"members", members}};
  if (d->getCaKey().size() > 0) {  // the cluster CA for a joining MDS (over TLS only)
    out["ca_key"] = d->getCaKey().cStr();
    out["ca_certificate"] = d->getCaCertificate().cStr();
  }
  return out;
}

nlohmann::json mds_client::license(const std::string& digest, const std::string& load) {
  auto a = impl_->call<msg::mds_to_client_license>(wire::make<p::ClientToMdsLicense>([&](auto b) {
    put_credentials(b, impl_->cluster, digest);
    b.setLoad(load);
  }));
  auto d = wire::decode(a);
  if (!d) throw std::runtime_error(d.error);
  check_status(*d);
  auto j = license_to_json(d->getState());
  j["text"] = d->getState().getText().cStr();
  return j;
}

msg::mds_to_client_ha mds_client::send(const msg::client_to_mds_ha& request) {
  return impl_->call<msg::mds_to_client_ha>(request);
}

msg::mds_to_agent_ha_renew mds_client::send(const msg::agent_to_mds_ha_renew& request) {
  return impl_->call<msg::mds_to_agent_ha_renew>(request);
}

msg::mds_to_client_revoke_node mds_client::send(const msg::client_to_mds_revoke_node& request) {
  return impl_->call<msg::mds_to_client_revoke_node>(request);
}

void mds_client::set_request_timeout(std::chrono::milliseconds t) { impl_->request_timeout = t; }

}  // namespace pstorage::frontend
