// pstorage-license-tool — the vendor's side of licensing (docs/licensing.md):
// creates the Ed25519 key pair whose public half the MDS verifies licenses
// with, and issues signed licenses bound to a cluster's HWID (`pstorage -c
// NAME stat --license-hwid`). Tests use it to craft licenses.
//
//   pstorage-license-tool keygen -o vendor.key        (prints the public key)
//   pstorage-license-tool pubkey -k vendor.key
//   pstorage-license-tool issue -k vendor.key --hwid HWID --key-number PCSS.00000001.0001 \
//       --capacity 500 [--replicas 5] [--gracecapacity 5] [--graceperiod 3600] \
//       [--start "MM/DD/YYYY HH:MM:SS" | --start-unix S] [--days 365 | --expiration "..." | --expiration-unix S] \
//       [--autorecovery 0|1] [--autorebalance 0|1] [--snapshots 0|1] [--format file|key] [-o FILE]
#include <CLI/CLI.hpp>

#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>

#include "actors/license/license_doc.hpp"
#include "actors/license/license_signature.hpp"

using namespace pstorage::license;

namespace {

std::string read_private_key(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the private key file '" + path + "'");
  std::string line;
  std::getline(in, line);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  if (!public_key_of(line)) throw std::runtime_error("'" + path + "' does not hold an Ed25519 private key (64 hex digits)");
  return line;
}

int64_t time_option(const std::string& text, int64_t unix_s, int64_t fallback, const char* name) {
  if (!text.empty()) {
    auto t = parse_time(text);
    if (!t) throw std::runtime_error(std::string("--") + name + " is not \"MM/DD/YYYY HH:MM:SS\" (UTC)");
    return *t;
  }
  return unix_s >= 0 ? unix_s : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pstorage-license-tool: the license vendor's key pair and signed licenses (docs/licensing.md)"};
  app.require_subcommand(1);

  std::string out_path;
  auto* keygen = app.add_subcommand("keygen", "create an Ed25519 key pair: the private key into -o FILE (mode 0600), "
                                              "the public key (the MDS's vendor key setting) on stdout");
  keygen->add_option("-o,--output", out_path, "private key file to create")->required();

  std::string key_path;
  auto* pubkey = app.add_subcommand("pubkey", "print the public key of a private key file");
  pubkey->add_option("-k,--key", key_path, "private key file")->required();

  license_doc d;
  std::string start_text, exp_text, capacity = "100", format = "file";
  int64_t start_unix = -1, exp_unix = -1, days = 365;
  int autorecovery = 1, autorebalance = 1, snapshots = 1;
  auto* issue = app.add_subcommand("issue", "issue a signed license bound to a cluster's HWID");
  issue->add_option("-k,--key", key_path, "private key file")->required();
  issue->add_option("--hwid", d.hwid, "the cluster's HWID (pstorage -c NAME stat --license-hwid)")->required();
  issue->add_option("--key-number", d.key_number, "PCSS.XXXXXXXX.XXXX")->required();
  issue->add_option("--capacity", capacity, "GB data chunks may occupy (up to three decimals; default 100)");
  issue->add_option("--replicas", d.replicas, "maximum replicas per chunk, 1..15 (default 3)");
  issue->add_option("--gracecapacity", d.gracecapacity, "percent of capacity usable above it (default 0)");
  issue->add_option("--graceperiod", d.graceperiod, "seconds the cluster keeps working after expiration (default 0)");
  issue->add_option("--start", start_text, "start date, UTC \"MM/DD/YYYY HH:MM:SS\" (default now)");
  issue->add_option("--start-unix", start_unix, "start date, seconds since the epoch");
  issue->add_option("--expiration", exp_text, "expiration, UTC \"MM/DD/YYYY HH:MM:SS\"");
  issue->add_option("--expiration-unix", exp_unix, "expiration, seconds since the epoch");
  issue->add_option("--days", days, "without an expiration: valid this many days from the start (default 365)");
  issue->add_option("--autorecovery", autorecovery, "1: automatic replication of lost replicas allowed (default 1)");
  issue->add_option("--autorebalance", autorebalance, "1: automatic rebalancing allowed (default 1)");
  issue->add_option("--snapshots", snapshots, "1: snapshots allowed (default 1)");
  issue->add_option("--version", d.version, "product version the license is for (default 1.0)");
  issue->add_option("--format", format, "file: the PCSSTOR text (load-license -f); key: one line (load-license -p)")
      ->check(CLI::IsMember({"file", "key"}));
  issue->add_option("-o,--output", out_path, "write to FILE instead of stdout");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*keygen) {
      auto k = generate_key_pair();
      std::ofstream out(out_path, std::ios::trunc);
      if (!out) throw std::runtime_error("cannot create '" + out_path + "'");
      ::chmod(out_path.c_str(), 0600);
      out << k.private_hex << "\n";
      if (!out.flush()) throw std::runtime_error("cannot write '" + out_path + "'");
      std::cout << k.public_hex << "\n";
      return 0;
    }
    if (*pubkey) {
      std::cout << *public_key_of(read_private_key(key_path)) << "\n";
      return 0;
    }
    if (*issue) {
      auto priv = read_private_key(key_path);
      if (!valid_hwid(d.hwid)) throw std::runtime_error("--hwid is not XXXX.XXXX.XXXX.XXXX.XXXX.XXXX.XXXX.XXXX");
      if (!valid_key_number(d.key_number)) throw std::runtime_error("--key-number is not PCSS.XXXXXXXX.XXXX");
      auto cap = parse_capacity_gb(capacity);
      if (!cap) throw std::runtime_error("--capacity is not a number of GB (up to three decimals)");
      d.capacity_mb = *cap;
      if (d.replicas < 1 || d.replicas > 15) throw std::runtime_error("--replicas is out of range 1..15");
      d.start = time_option(start_text, start_unix, static_cast<int64_t>(std::time(nullptr)), "start");
      d.expiration = time_option(exp_text, exp_unix, d.start + days * 86400, "expiration");
      d.autorecovery = autorecovery != 0;
      d.autorebalance = autorebalance != 0;
      d.snapshots = snapshots != 0;
      auto l = sign(d, priv);
      std::string text = format == "key" ? encode_key(l) + "\n" : encode_file(l);
      std::string err;
      if (!parse_license(text, &err)) throw std::runtime_error("internal error: the issued license does not parse: " + err);
      if (out_path.empty()) {
        std::cout << text;
      } else {
        std::ofstream out(out_path, std::ios::trunc);
        out << text;
        if (!out.flush()) throw std::runtime_error("cannot write '" + out_path + "'");
      }
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "pstorage-license-tool: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
