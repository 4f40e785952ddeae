// file_util.hpp — small durable-file helpers shared by the config and stores.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace pstorage::persistence {

// Writes `content` to `path` atomically and durably: temp file, fsync,
// rename, fsync of the directory. `mode` is the file's permission bits.
// Throws std::runtime_error naming the path and errno text on failure.
void write_file_atomic(const std::filesystem::path& path, const std::string& content,
                       unsigned mode = 0644);

// Whole file, or nullopt when it does not exist. Throws on other errors.
std::optional<std::string> read_file(const std::filesystem::path& path);

// Random bytes from the kernel (getrandom). For ids and salts only; actors
// take their randomness from an injected, seeded source instead.
std::string random_bytes(size_t n);
std::string to_hex(const std::string& bytes);
std::optional<std::string> from_hex(const std::string& hex);

}  // namespace pstorage::persistence
