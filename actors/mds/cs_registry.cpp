#include "actors/mds/cs_registry.hpp"

#include <algorithm>

namespace pstorage::mds {

const char* to_string(cs_status s) {
  switch (s) {
    case cs_status::active: return "active";
    case cs_status::inactive: return "inactive";
    case cs_status::offline: return "offline";
    case cs_status::dropped: return "dropped";
  }
  return "unknown";
}

void cs_registry::load(const std::vector<persistence::cs_record>& recs, time_point now) {
  for (auto& r : recs) {
    cs_entry e;
    e.rec = r;
    e.status = r.dropped ? cs_status::dropped : cs_status::inactive;
    e.last_seen = now;
    e.inactive_since = now;
    css_[r.id] = e;
  }
}

cs_registry::match cs_registry::classify_register(uint32_t cs_id, const std::string& repo_uuid,
                                                  uint32_t* existing_id) const {
  if (cs_id == 0) {
    for (auto& [id, e] : css_)
      if (e.rec.repo_uuid == repo_uuid && e.status != cs_status::dropped) {
        if (existing_id) *existing_id = id;
        return match::known;
      }
    return match::new_cs;
  }
  if (existing_id) *existing_id = cs_id;
  auto it = css_.find(cs_id);
  if (it == css_.end() || it->second.status == cs_status::dropped) return match::unknown_id;
  if (it->second.rec.repo_uuid != repo_uuid) return match::uuid_mismatch;
  return match::known;
}

std::optional<cs_event> cs_registry::set_status(cs_entry& e, cs_status to, time_point now) {
  if (e.status == to) return std::nullopt;
  cs_event ev{e.rec.id, e.status, to, {}};
  auto secs = [&](duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count());
  };
  switch (to) {
    case cs_status::active:
      ev.text = "CS#" + std::to_string(e.rec.id) + " is active";
      break;
    case cs_status::inactive:
      ev.text = "CS#" + std::to_string(e.rec.id) + " has not registered during the last " +
                secs(now - e.last_seen) + " sec and is marked as inactive";
      e.inactive_since = now;
      break;
    case cs_status::offline:
      ev.text = "CS#" + std::to_string(e.rec.id) + " has not registered during the last " +
                secs(now - e.last_seen) + " sec and is marked as offline";
      break;
    case cs_status::dropped:
      ev.text = "CS#" + std::to_string(e.rec.id) + " is dropped";
      break;
  }
  if (to != cs_status::active) e.io = {};
  e.status = to;
  return ev;
}

std::optional<cs_event> cs_registry::on_register(const persistence::cs_record& rec, uint64_t total, uint64_t free,
                                                 const std::string& flags, time_point now) {
  auto [it, fresh] = css_.try_emplace(rec.id);
  auto& e = it->second;
  e.rec = rec;
  if (fresh) e.status = cs_status::inactive;  // so the transition to active is reported
  e.total_bytes = total;
  e.free_bytes = free;
  e.flags = flags;
  e.last_seen = now;
  return set_status(e, cs_status::active, now);
}

bool cs_registry::on_heartbeat(uint32_t cs_id, uint64_t total, uint64_t free, const std::string& flags,
                               time_point now, std::optional<cs_event>* changed) {
  auto it = css_.find(cs_id);
  if (it == css_.end() || it->second.status == cs_status::dropped) return false;
  auto& e = it->second;
  e.total_bytes = total;
  e.free_bytes = free;
  e.flags = flags;
  e.last_seen = now;
  auto ev = set_status(e, cs_status::active, now);
  if (changed) *changed = ev;
  return true;
}

void cs_registry::record_io(uint32_t cs_id, const cs_io_figures& io) {
  auto it = css_.find(cs_id);
  if (it == css_.end() || it->second.status != cs_status::active) return;
  it->second.io = io;
}

void cs_registry::record_scrub(uint32_t cs_id, const scrub_figures& f) {
  auto it = css_.find(cs_id);
  if (it == css_.end() || it->second.status != cs_status::active) return;
  it->second.scrub = f;
}

cluster_io_totals cs_registry::io_totals() const {
  cluster_io_totals t;
  for (auto& [id, e] : css_) {
    if (e.status != cs_status::active) continue;
    t.read_bytes_per_s += e.io.read_bytes_per_s;
    t.write_bytes_per_s += e.io.write_bytes_per_s;
    t.read_ops_per_s += e.io.read_ops_per_s;
    t.write_ops_per_s += e.io.write_ops_per_s;
  }
  return t;
}

std::optional<cs_event> cs_registry::on_disconnect(uint32_t cs_id, time_point now) {
  auto it = css_.find(cs_id);
  if (it == css_.end() || it->second.status != cs_status::active) return std::nullopt;
  return set_status(it->second, cs_status::inactive, now);
}

std::vector<cs_event> cs_registry::tick(time_point now) {
  std::vector<cs_event> out;
  for (auto& [id, e] : css_) {
    if (e.status == cs_status::active && now - e.last_seen >= cfg_.inactive_after) {
      if (auto ev = set_status(e, cs_status::inactive, now)) out.push_back(*ev);
    }
    if (e.status == cs_status::inactive && now - e.inactive_since >= cfg_.offline_after) {
      if (auto ev = set_status(e, cs_status::offline, now)) out.push_back(*ev);
    }
  }
  return out;
}

std::optional<cs_event> cs_registry::mark_dropped(uint32_t cs_id, time_point now) {
  auto it = css_.find(cs_id);
  if (it == css_.end()) return std::nullopt;
  it->second.rec.dropped = true;
  return set_status(it->second, cs_status::dropped, now);
}

std::optional<cs_event> cs_registry::mark_revoked(uint32_t cs_id, time_point now) {
  auto it = css_.find(cs_id);
  if (it == css_.end() || it->second.status == cs_status::dropped || it->second.status == cs_status::offline)
    return std::nullopt;
  auto& e = it->second;
  auto ev = set_status(e, cs_status::offline, now);
  e.io = {};
  if (ev)
    ev->text = "CS#" + std::to_string(cs_id) + " is offline: its host " + e.rec.host + " (host id " + e.rec.host_id +
               ") is revoked";
  return ev;
}

void cs_registry::adjust_free(uint32_t cs_id, int64_t delta) {
  auto it = css_.find(cs_id);
  if (it == css_.end()) return;
  auto& e = it->second;
  if (delta < 0) {
    const uint64_t d = static_cast<uint64_t>(-delta);
    e.free_bytes = e.free_bytes > d ? e.free_bytes - d : 0;
  } else {
    e.free_bytes = std::min(e.total_bytes, e.free_bytes + static_cast<uint64_t>(delta));
  }
}

const cs_entry* cs_registry::find(uint32_t id) const {
  auto it = css_.find(id);
  return it == css_.end() ? nullptr : &it->second;
}

size_t cs_registry::count(cs_status s) const {
  size_t n = 0;
  for (auto& [id, e] : css_) n += e.status == s;
  return n;
}

}  // namespace pstorage::mds
