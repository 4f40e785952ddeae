#include "actors/cs/timed_storage.hpp"

namespace pstorage::cs {

using persistence::storage_status;

namespace {
const storage_status& status_of(const storage_status& s) { return s; }
template <class T>
const storage_status& status_of(const persistence::storage_result<T>& r) {
  return r.status;
}
}  // namespace

template <class F>
auto timed_storage::timed(const char* op, F&& f) {
  const auto t0 = obs_.now();
  auto r = f();
  const auto took = obs_.now() - t0;
  if (obs_.on_call) obs_.on_call(op, std::chrono::duration_cast<std::chrono::nanoseconds>(took), status_of(r));
  return r;
}

storage_status timed_storage::create(uint64_t chunk_id, uint64_t version) {
  return timed("create", [&] { return inner_->create(chunk_id, version); });
}
storage_status timed_storage::write(uint64_t chunk_id, uint64_t version, uint64_t offset,
                                    std::span<const char> data) {
  return timed("write", [&] { return inner_->write(chunk_id, version, offset, data); });
}
persistence::storage_result<std::vector<char>> timed_storage::read(uint64_t chunk_id, uint64_t version,
                                                                   uint64_t offset, uint64_t length) {
  return timed("read", [&] { return inner_->read(chunk_id, version, offset, length); });
}
storage_status timed_storage::sync(uint64_t chunk_id) {
  return timed("sync", [&] { return inner_->sync(chunk_id); });
}
storage_status timed_storage::set_version(uint64_t chunk_id, uint64_t new_version) {
  return timed("set_version", [&] { return inner_->set_version(chunk_id, new_version); });
}
storage_status timed_storage::remove(uint64_t chunk_id) {
  return timed("remove", [&] { return inner_->remove(chunk_id); });
}
persistence::storage_result<persistence::chunk_info> timed_storage::stat(uint64_t chunk_id) {
  return timed("stat", [&] { return inner_->stat(chunk_id); });
}

persistence::storage_result<std::vector<persistence::chunk_info>> timed_storage::list() {
  return timed("list", [&] { return inner_->list(); });
}
persistence::storage_result<std::vector<uint64_t>> timed_storage::verify(uint64_t chunk_id) {
  return timed("verify", [&] { return inner_->verify(chunk_id); });
}
storage_status timed_storage::mark_page_bad(uint64_t chunk_id, uint64_t version, uint64_t page) {
  return timed("write", [&] { return inner_->mark_page_bad(chunk_id, version, page); });
}
persistence::storage_result<persistence::storage_space> timed_storage::space() {
  return timed("space", [&] { return inner_->space(); });
}

}  // namespace pstorage::cs
