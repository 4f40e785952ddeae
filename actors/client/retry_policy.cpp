#include "actors/client/retry_policy.hpp"

#include <cerrno>

namespace pstorage::client {
namespace {
// protocol/common.capnp status codes (kept numeric: no Cap'n Proto here).
constexpr uint32_t ok = 0, bad_request = 1, auth_failed = 2, wrong_cluster = 3, not_found = 4, no_space = 5,
                   io_error = 6, unavailable = 7, stale = 8, busy = 9, checksum = 10;

}  // namespace

int status_errno(uint32_t status, int posix) {
  if (posix) return posix;
  switch (status) {
    case bad_request: return EINVAL;
    case auth_failed:
    case wrong_cluster: return EACCES;
    case not_found: return ENOENT;
    case no_space: return ENOSPC;
    case busy: return EBUSY;
    default: return EIO;
  }
}

std::chrono::milliseconds backoff_delay(unsigned attempt) {
  if (attempt >= 4) return std::chrono::milliseconds(1000);
  return std::chrono::milliseconds(100u << attempt);
}

decision on_map_answer(uint32_t status, int posix, bool fail_on_nospace) {
  switch (status) {
    case ok: return {action::done};
    case unavailable: return {action::wait_retry};
    case stale: return {action::refresh_map};
    case no_space:
      if (fail_on_nospace) return {action::fail, ENOSPC};
      return {action::wait_retry};
    default: return {action::fail, status_errno(status, posix)};
  }
}

decision on_chain_answer(bool transport_error, uint32_t status, uint32_t failed_cs, uint32_t first_cs) {
  if (transport_error) return {action::report_failure, 0, first_cs};
  if (status == ok) return {action::done};
  if (status == stale) return {action::refresh_map};
  if (failed_cs != 0) return {action::report_failure, 0, failed_cs};
  // An error without a culprit (e.g. a malformed request): the first CS.
  if (status == unavailable) return {action::wait_retry};
  return {action::report_failure, 0, first_cs};
}

decision on_read_answer(bool transport_error, uint32_t status) {
  if (transport_error) return {action::next_replica};
  switch (status) {
    case ok: return {action::done};
    case stale: return {action::refresh_map};
    case checksum: {
      decision d{action::next_replica};
      d.checksum = true;
      return d;
    }
    default: return {action::next_replica};
  }

}

}  // namespace pstorage::client
