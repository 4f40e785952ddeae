// timed_storage.hpp — a chunk_storage decorator that times every call and
// reports its outcome, so the CS actor can raise the "Failed Chunk Servers"
// flags without touching each handler (guide: "Failed Chunk Servers"):
//   T  an I/O request took longer than io_timeout (default 10 s): "the disk
//      may only be inaccessible for some reason and not necessarily broken";
//   H  a call failed with storage_errc::io_error.
// The time comes from the injected clock (the CS actor passes CAF's clock,
// so tests run on virtual time); no clock is read here. The decorator adds
// no behaviour of its own: results are passed through unchanged.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "persistence/chunk_storage.hpp"

namespace pstorage::cs {

inline constexpr std::chrono::seconds default_io_timeout{10};

struct storage_observer {
  using time_point = std::chrono::steady_clock::time_point;
  std::function<time_point()> now;  // required
  // Called after every call: its name, how long it took, its status.
  std::function<void(const char* op, std::chrono::nanoseconds took,
                     const persistence::storage_status& status)>
      on_call;
};

class timed_storage final : public persistence::chunk_storage {
 public:
  timed_storage(std::shared_ptr<persistence::chunk_storage> inner, storage_observer obs)
      : inner_(std::move(inner)), obs_(std::move(obs)) {}

  const std::shared_ptr<persistence::chunk_storage>& inner() const { return inner_; }

  bool checksums_enabled() const override { return inner_->checksums_enabled(); }
  uint64_t chunk_size() const override { return inner_->chunk_size(); }
  persistence::storage_status create(uint64_t chunk_id, uint64_t version) override;
  persistence::storage_status write(uint64_t chunk_id, uint64_t version, uint64_t offset,
                                    std::span<const char> data) override;
  persistence::storage_result<std::vector<char>> read(uint64_t chunk_id, uint64_t version,
                                                      uint64_t offset, uint64_t length) override;
  persistence::storage_status sync(uint64_t chunk_id) override;
  persistence::storage_status set_version(uint64_t chunk_id, uint64_t new_version) override;
  persistence::storage_status remove(uint64_t chunk_id) override;
  persistence::storage_result<std::vector<persistence::chunk_info>> list() override;
  persistence::storage_result<persistence::chunk_info> stat(uint64_t chunk_id) override;
  persistence::storage_result<std::vector<uint64_t>> verify(uint64_t chunk_id) override;
  persistence::storage_result<persistence::storage_space> space() override;
  persistence::storage_status mark_page_bad(uint64_t chunk_id, uint64_t version, uint64_t page) override;

 private:
  template <class F>
  auto timed(const char* op, F&& f);

  std::shared_ptr<persistence::chunk_storage> inner_;
  storage_observer obs_;
};

}  // namespace pstorage::cs
