// retry_policy.hpp — what the client does with each answer on the data path
// (contract /tmp/datapath.md; guide "Configuring Replication Parameters":
// below the minimum replica count writes are suspended, they do not fail).
// Pure: statuses in, an action out; delays are returned, never slept here.
#pragma once

#include <chrono>
#include <cstdint>

namespace pstorage::client {

// Backoff while the cluster cannot serve a request yet (below MIN, no MDS,
// no space): 100 ms, 200 ms, 400 ms, 800 ms, then 1 s forever.
std::chrono::milliseconds backoff_delay(unsigned attempt);

enum class action {
  done,            // success: use the answer
  refresh_map,     // our chunk map is stale: drop it, ask the MDS again, retry
  report_failure,  // tell the MDS which replica failed, retry with its new map
  wait_retry,      // back off (backoff_delay) and retry
  next_replica,    // read: try the next replica of the same map
  fail,            // give up: return `error` (an errno) to the caller
};

struct decision {
  action what = action::done;
  int error = 0;          // errno when what == fail
  uint32_t failed_cs = 0; // report_failure: the CS to report
  bool checksum = false;  // next_replica after a checksum error (report it)
  bool operator==(const decision&) const = default;
};

// Answer of ClientToMdsChunkMap / ClientToMdsReplicaFailed.
// status: Status.code; posix: Status.posixError; fail_on_nospace: the mount's
// --fail-on-nospace (guide "Mounting the Cluster": ENOSPC instead of waiting).
decision on_map_answer(uint32_t status, int posix, bool fail_on_nospace);

// Answer of a chain write or sync sent to the first replica.
// transport_error: the request itself failed (no answer, timeout, connect
// error): the first CS is reported. failed_cs: CsToClientWrite.failedCsId.
decision on_chain_answer(bool transport_error, uint32_t status, uint32_t failed_cs, uint32_t first_cs);

// Answer of a read from one replica.
decision on_read_answer(bool transport_error, uint32_t status);

// The errno a mount returns for a failed request: Status.posixError when
// set, else one derived from the status code.
int status_errno(uint32_t status, int posix);

// Bounds: how often a single operation may refresh a stale map, and how
// often a read may sweep all replicas, before it gives up with EIO.
inline constexpr unsigned max_stale_refreshes = 50;
inline constexpr unsigned max_read_sweeps = 5;

}  // namespace pstorage::client
