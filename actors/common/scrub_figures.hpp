// scrub_figures.hpp — one chunk server's scrubbing as it reports it
// (protocol common.capnp ScrubProgress: CsToMdsHeartbeat.scrub, kept by the
// master in its CS registry and passed on in stat's CsInfo.scrub). Plain
// struct plus the one copy of its wire mapping (DESIGN.md principle 1: the
// CS's actors/cs/scrub_run.hpp fills it, the MDS only stores and forwards it).
#pragma once

#include <cstdint>
#include <string>

#include "protocol/common.capnp.h"

namespace pstorage {

struct scrub_figures {
  std::string state = "idle";  // idle | scheduled | running (common.capnp ScrubProgress)
  uint64_t chunks_done = 0, chunks_total = 0;
  uint64_t bytes_done = 0, bytes_total = 0;
  int64_t started_ns = 0;  // wall clock, 0: never ran
  uint64_t elapsed_ms = 0;
  uint64_t bad_found = 0;
  int64_t last_completed_ns = 0;  // wall clock, 0: never
  uint64_t last_cycle_ms = 0;
  bool operator==(const scrub_figures&) const = default;
};

inline void fill_scrub_progress(proto::ScrubProgress::Builder b, const scrub_figures& f) {
  b.setState(f.state);
  b.setChunksDone(f.chunks_done);
  b.setChunksTotal(f.chunks_total);
  b.setBytesDone(f.bytes_done);
  b.setBytesTotal(f.bytes_total);
  b.setStartedNs(f.started_ns);
  b.setElapsedMs(f.elapsed_ms);
  b.setBadFound(f.bad_found);
  b.setLastCompletedNs(f.last_completed_ns);
  b.setLastCycleMs(f.last_cycle_ms);
}

inline scrub_figures scrub_figures_from(proto::ScrubProgress::Reader r) {
  scrub_figures f;
  f.state = r.getState().cStr();
  if (f.state.empty()) f.state = "idle";  // a CS that predates the field
  f.chunks_done = r.getChunksDone();
  f.chunks_total = r.getChunksTotal();
  f.bytes_done = r.getBytesDone();
  f.bytes_total = r.getBytesTotal();
  f.started_ns = r.getStartedNs();
  f.elapsed_ms = r.getElapsedMs();
  f.bad_found = r.getBadFound();
  f.last_completed_ns = r.getLastCompletedNs();
  f.last_cycle_ms = r.getLastCycleMs();
  return f;
}

}  // namespace pstorage
