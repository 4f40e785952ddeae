#include "frontends/common/mds_discovery.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <netdb.h>
#include <poll.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "frontends/common/discovery_rules.hpp"

namespace pstorage::frontend {
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

// Per query: 1.5 s, then 3 s on the retry (c-ares doubles), 2 tries; the
// whole lookup (SRV search over the search domains plus the targets' A/AAAA)
// is cut at lookup_budget whatever the resolver's options say.
constexpr int query_timeout_ms = 1500;
constexpr int query_tries = 2;
constexpr auto lookup_budget = std::chrono::milliseconds(5000);

std::string ares_reason(int status) {
  switch (status) {
    case ARES_ENOTFOUND: return "no such name (NXDOMAIN) in the search domains";
    case ARES_ENODATA: return "the name exists but has no records of this type";
    case ARES_ETIMEOUT: return "no answer from the DNS server (timed out)";
    case ARES_ECONNREFUSED: return "refused (no DNS server answers at the configured address, or it refused the query)";
    case ARES_EREFUSED: return "the DNS server refused the query";
    case ARES_ESERVFAIL: return "the DNS server failed (SERVFAIL)";
    case ARES_ECANCELLED: return "no answer within " + std::to_string(lookup_budget.count() / 1000) + " s";
    default: return ares_strerror(status);
  }
}

// One c-ares channel with its event loop; every run() ends by `deadline`.
class resolver {
 public:
  resolver() {
    static std::once_flag once;
    std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    conf_ = resolver_config_path();
    std::error_code ec;
    if (!fs::exists(conf_, ec))
      throw std::runtime_error("resolver configuration " + conf_ + " does not exist" +
                               (std::getenv("PSTORAGE_RESOLV_CONF") ? " (named by PSTORAGE_RESOLV_CONF)" : ""));
    ares_options o{};
    int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_RESOLVCONF;
    o.timeout = query_timeout_ms;
    o.tries = query_tries;
    o.resolvconf_path = const_cast<char*>(conf_.c_str());
    int rc = ares_init_options(&ch_, &o, mask);
    if (rc != ARES_SUCCESS)
      throw std::runtime_error("cannot set up the DNS resolver from " + conf_ + ": " + ares_strerror(rc));
    deadline_ = clock_type::now() + lookup_budget;
  }
  ~resolver() { ares_destroy(ch_); }
  resolver(const resolver&) = delete;
  resolver& operator=(const resolver&) = delete;

  ares_channel channel() { return ch_; }
  const std::string& conf() const { return conf_; }
  // Servers named in the configuration, for error messages.
  std::string servers() {
    ares_addr_port_node* list = nullptr;
    std::string s;
    if (ares_get_servers_ports(ch_, &list) == ARES_SUCCESS) {
      for (auto* n = list; n; n = n->next) {
        char buf[INET6_ADDRSTRLEN] = {};
        inet_ntop(n->family, &n->addr, buf, sizeof buf);
        s += (s.empty() ? "" : ", ") + std::string(buf);
      }
      ares_free_data(list);
    }
    return s.empty() ? "none" : s;
  }

  // Runs the channel until no query is pending or the deadline passed (then
  // the pending queries are cancelled: their callbacks see ARES_ECANCELLED).
  void run() {
    while (pending_) {
      ares_socket_t socks[ARES_GETSOCK_MAXNUM];
      int bits = ares_getsock(ch_, socks, ARES_GETSOCK_MAXNUM);
      std::vector<pollfd> pfds;
      for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
        short ev = 0;
        if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
        if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
        if (ev) pfds.push_back({socks[i], ev, 0});
      }
      timeval max_tv{1, 0}, tv{};
      timeval* t = ares_timeout(ch_, &max_tv, &tv);
      auto now = clock_type::now();
      if (now >= deadline_) {
        ares_cancel(ch_);
        return;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now).count();
      long wait_ms = std::min<long>(left, t->tv_sec * 1000L + t->tv_usec / 1000 + 1);
      int n = poll(pfds.data(), pfds.size(), static_cast<int>(wait_ms));
      if (n <= 0) {
        ares_process_fd(ch_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
        continue;
      }
      for (auto& p : pfds) {
        if (!p.revents) continue;
        bool r = p.revents & (POLLIN | POLLERR | POLLHUP), w = p.revents & POLLOUT;
        ares_process_fd(ch_, r ? p.fd : ARES_SOCKET_BAD, w ? p.fd : ARES_SOCKET_BAD);
      }
    }
  }
  // Queries report their completion through these (pending_ bounds run()).
  void started() { ++pending_; }
  void finished() { --pending_; }

 private:
  ares_channel ch_ = nullptr;
  std::string conf_;
  clock_type::time_point deadline_;
  int pending_ = 0;
};

struct search_result {
  int status = ARES_ECANCELLED;
  std::vector<unsigned char> answer;
};

// One ares_search (search domains apply: search=true) or ares_query (the
// name as given) for NAME of TYPE; blocks in r.run().
search_result query_once(resolver& r, const std::string& name, int type, bool search) {
  struct ctx {
    resolver* r;
    search_result out;
  } c{&r, {}};
  auto cb = [](void* arg, int status, int, unsigned char* abuf, int alen) {
    auto* c = static_cast<ctx*>(arg);
    c->out.status = status;
    if (status == ARES_SUCCESS && abuf) c->out.answer.assign(abuf, abuf + alen);
    c->r->finished();
  };
  r.started();
  if (search)
    ares_search(r.channel(), name.c_str(), ns_c_in, type, cb, &c);
  else
    ares_query(r.channel(), name.c_str(), ns_c_in, type, cb, &c);
  r.run();
  return c.out;
}

// NAME of TYPE through the resolver's search list (ares_search). A name with
// at least `ndots` dots (_pstorage._tcp.pcs1 has two; the default ndots is 1)
// is asked as-is first, and c-ares ends the search when that answer is
// REFUSED or SERVFAIL (a server that does not recurse for names outside its
// zones, e.g. dnsmasq with --no-resolv, answers so) instead of going on to
// NAME.DOMAIN. glibc goes on; so do we: on those answers each search domain
// is asked explicitly (ares_query), within the same overall budget.
search_result search(resolver& r, const std::string& name, int type) {
  auto first = query_once(r, name, type, true);
  if (first.status != ARES_ECONNREFUSED && first.status != ARES_EREFUSED && first.status != ARES_ESERVFAIL)
    return first;
  ares_options o{};
  int mask = 0;
  if (ares_save_options(r.channel(), &o, &mask) != ARES_SUCCESS) return first;
  std::vector<std::string> domains;
  for (int i = 0; i < o.ndomains; ++i)
    if (o.domains[i]) domains.emplace_back(o.domains[i]);
  ares_destroy_options(&o);
  std::optional<search_result> not_found;  // NXDOMAIN/NODATA in a search domain says more than REFUSED
  for (auto& d : domains) {
    auto again = query_once(r, name + "." + d, type, false);
    if (again.status == ARES_SUCCESS) return again;
    if (again.status == ARES_ECANCELLED) return again;  // budget spent
    if (!not_found && (again.status == ARES_ENOTFOUND || again.status == ARES_ENODATA)) not_found = again;
  }
  return not_found ? *not_found : first;
}

// A/AAAA of every SRV target, in parallel: the first address of each (an
// MDS is one endpoint). IPv4 first; AAAA only for targets without A.
std::vector<std::optional<std::string>> resolve_hosts(resolver& r, const std::vector<std::string>& hosts,
                                                      std::vector<std::string>& why) {
  std::vector<std::optional<std::string>> out(hosts.size());
  why.assign(hosts.size(), "");
  struct ctx {
    resolver* r;
    std::optional<std::string>* addr;
    std::string* why;
  };
  for (int family : {AF_INET, AF_INET6}) {
    std::vector<ctx> ctxs;
    ctxs.reserve(hosts.size());
    for (size_t i = 0; i < hosts.size(); ++i) {
      if (out[i]) continue;
      ctxs.push_back({&r, &out[i], &why[i]});
      r.started();
      ares_gethostbyname(
          r.channel(), hosts[i].c_str(), family,
          [](void* arg, int status, int, hostent* h) {
            auto* c = static_cast<ctx*>(arg);
            if (status == ARES_SUCCESS && h && h->h_addr_list && h->h_addr_list[0]) {
              char buf[INET6_ADDRSTRLEN] = {};
              inet_ntop(h->h_addrtype, h->h_addr_list[0], buf, sizeof buf);
              *c->addr = buf;
            } else if (c->why->empty() || status != ARES_ENOTFOUND) {
              *c->why = ares_reason(status);
            }
            c->r->finished();
          },
          &ctxs.back());
    }
    if (!ctxs.empty()) r.run();
  }
  return out;
}

// Source 2: DNS SRV _pstorage._tcp.CLUSTER. Empty with *why on failure.
std::vector<endpoint> srv_source(const std::string& cluster, std::string* why) {
  std::vector<endpoint> result;
  try {
    resolver r;
    const std::string name = discovery::srv_name(cluster);
    auto ans = search(r, name, ns_t_srv);
    if (ans.status != ARES_SUCCESS) {
      *why = "DNS SRV " + name + ": " + ares_reason(ans.status) + " (resolver " + r.conf() + ", servers " +
             r.servers() + ")";
      return result;
    }
    ares_srv_reply* srv = nullptr;
    int rc = ares_parse_srv_reply(ans.answer.data(), static_cast<int>(ans.answer.size()), &srv);
    if (rc != ARES_SUCCESS || !srv) {
      *why = "DNS SRV " + name + ": " + (rc == ARES_SUCCESS ? "no SRV records" : ares_reason(rc));
      if (srv) ares_free_data(srv);
      return result;
    }
    std::vector<discovery::srv_entry> entries;
    for (auto* s = srv; s; s = s->next) entries.push_back({s->priority, s->weight, s->port, s->host ? s->host : ""});
    ares_free_data(srv);
    discovery::order_srv(entries);
    std::vector<std::string> hosts;
    for (auto& e : entries) hosts.push_back(e.target);
    std::vector<std::string> host_why;
    auto addrs = resolve_hosts(r, hosts, host_why);
    std::string failed;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (addrs[i] && entries[i].port) {
        endpoint ep{*addrs[i], entries[i].port};
        if (std::find(result.begin(), result.end(), ep) == result.end()) result.push_back(ep);
      } else {
        failed += "; target " + entries[i].target + ":" + std::to_string(entries[i].port) + ": " +
                  (entries[i].port ? "no address (" + host_why[i] + ")" : "port 0");
      }
    }
    if (!failed.empty()) {
      if (result.empty())
        *why = "DNS SRV " + name + ": no usable target" + failed;
      else
        spdlog::warn("DNS SRV {}: some targets left out{}", name, failed);
    }
  } catch (const std::exception& e) {
    *why = std::string("DNS SRV: ") + e.what();
  }
  return result;
}

}  // namespace

std::string resolver_config_path() {
  const char* env = std::getenv("PSTORAGE_RESOLV_CONF");
  return env && *env ? std::string(env) : std::string("/etc/resolv.conf");
}

std::vector<endpoint> mds_addresses(const persistence::host_config& host, const std::string& cluster,
                                    std::string* source_description, std::string* error) {
  // 1. bs.list ("Specifying MDS Servers Manually").
  const auto bs_path = (host.cluster_dir(cluster) / "bs.list").string();
  auto bs = host.bs_list(cluster);
  if (!bs.empty()) {
    if (source_description) *source_description = "bs.list (" + bs_path + ")";
    return bs;
  }
  std::error_code ec;
  std::string bs_why = fs::exists(bs_path, ec) ? "bs.list " + bs_path + " lists no address"
                                               : "no bs.list (" + bs_path + ")";
  // 2. DNS SRV ("Using DNS Records").
  std::string srv_why;
  auto srv = srv_source(cluster, &srv_why);
  if (!srv.empty()) {
    if (source_description) *source_description = "DNS SRV " + discovery::srv_name(cluster);
    return srv;
  }
  // 3. Zeroconf ("Setting Up Zeroconf") would go here; not implemented.
  if (error)
    *error = "no MDS address found for cluster '" + cluster + "': " + bs_why + "; " + srv_why +
             ". Fix: create " + bs_path + " with one MDS address per line (e.g. echo ADDR:2510 >> " + bs_path +
             "), or add DNS SRV records " + discovery::srv_name(cluster) + " (e.g. '" +
             discovery::srv_name(cluster) + " SRV 0 1 2510 mds1') in a domain this host searches (docs/discovery.md)";
  return {};
}

std::vector<endpoint> require_mds_addresses(const persistence::host_config& host, const std::string& cluster) {
  std::string source, error;
  auto v = mds_addresses(host, cluster, &source, &error);
  if (v.empty()) throw std::runtime_error(error);
  spdlog::info("MDS addresses of cluster '{}' from {}: {}", cluster, source, discovery::join_endpoints(v));
  return v;
}

txt_discovery discover_clusters_txt() {
  txt_discovery out;
  out.resolver = resolver_config_path();
  try {
    resolver r;
    auto ans = search(r, discovery::txt_name, ns_t_txt);
    if (ans.status != ARES_SUCCESS) {
      out.error = "DNS TXT " + std::string(discovery::txt_name) + ": " + ares_reason(ans.status) + " (resolver " +
                  r.conf() + ", servers " + r.servers() + ")";
      return out;
    }
    ares_txt_ext* txt = nullptr;
    int rc = ares_parse_txt_reply_ext(ans.answer.data(), static_cast<int>(ans.answer.size()), &txt);
    if (rc != ARES_SUCCESS) {
      out.error = "DNS TXT " + std::string(discovery::txt_name) + ": " + ares_reason(rc);
      return out;
    }
    std::vector<std::vector<std::string>> records;
    for (auto* t = txt; t; t = t->next) {
      if (t->record_start || records.empty()) records.emplace_back();
      records.back().emplace_back(reinterpret_cast<const char*>(t->txt), t->length);
    }
    if (txt) ares_free_data(txt);
    auto names = discovery::names_from_txt(records);
    out.names = std::move(names.names);
    out.rejected = std::move(names.rejected);
    out.ok = !out.names.empty();
    if (!out.ok)
      out.error = "DNS TXT " + std::string(discovery::txt_name) + ": " + std::to_string(records.size()) +
                  " record(s) but no valid cluster name in them";
  } catch (const std::exception& e) {
    out.error = std::string("DNS TXT: ") + e.what();
  }
  return out;
}

}  // namespace pstorage::frontend
