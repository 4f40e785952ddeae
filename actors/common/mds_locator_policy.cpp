#include "actors/common/mds_locator_policy.hpp"

#include <algorithm>

namespace pstorage::mds_locate {

endpoint mds_address(endpoint e) {
  if (!e.port) e.port = default_mds_port;
  return e;
}

endpoint service_endpoint(const endpoint& e) {
  auto m = mds_address(e);
  m.port = static_cast<uint16_t>(m.port + 1);
  return m;
}

std::optional<endpoint> parse_master_address(const std::string& s) {
  if (s.empty()) return std::nullopt;
  auto e = parse_endpoint(s);
  if (!e) return std::nullopt;
  return mds_address(*e);
}

std::vector<endpoint> candidates(const std::vector<endpoint>& configured, const std::vector<endpoint>& learned) {
  std::vector<endpoint> out = configured;
  for (auto& e : learned)
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  return out;
}

std::chrono::milliseconds round_backoff(unsigned round) {
  return round >= 4 ? std::chrono::milliseconds(1000) : std::chrono::milliseconds(100u << round);
}

master_search::master_search(std::vector<endpoint> listed) {
  for (auto& e : listed) {
    auto a = mds_address(e);
    if (std::find(listed_.begin(), listed_.end(), a) == listed_.end()) listed_.push_back(a);
  }
  queue_.assign(listed_.begin(), listed_.end());
}

std::optional<endpoint> master_search::next() {
  while (!queue_.empty()) {
    auto e = queue_.front();
    queue_.pop_front();
    if (std::find(tried_.begin(), tried_.end(), e) != tried_.end()) continue;
    tried_.push_back(e);
    return e;
  }
  return std::nullopt;
}

void master_search::next_round() {
  ++round_;
  tried_.clear();
  // The master named last goes first again.
  queue_.assign(listed_.begin(), listed_.end());
  if (named_) queue_.push_front(*named_);
}

void master_search::prefer(const std::string& master) {
  if (auto m = parse_master_address(master)) {
    named_ = m;
    queue_.push_front(*m);
  }
}

void master_search::on_not_master(const endpoint& tried, const std::string& master) {
  auto m = parse_master_address(master);
  if (!m) return note(tried, "not the master, and it knows no master yet");
  note(tried, "not the master; it names " + m->to_string());
  named_ = m;  // first in the next round
  if (std::find(tried_.begin(), tried_.end(), *m) == tried_.end()) queue_.push_front(*m);
}

void master_search::on_failure(const endpoint& tried, const std::string& why) { note(tried, why); }

void master_search::note(const endpoint& e, const std::string& why) {
  for (auto& [a, w] : why_)
    if (a == e) {
      w = why;
      return;
    }
  why_.emplace_back(e, why);
}

std::string master_search::report() const {
  std::string out;
  for (auto& [a, w] : why_) out += "\n  " + a.to_string() + " (MDS actor on port " +
                                   std::to_string(service_endpoint(a).port) + "): " + w;
  return out;
}

}  // namespace pstorage::mds_locate
