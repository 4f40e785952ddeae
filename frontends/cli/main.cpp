// pstorage — the administration CLI: `pstorage -c CLUSTER COMMAND [options]`.
#include <CLI/CLI.hpp>
#include <cstdlib>

#include "frontends/cli/admin_commands.hpp"
#include "frontends/cli/attr_commands.hpp"
#include "frontends/cli/commands.hpp"
#include "frontends/cli/digest_command.hpp"
#include "frontends/cli/ha_commands.hpp"
#include "frontends/cli/scrub_commands.hpp"
#include "frontends/cli/revoke_node_command.hpp"
#include "frontends/cli/license_commands.hpp"
#include "frontends/cli/mds_commands.hpp"
#include "frontends/cli/report_command.hpp"
#include "frontends/cli/top_command.hpp"
#include "frontends/common/logging.hpp"

using namespace pstorage;

int main(int argc, char** argv) {
  CLI::App app{
      "pstorage: create, grow and watch a pstorage cluster.\n"
      "Configuration lives in /etc/pstorage (or $PSTORAGE_CONFIG_DIR, or --config-dir DIR)."};
  app.require_subcommand(1);
  cli::global_options g;
  std::string config_dir;
  app.add_option("-c,--cluster", g.cluster, "cluster name (letters, digits, '-', '_')");
  app.add_option("--config-dir", config_dir, "configuration root (default $PSTORAGE_CONFIG_DIR or /etc/pstorage)");
  app.add_flag("-v,--verbose", g.verbosity, "more output (repeat for more)");

  cli::make_mds_options mm;
  auto* make_mds = app.add_subcommand(
      "make-mds",
      "create a metadata server (MDS) repository.\n"
      "With -I: a new cluster with this MDS as its first member (guide: Setting Up the First Metadata Server):\n"
      "  pstorage -c pcs1 make-mds -I -a 10.30.100.101 -r /pstorage/pcs1-mds -p\n"
      "Without -I: add an MDS to a running cluster (guide: Adding MDS Servers). The host must be authenticated "
      "(pstorage -c NAME auth-node); the cluster is found through -b, else bs.list, else DNS SRV records _pstorage._tcp.NAME; the master adds the MDS (and "
      "refuses when the running MDSs would lose their majority); then the repository is created and "
      "'pstorage-mdsd -r DIR' starts the MDS, which copies the journal from the master:\n"
      "  pstorage -c pcs1 make-mds -a 10.30.100.102 -r /pstorage/pcs1-mds -b 10.30.100.101\n"
      "Add one MDS at a time and start it before adding the next. Ports: PORT (default 2510) between MDSs, "
      "PORT+1 for CSs and clients, PORT+2 for HTTP /status.");
  make_mds->add_flag("-I,--init", mm.init, "create a new cluster with this MDS as its first member");
  make_mds->add_option("-a,--address", mm.address,
                       "ADDR[:PORT] of the new MDS, an address of this host (ports PORT..PORT+2; default 2510)")
      ->required();
  make_mds->add_option("-b,--bootstrap", mm.bootstrap,
                       "without -I: ADDR[:PORT] of an MDS of the cluster (the first one, or all); repeatable; "
                       "default: the cluster's bs.list, else its DNS SRV records");
  make_mds->add_option("-r,--repository", mm.repo, "directory for the MDS journal and state (empty or new)")
      ->required();
  make_mds->add_flag("-p,--password", mm.ask_password, "ask for the cluster password (terminal, or stdin)");
  make_mds->add_option("--password-file", mm.password_file, "read the cluster password from the first line of FILE");
  auto* chunk_size_opt = make_mds->add_option("--chunk-size", mm.chunk_size,
                       "chunk size of the new cluster: bytes or with K/M/G, a multiple of 4096, at least 64K "
                       "(default 64M)");

  cli::make_cs_options mc;
  auto* make_cs = app.add_subcommand("make-cs", "create a chunk server repository on this host");
  make_cs->add_option("-r,--repository", mc.repo, "directory to store chunks in (empty or new)")->required();
  make_cs->add_option("-a,--address", mc.address, "ADDR[:PORT] the CS serves on (default: any free port)");
  make_cs->add_option("-t,--tier", mc.tier, "storage tier 0..3 (default 0)");
  make_cs->add_flag("-S,--no-checksums", mc.no_checksums, "disable data checksumming (guide: Disabling Checksumming)");

  std::optional<std::string> auth_pw_file;
  auto* auth = app.add_subcommand("auth-node", "authenticate this host in the cluster with the cluster password");
  auth->add_option("--password-file", auth_pw_file, "read the cluster password from the first line of FILE");

  bool stat_json = false;
  auto* top = app.add_subcommand(
      "top",
      "watch the cluster, refreshed every second (guide: Monitoring Parallels Cloud Storage Clusters): header, MDS "
      "and CS tables, latest events. Keys: q quit, h/? help, v verbose, i CS column sets, e events. When stdout is "
      "not a terminal it prints one snapshot (like top -b -n 1)");
  auto* stat = app.add_subcommand("stat", "show cluster status: MDS and chunk server lists");
  stat->add_flag("--json", stat_json, "print JSON instead of a table");
  bool stat_hwid = false;
  stat->add_flag("--license-hwid", stat_hwid,
                 "print the cluster's Hardware Node ID, needed to obtain a license (guide: Obtaining the HWID)");

  bool ls_json = false;
  auto* ls = app.add_subcommand("list-services", "list MDS and CS repositories configured on this host");
  ls->add_flag("--json", ls_json, "print JSON");
  bool ls_paths = false, ls_mds = false;
  ls->add_flag("-C", ls_paths, "accepted for compatibility: repository paths are always shown");
  ls->add_flag("-M", ls_mds, "MDS repositories only, with their MDS id and address (for configure-mds)");

  bool discover_json = false;
  auto* discover = app.add_subcommand(
      "discover",
      "list the names of the clusters announced on the network (guide: Discovering Cluster Names).\n"
      "Asks DNS for TXT records named pstorage_clusters in the resolver's search domains (/etc/resolv.conf, or "
      "the file named by $PSTORAGE_RESOLV_CONF). Every string of every record is a comma-separated list of "
      "cluster names, e.g. in the zone pcs.test:\n"
      "  pstorage_clusters 300 IN TXT \"cluster1,cluster2\" \"cluster3,cluster4\"\n"
      "  pstorage_clusters 300 IN TXT \"cluster5\"\n"
      "Output: 'Discovering using DNS TXT records: OK' (or FAIL, the reason on stderr), then the names, one a "
      "line, sorted and unique. Exit status 0 when at least one name was found, 1 otherwise.\n"
      "DNS zone transfer and Zeroconf discovery are not implemented. The MDSs of a named cluster are found "
      "through bs.list or DNS SRV records _pstorage._tcp.NAME (docs/discovery.md):\n"
      "  pstorage discover\n"
      "  pstorage discover --json");
  discover->add_flag("--json", discover_json,
                     "print {\"sources\":[{\"method\":\"dns-txt\",\"ok\":true}],\"clusters\":[...]} instead");

  std::optional<std::string> report_file;
  auto* report = app.add_subcommand(
      "make-report",
      "compile a report about the cluster for support (guide: Submitting Problem Reports to Technical Support): "
      "stat, top, events, parameters and license state from the master, every MDS's and CS's HTTP /status and "
      "/metrics, this host's configuration and daemon logs; no passwords, digests or keys (docs/operations.md)");
  report->add_option("-f,--file", report_file, "FILE.tgz to write (default ./pstorage-report-DATE-TIME.tgz)");

  auto attr = cli::add_attr_commands(app);  // get-attr, set-attr
  auto admin = cli::add_admin_commands(app);  // set-config, get-config, get-event, rm-cs
  auto mdsc = cli::add_mds_commands(app);      // rm-mds, configure-mds
  auto digest = cli::add_digest_command(app);  // md-digest
  auto lic = cli::add_license_commands(app);   // load-license, view-license
  auto scrub = cli::add_scrub_commands(app);   // scrub start|status
  auto revoke = cli::add_revoke_node_command(app);  // revoke-node HOST_ID
  auto ha = cli::add_ha_commands(app);         // ha add|list|remove|relocate|enable-node|disable-node

  CLI11_PARSE(app, argc, argv);
  if (!config_dir.empty()) {
    g.config_dir = config_dir;
    ::setenv("PSTORAGE_CONFIG_DIR", config_dir.c_str(), 1);  // read where no host_config is passed (mds_client's TLS)
  }
  frontend::setup_cli_logging(g.verbosity);

  mm.chunk_size_given = chunk_size_opt->count() > 0;
  if (*make_mds) return cli::make_mds(g, mm);
  if (*make_cs) return cli::make_cs(g, mc);
  if (*auth) return cli::auth_node(g, auth_pw_file);
  if (*top) return cli::top(g);
  if (*stat) return stat_hwid ? cli::print_license_hwid(g) : cli::stat(g, stat_json);
  if (*ls) return cli::list_services(g, ls_json, ls_mds);
  if (*discover) return cli::discover(g, discover_json);
  if (*report) return cli::make_report(g, report_file);
  if (auto rc = attr->dispatch(g)) return *rc;
  if (auto rc = admin->dispatch(g)) return *rc;
  if (auto rc = mdsc->dispatch(g)) return *rc;
  if (auto rc = digest->dispatch(g)) return *rc;
  if (auto rc = lic->dispatch(g)) return *rc;
  if (auto rc = ha->dispatch(g)) return *rc;
  if (auto rc = scrub->dispatch(g)) return *rc;
  if (auto rc = revoke->dispatch(g)) return *rc;
  return 2;
}
