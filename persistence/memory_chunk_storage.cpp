#include "persistence/memory_chunk_storage.hpp"

#include <algorithm>
#include <cstring>

namespace pstorage::persistence {

namespace {
constexpr uint64_t ps = chunk_page_size;
}

memory_chunk_storage::memory_chunk_storage(const memory_storage_options& opts)
    : checksums_(opts.checksums),
      chunk_size_(opts.chunk_size == 0 ? ps : (opts.chunk_size + ps - 1) / ps * ps),
      capacity_(opts.capacity_bytes) {}

void memory_chunk_storage::fail_next(uint32_t n, storage_errc code) {
  fail_count_ = n;
  fail_code_ = code;
}

storage_status memory_chunk_storage::injected(uint64_t chunk_id) {
  if (fail_count_ == 0) return {};
  --fail_count_;
  return storage_error(fail_code_, chunk_id,
                       chunk_name(chunk_id) + ": injected fault (" + to_string(fail_code_) + ")");
}

storage_result<memory_chunk_storage::replica*> memory_chunk_storage::find(uint64_t chunk_id,
                                                                          uint64_t version,
                                                                          bool check_version) {
  auto it = chunks_.find(chunk_id);
  if (it == chunks_.end()) return not_found_error(chunk_id);
  if (check_version && it->second.version != version)
    return stale_version_error(chunk_id, it->second.version, version);
  return &it->second;
}

const memory_chunk_storage::page* memory_chunk_storage::live_page(const replica& r, uint64_t p) {
  if (auto it = r.dirty.find(p); it != r.dirty.end()) return &it->second;
  if (auto it = r.synced.find(p); it != r.synced.end()) return &it->second;
  return nullptr;
}

storage_status memory_chunk_storage::check_page(uint64_t chunk_id, const page* pg,
                                                uint64_t p) const {
  if (!checksums_ || pg == nullptr) return {};  // a hole is zeros with checksum 0
  if (page_checksum(pg->bytes.data()) != pg->sum) return checksum_error(chunk_id, p);
  return {};
}

storage_status memory_chunk_storage::create(uint64_t chunk_id, uint64_t version) {
  if (auto s = injected(chunk_id); !s) return s;
  if (chunks_.count(chunk_id))
    return storage_error(storage_errc::already_exists, chunk_id,
                         chunk_name(chunk_id) + " already exists");
  if (full_)
    return storage_error(storage_errc::no_space, chunk_id,
                         chunk_name(chunk_id) + ": no space left on device");
  chunks_[chunk_id].version = version;
  return {};
}

storage_status memory_chunk_storage::write(uint64_t chunk_id, uint64_t version, uint64_t offset,
                                           std::span<const char> data) {
  if (auto s = injected(chunk_id); !s) return s;
  auto found = find(chunk_id, version, true);
  if (!found) return found.status;
  if (auto s = check_range(chunk_id, offset, data.size(), chunk_size_); !s) return s;
  if (data.empty()) return {};
  replica& r = *found.value;
  const uint64_t end = offset + data.size();
  const uint64_t p0 = offset / ps, p1 = (end - 1) / ps;

  // Check everything first, so a refused write changes nothing.
  uint64_t new_pages = 0;
  for (uint64_t p = p0; p <= p1; ++p) {
    const page* pg = live_page(r, p);
    if (!pg) ++new_pages;
    const bool partial = p * ps < offset || p * ps + ps > end;
    if (partial) {
      if (auto s = check_page(chunk_id, pg, p); !s) return s;  // no re-checksumming rot
    }
  }
  if (new_pages > 0 && (full_ || (used_pages_ + new_pages) * ps > capacity_))
    return storage_error(storage_errc::no_space, chunk_id,
                         chunk_name(chunk_id) + ": no space left on device");

  for (uint64_t p = p0; p <= p1; ++p) {
    auto it = r.dirty.find(p);
    if (it == r.dirty.end()) {
      auto s = r.synced.find(p);
      if (s == r.synced.end()) {
        ++r.live_pages;
        ++used_pages_;
        it = r.dirty.emplace(p, page{}).first;
      } else {
        it = r.dirty.emplace(p, s->second).first;  // copy on write
      }
    }
    page& pg = it->second;
    const uint64_t start = p * ps;
    const uint64_t a = std::max(offset, start), b = std::min(end, start + ps);
    std::memcpy(pg.bytes.data() + (a - start), data.data() + (a - offset), b - a);
    pg.sum = checksums_ ? page_checksum(pg.bytes.data()) : 0;
  }
  r.length = std::max(r.length, end);
  return {};
}

storage_result<std::vector<char>> memory_chunk_storage::read(uint64_t chunk_id, uint64_t version,
                                                             uint64_t offset, uint64_t length) {
  if (auto s = injected(chunk_id); !s) return s;
  auto found = find(chunk_id, version, true);
  if (!found) return found.status;
  return read_pages(chunk_id, *found.value, offset, length);
}

storage_result<std::vector<char>> memory_chunk_storage::peek(uint64_t chunk_id, uint64_t offset, uint64_t length) {
  auto found = find(chunk_id, 0, false);
  if (!found) return found.status;
  return read_pages(chunk_id, *found.value, offset, length);
}

storage_result<std::vector<char>> memory_chunk_storage::read_pages(uint64_t chunk_id, const replica& r,
                                                                   uint64_t offset, uint64_t length) const {
  if (auto s = check_range(chunk_id, offset, length, chunk_size_); !s) return s;
  std::vector<char> out(length);
  if (length == 0) return out;
  const uint64_t end = offset + length;
  for (uint64_t p = offset / ps; p <= (end - 1) / ps; ++p) {
    const page* pg = live_page(r, p);
    if (auto s = check_page(chunk_id, pg, p); !s) return s;
    if (!pg) continue;  // hole: zeros
    const uint64_t start = p * ps;
    const uint64_t a = std::max(offset, start), b = std::min(end, start + ps);
    std::memcpy(out.data() + (a - offset), pg->bytes.data() + (a - start), b - a);
  }
  return out;
}

storage_status memory_chunk_storage::sync(uint64_t chunk_id) {
  if (auto s = injected(chunk_id); !s) return s;
  auto found = find(chunk_id, 0, false);
  if (!found) return found.status;
  replica& r = *found.value;
  for (auto& [p, pg] : r.dirty) r.synced.insert_or_assign(p, pg);
  r.dirty.clear();
  r.synced_length = r.length;
  return {};
}

storage_status memory_chunk_storage::set_version(uint64_t chunk_id, uint64_t new_version) {
  if (auto s = injected(chunk_id); !s) return s;
  auto found = find(chunk_id, 0, false);
  if (!found) return found.status;
  found.value->version = new_version;
  return {};
}

storage_status memory_chunk_storage::remove(uint64_t chunk_id) {
  if (auto s = injected(chunk_id); !s) return s;
  auto found = find(chunk_id, 0, false);
  if (!found) return found.status;
  used_pages_ -= found.value->live_pages;
  chunks_.erase(chunk_id);
  return {};
}

storage_result<std::vector<chunk_info>> memory_chunk_storage::list() {
  std::vector<chunk_info> out;
  out.reserve(chunks_.size());
  for (const auto& [id, r] : chunks_) out.push_back({id, r.version, r.length});
  return out;
}

storage_result<chunk_info> memory_chunk_storage::stat(uint64_t chunk_id) {
  if (auto s = injected(chunk_id); !s) return s;
  auto found = find(chunk_id, 0, false);
  if (!found) return found.status;
  return chunk_info{chunk_id, found.value->version, found.value->length};
}

storage_result<std::vector<uint64_t>> memory_chunk_storage::verify(uint64_t chunk_id) {
  if (auto s = injected(chunk_id); !s) return s;
  auto found = find(chunk_id, 0, false);
  if (!found) return found.status;
  std::vector<uint64_t> bad;
  const replica& r = *found.value;
  const uint64_t pages = (r.length + ps - 1) / ps;
  for (uint64_t p = 0; p < pages; ++p)
    if (!check_page(chunk_id, live_page(r, p), p)) bad.push_back(p);
  return bad;
}

storage_status memory_chunk_storage::mark_page_bad(uint64_t chunk_id, uint64_t version, uint64_t page) {
  if (!checksums_) return chunk_storage::mark_page_bad(chunk_id, version, page);
  if (auto s = check_range(chunk_id, page * ps, ps, chunk_size_); !s) return s;
  const std::vector<char> zeros(ps, 0);
  if (auto s = write(chunk_id, version, page * ps, zeros); !s) return s;  // a whole page: never refused for rot
  chunks_[chunk_id].dirty[page].sum = marked_bad_page_checksum;
  return {};
}

storage_result<storage_space> memory_chunk_storage::space() {
  const uint64_t used = used_bytes();
  return storage_space{capacity_, used >= capacity_ ? 0 : capacity_ - used};
}

bool memory_chunk_storage::flip_bit(uint64_t chunk_id, uint64_t offset, unsigned bit) {
  auto it = chunks_.find(chunk_id);
  if (it == chunks_.end() || offset >= chunk_size_ || bit > 7) return false;
  replica& r = it->second;
  const uint64_t p = offset / ps;
  page* pg = nullptr;
  if (auto d = r.dirty.find(p); d != r.dirty.end()) {
    pg = &d->second;
  } else if (auto s = r.synced.find(p); s != r.synced.end()) {
    pg = &s->second;
  } else {  // rot in a hole: the medium now holds a non-zero byte there
    ++r.live_pages;
    ++used_pages_;
    pg = &r.synced.emplace(p, page{}).first->second;
  }
  pg->bytes[offset % ps] = static_cast<char>(pg->bytes[offset % ps] ^ (1u << bit));
  return true;
}

void memory_chunk_storage::crash() {
  for (auto& [id, r] : chunks_) {
    used_pages_ -= r.live_pages;
    r.dirty.clear();
    r.live_pages = r.synced.size();
    used_pages_ += r.live_pages;
    r.length = r.synced_length;
  }
}

}  // namespace pstorage::persistence
