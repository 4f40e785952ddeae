// peer_authority.hpp — may this sender make this request of a chunk server?
// Pure: no CAF, no clock (issue 14 "Every request is authorised by role";
// docs/security.md, "What the CS checks"). Every request handler of the CS
// actor asks authorize() first and answers a refusal with its status and
// reason, untouched.
//
// Who the sender is (the actor reduces CAF's current sender to sender_facts):
//   anonymous     no sender at all (CAF anon_send, or a remote peer that
//                 names none);
//   this_process  an actor of the CS's own process (the daemon's helpers;
//                 every actor of a unit test or of the simulator);
//   master_node   an actor on the node of the MDS this CS located as the
//                 master and registered with (its orders come from the MDS
//                 actor or the MDS's helper actors: same node);
//   other_node    anything else: a client, another CS, a follower or a
//                 deposed MDS, a stranger.
//
// Master orders (create, set version, delete, replicate, scrub — replicate
// makes this CS connect to an address the order names):
//
//   sender         | CS knows a master | epoch vs highest seen | verdict
//   ---------------+-------------------+-----------------------+--------------------
//   anonymous      | any               | (not looked at)       | refuse AUTH_FAILED
//   other_node     | any               | (not looked at)       | refuse AUTH_FAILED
//   master_node    | yes               | lower                 | refuse STALE
//   master_node    | yes               | equal / higher        | allow (higher: remembered)
//   this_process   | any               | lower                 | refuse STALE
//   this_process   | any               | equal / higher        | allow (higher: remembered)
//
// The epoch is judged (master_epoch.hpp, the one copy of that decision)
// only once the sender is the master's node: a stranger's order of epoch
// 2^64-1 must not raise the CS's highest epoch, or the real master's next
// order would be refused as stale forever.
//
// The CS's own messages (cs_api "itself": connect, heartbeat, scrub and copy
// pacing timers, which the actor sends itself with a sender) are allowed from
// this_process only: a remote peer could otherwise drive its timers. The
// daemon's start (ADDR:PORT to advertise) is sent once, anonymously or from
// this process; any later start is refused (a peer must not change the
// address the CS advertises).
//
// Client requests (write, read, sync, ping) are allowed from any sender that
// can reach the CS: the CS cannot yet tell which chunks the master mapped to
// which client (the MDS would have to give the client a ticket the CS can
// check; docs/security.md "Not yet"). A write's or sync's chain, which makes
// this CS connect to addresses the client names, is therefore not bounded
// either.
#pragma once

#include <cstdint>
#include <string>

#include "actors/cs/master_epoch.hpp"

namespace pstorage::cs {

enum class request_kind {
  create_chunk,  // MdsToCsCreateChunk
  set_version,   // MdsToCsSetVersion
  delete_chunk,  // MdsToCsDeleteChunk
  replicate,     // MdsToCsReplicate (connects to the order's source address)
  scrub,         // MdsToCsScrub (`pstorage scrub start`: verify every replica now)
  client_write,  // ClientToCsWrite (connects to chain[0])
  client_read,   // ClientToCsRead
  client_sync,   // ClientToCsSync (connects to chain[0])
  ping,          // ClientToCsPing
  start,         // (start_atom, ADDR:PORT) from the daemon
  own_timer,     // connect_atom, heartbeat_atom, scrub_atom, copy_pace_atom
};

// The protocol message a request kind stands for ("MdsToCsDeleteChunk").
const char* request_name(request_kind k);
// Only the current master MDS may send it.
bool is_master_order(request_kind k);

enum class sender_origin { anonymous, this_process, master_node, other_node };

struct sender_facts {
  sender_origin origin = sender_origin::anonymous;
  std::string node;         // the sender's node, for the reason ("" if anonymous)
  bool master_known = false;  // the CS has located (and registers with) a master
  std::string master_node;  // that master's node, for the reason
  bool started = false;     // the CS has had its start already
};

struct authority_decision {
  bool allowed = false;
  uint32_t status = 0;          // protocol status code when refused (common.capnp)
  std::string reason;           // when refused: the answer's message and the log line
  bool epoch_raised = false;    // allowed with a higher epoch: persist epochs.highest()
};

// Decides; for an allowed master order it also remembers a higher epoch in
// `epochs`. `epoch` is the order's epoch field (unused for client requests).
authority_decision authorize(request_kind kind, const sender_facts& sender, uint64_t epoch, master_epoch& epochs,
                             uint32_t cs_id);

}  // namespace pstorage::cs
