#include "actors/cs/scrub_schedule.hpp"

namespace pstorage::cs {

scrub_schedule::duration scrub_schedule::interval() const {
  if (rate_ == 0) return duration::zero();
  return std::chrono::duration_cast<duration>(std::chrono::minutes(1)) / rate_;
}

bool scrub_schedule::set_rate(uint32_t per_minute) {
  if (per_minute == rate_) return false;
  rate_ = per_minute;
  due_.reset();
  return true;
}

std::optional<scrub_schedule::duration> scrub_schedule::start(time_point now) {
  if (!enabled()) {
    due_.reset();
    return std::nullopt;
  }
  due_ = now + interval();
  return interval();
}

std::optional<scrub_schedule::duration> scrub_schedule::after_tick(time_point now) {
  if (!enabled()) {
    due_.reset();
    return std::nullopt;
  }
  if (!due_) return start(now);
  auto next = *due_ + interval();
  if (next <= now) next = now + interval();  // fell behind a whole interval: restart the grid
  due_ = next;
  return next - now;
}

std::optional<scrub_chunk> scrub_schedule::pick(const std::vector<scrub_chunk>& chunks) const {
  if (!enabled() || chunks.empty()) return std::nullopt;
  const scrub_chunk* smallest = nullptr;
  const scrub_chunk* after = nullptr;  // smallest id greater than the cursor
  for (const auto& c : chunks) {
    if (!smallest || c.id < smallest->id) smallest = &c;
    if (cursor_ && c.id > *cursor_ && (!after || c.id < after->id)) after = &c;
  }
  if (!cursor_) return *smallest;
  return after ? *after : *smallest;
}

void scrub_schedule::done(uint64_t id) {
  if (cursor_ && id <= *cursor_) ++rounds_;
  cursor_ = id;
  ++verified_;
}

}  // namespace pstorage::cs
