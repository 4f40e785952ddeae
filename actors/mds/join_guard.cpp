// join_guard.cpp — see join_guard.hpp.
#include "actors/mds/join_guard.hpp"

namespace pstorage::mds {

void join_guard::forget_old(const std::string& peer, int64_t now_ns) {
  auto i = failures_.find(peer);
  if (i == failures_.end()) return;
  while (!i->second.empty() && now_ns - i->second.front() >= limits_.failure_window_ns) i->second.pop_front();
  if (i->second.empty()) failures_.erase(i);
}

std::optional<std::string> join_guard::refusal(const std::string& peer, int64_t now_ns) {
  forget_old(peer, now_ns);
  auto i = failures_.find(peer);
  if (i == failures_.end() || i->second.size() < limits_.max_failures) return std::nullopt;
  const int64_t wait_ns = i->second.front() + limits_.failure_window_ns - now_ns;
  return "too many failed auth-node attempts from " + peer + ": " + std::to_string(i->second.size()) + " within " +
         std::to_string(limits_.failure_window_ns / 1'000'000'000) + " s; try again in " +
         std::to_string((wait_ns + 999'999'999) / 1'000'000'000) + " s";
}

void join_guard::issue(const std::string& peer, const std::string& challenge, int64_t now_ns) {
  while (challenges_.size() >= limits_.max_challenges && !order_.empty()) {
    challenges_.erase(order_.front());
    order_.pop_front();
  }
  challenges_[challenge] = {peer, now_ns};
  order_.push_back(challenge);
}

bool join_guard::take(const std::string& peer, const std::string& challenge, int64_t now_ns) {
  auto i = challenges_.find(challenge);
  if (i == challenges_.end()) return false;
  const bool ok = i->second.peer == peer && now_ns - i->second.at < limits_.challenge_ttl_ns;
  challenges_.erase(i);  // single use, even when refused
  for (auto o = order_.begin(); o != order_.end(); ++o)
    if (*o == challenge) {
      order_.erase(o);
      break;
    }
  return ok;
}

void join_guard::failed(const std::string& peer, int64_t now_ns) {
  forget_old(peer, now_ns);
  failures_[peer].push_back(now_ns);
}

}  // namespace pstorage::mds
