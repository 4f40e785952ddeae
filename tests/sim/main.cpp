// pstorage-sim — the deterministic failure simulator's runner (issue
// "Deterministic failure simulation"; docs/simulator.md).
//
//   pstorage-sim --seed S [--scenario NAME] [--trace]   replay one run exactly
//   pstorage-sim --seeds A..B [--scenario NAME|all]     sweep
//   pstorage-sim --bug NAME --seeds A..B                sweep with a deliberate bug on
//   pstorage-sim --check-determinism --seeds A..B       every seed twice, traces compared
//   pstorage-sim --list-scenarios | --list-invariants | --list-bugs
//
// Exit codes: 0 all runs kept every invariant; 1 a violation (seed, scenario,
// invariant and trace window printed); 2 usage error; 3 --bug given but its
// injection point was never reached; 4 determinism check failed.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/common/sim_bugs.hpp"
#include "tests/sim/simulation.hpp"

using namespace pstorage::sim;
namespace bugs = pstorage::sim_bugs;

namespace {

std::string dashed(std::string s) {
  for (auto& c : s)
    if (c == '_') c = '-';
  return s;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "pstorage-sim: %s\n"
               "usage: pstorage-sim [--seed S | --seeds A..B] [--scenario NAME|all] [--bug NAME]... [--waive INV]... [--trace]\n"
               "                    [--window N] [--coverage] [--keep-going] [--check-determinism] [--quiet]\n"
               "       pstorage-sim --list-scenarios | --list-invariants | --list-bugs\n",
               why);
  return 2;
}

void print_window(const run_result& r, size_t window) {
  auto& t = r.trace;
  size_t from = t.size() > window ? t.size() - window : 0;
  std::printf("--- trace, last %zu of %zu events (replay all with --trace) ---\n", t.size() - from, t.size());
  for (size_t i = from; i < t.size(); ++i)
    std::printf("%9.3f s  #%-7llu %s\n", t[i].at_ms / 1000.0, static_cast<unsigned long long>(t[i].step),
                t[i].text.c_str());
  std::printf("---\n");
}

}  // namespace

int main(int argc, char** argv) {
  // The actors' own logs are off (the trace says what happened) unless
  // PSTORAGE_SIM_LOG=debug|info|warn asks for them while replaying a seed.
  spdlog::set_level(spdlog::level::off);
  if (const char* lv = std::getenv("PSTORAGE_SIM_LOG")) spdlog::set_level(spdlog::level::from_str(lv));
  uint64_t first = 1, last = 1;
  std::string scenario_name;
  std::vector<std::string> bug_names;
  std::set<std::string> waived;  // known, reported production bugs (docs/simulator.md)
  bool echo = false, coverage = false, keep_going = false, determinism = false, quiet = false;
  size_t window = 40;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* opt) -> std::string {
      if (i + 1 >= argc) {
        usage((std::string(opt) + " needs a value").c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seed") {
      first = last = std::strtoull(value("--seed").c_str(), nullptr, 10);
    } else if (a == "--seeds") {
      auto v = value("--seeds");
      auto dots = v.find("..");
      if (dots == std::string::npos) return usage("--seeds wants A..B");
      first = std::strtoull(v.substr(0, dots).c_str(), nullptr, 10);
      last = std::strtoull(v.substr(dots + 2).c_str(), nullptr, 10);
      if (last < first) return usage("--seeds A..B needs A <= B");
    } else if (a == "--scenario") {
      scenario_name = value("--scenario");
    } else if (a == "--bug") {
      bug_names.push_back(value("--bug"));
    } else if (a == "--waive") {
      waived.insert(value("--waive"));
    } else if (a == "--trace") {
      echo = true;
    } else if (a == "--window") {
      window = std::strtoull(value("--window").c_str(), nullptr, 10);
    } else if (a == "--coverage") {
      coverage = true;
    } else if (a == "--keep-going") {
      keep_going = true;
    } else if (a == "--check-determinism") {
      determinism = true;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--list-scenarios") {
      for (auto& s : scenarios()) std::printf("%-20s %s\n", s.name.c_str(), s.description.c_str());
      return 0;
    } else if (a == "--list-invariants") {
      for (auto& inv : invariants())
        std::printf("%-26s %-6s %-58s %s\n", inv.name, inv.when, inv.state, inv.what);
      return 0;
    } else if (a == "--list-bugs") {
      for (auto& b : bugs::catalog)
        std::printf("%-36s caught by %-24s at %s\n%36s %s\n", dashed(b.name).c_str(), b.invariant, b.where, "", b.what);
      return 0;
    } else if (a == "--help" || a == "-h") {
      usage("help");
      return 0;
    } else {
      return usage(("unknown option " + a).c_str());
    }
  }

  std::vector<bugs::bug> on;
  for (auto& n : bug_names) {
    bool found = false;
    for (auto& b : bugs::catalog)
      if (dashed(b.name) == dashed(n)) {
        on.push_back(b.id);
        found = true;
      }
    if (!found) return usage(("unknown bug " + n + " (see --list-bugs)").c_str());
  }
  for (auto b : on) bugs::switches().on[static_cast<size_t>(b)] = true;

  const scenario* fixed = nullptr;
  if (!scenario_name.empty() && scenario_name != "all") {
    fixed = find_scenario(scenario_name);
    if (!fixed) return usage(("unknown scenario " + scenario_name + " (see --list-scenarios)").c_str());
  }
  std::vector<const scenario*> all;
  for (auto& s : scenarios())
    if (s.in_rotation) all.push_back(&s);
  auto scenario_for = [&](uint64_t seed) { return fixed ? fixed : all[seed % all.size()]; };

  std::map<std::string, uint64_t> cov_total;
  std::set<std::string> notes;
  uint64_t runs = 0, failures = 0;
  std::map<std::string, uint64_t> waived_hits;
  int rc = 0;
  for (uint64_t seed = first; seed <= last; ++seed) {
    run_options o;
    o.seed = seed;
    o.sc = scenario_for(seed);
    o.echo_trace = echo;
    auto r = run_simulation(o);
    ++runs;
    for (auto& [k, v] : r.coverage) cov_total[k] += v;
    notes.insert(r.notes.begin(), r.notes.end());
    if (determinism) {
      o.echo_trace = false;
      auto again = run_simulation(o);
      bool same = again.trace_hash == r.trace_hash && again.trace.size() == r.trace.size();
      for (size_t i = 0; same && i < r.trace.size(); ++i)
        same = r.trace[i].text == again.trace[i].text && r.trace[i].at_ms == again.trace[i].at_ms;
      if (!same) {
        std::printf("NONDETERMINISTIC seed=%llu scenario=%s: trace hash %016llx vs %016llx (%zu vs %zu events)\n",
                    static_cast<unsigned long long>(seed), o.sc->name.c_str(),
                    static_cast<unsigned long long>(r.trace_hash), static_cast<unsigned long long>(again.trace_hash),
                    r.trace.size(), again.trace.size());
        return 4;
      }
    }
    if (r.failed && waived.count(r.failed->invariant)) {
      ++waived_hits[r.failed->invariant];
      if (!quiet)
        std::printf("WAIVED seed=%llu scenario=%s invariant=%s (known issue): %s\n", static_cast<unsigned long long>(seed),
                    r.scenario.c_str(), r.failed->invariant.c_str(), r.failed->detail.c_str());
    } else if (r.failed) {
      ++failures;
      rc = 1;
      std::printf("VIOLATION seed=%llu scenario=%s invariant=%s at %.3f s\n  %s\n",
                  static_cast<unsigned long long>(seed), r.scenario.c_str(), r.failed->invariant.c_str(),
                  r.failed_at_ms / 1000.0, r.failed->detail.c_str());
      print_window(r, window);
      std::string bugs_arg;
      for (auto& n : bug_names) bugs_arg += " --bug " + dashed(n);
      std::printf("replay: pstorage-sim --seed %llu --scenario %s%s --trace\n", static_cast<unsigned long long>(seed),
                  r.scenario.c_str(), bugs_arg.c_str());
      if (!keep_going) break;
    } else if (!quiet) {
      std::printf("ok seed=%llu scenario=%s steps=%llu virtual=%.1f s events=%zu hash=%016llx\n",
                  static_cast<unsigned long long>(seed), r.scenario.c_str(), static_cast<unsigned long long>(r.steps),
                  r.end_ms / 1000.0, r.trace.size(), static_cast<unsigned long long>(r.trace_hash));
    }
  }
  std::printf("%llu run(s), %llu violation(s)%s\n", static_cast<unsigned long long>(runs),
              static_cast<unsigned long long>(failures), determinism && rc == 0 ? ", every trace replayed identically" : "");
  for (auto& [inv, n] : waived_hits)
    std::printf("WAIVED: %llu run(s) stopped at known issue %s (see docs/simulator.md); remove --waive once fixed\n",
                static_cast<unsigned long long>(n), inv.c_str());
  for (auto& n : notes) std::printf("note: %s\n", n.c_str());
  if (coverage) {
    std::printf("coverage (times each fault / network path was hit):\n");
    for (auto& [k, v] : cov_total) std::printf("  %-44s %llu\n", k.c_str(), static_cast<unsigned long long>(v));
  }
  for (auto b : on) {
    auto i = static_cast<size_t>(b);
    std::printf("bug %s: injection point consulted %llu time(s)\n", dashed(bugs::catalog[i].name).c_str(),
                static_cast<unsigned long long>(bugs::switches().consulted[i]));
    if (bugs::switches().consulted[i] == 0 && rc == 0) {
      std::printf("bug %s: its injection point was never reached (not in the code yet? see docs/simulator.md)\n",
                  dashed(bugs::catalog[i].name).c_str());
      rc = 3;
    }
  }
  return rc;
}
