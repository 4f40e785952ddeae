// md_view.hpp — the read side of the metadata model: the read-only view of
// the state (md_view, implemented by persistence::md_store and by test
// fakes), and the error/result types every metadata decision returns.
// Part of the metadata model library (protocol/md_model/), below both
// persistence and actors: the store implements it, the MDS validators
// (actors/mds/md_validate.hpp) read through it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "protocol/md_model/md_command.hpp"

namespace pstorage::mds {

// Largest file size: offsets are int64 in SQLite and in FUSE.
inline constexpr uint64_t max_file_size = static_cast<uint64_t>(INT64_MAX);

struct md_error {
  int code = 0;         // an errno value: ENOENT, EEXIST, ...
  std::string message;  // for the operator: what, on what, why
  bool operator==(const md_error&) const = default;
};

// "ENOENT", "EEXIST", ... for logs and the wire; "E<n>" for others.
const char* errno_name(int code);

template <class T>
class md_result {
 public:
  md_result(T v) : v_(std::move(v)) {}
  md_result(md_error e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(v_); }
  T& value() { return std::get<0>(v_); }
  const md_error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, md_error> v_;
};

using md_outcome = md_result<md_command>;

// Read-only view of the metadata state (implemented by persistence::md_store
// and by test fakes). Orphans are reachable by getattr but by no lookup.
class md_view {
 public:
  virtual ~md_view() = default;
  virtual uint64_t chunk_size() const = 0;
  virtual std::optional<inode_attr> getattr(inode_id ino) const = 0;
  virtual std::optional<dir_entry> lookup(inode_id parent, std::string_view name) const = 0;
  virtual bool dir_empty(inode_id dir) const = 0;
  virtual std::optional<chunk_info> chunk_at(inode_id file, uint64_t index) const = 0;
  virtual std::optional<chunk_info> chunk_by_id(chunk_id id) const = 0;
};

}  // namespace pstorage::mds
