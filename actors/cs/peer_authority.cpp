#include "actors/cs/peer_authority.hpp"

#include "protocol/common.capnp.h"

namespace pstorage::cs {

const char* request_name(request_kind k) {
  switch (k) {
    case request_kind::create_chunk: return "MdsToCsCreateChunk";
    case request_kind::set_version: return "MdsToCsSetVersion";
    case request_kind::delete_chunk: return "MdsToCsDeleteChunk";
    case request_kind::replicate: return "MdsToCsReplicate";
    case request_kind::scrub: return "MdsToCsScrub";
    case request_kind::client_write: return "ClientToCsWrite";
    case request_kind::client_read: return "ClientToCsRead";
    case request_kind::client_sync: return "ClientToCsSync";
    case request_kind::ping: return "ClientToCsPing";
    case request_kind::start: return "start";
    case request_kind::own_timer: return "a timer message";
  }
  return "?";
}

bool is_master_order(request_kind k) {
  switch (k) {
    case request_kind::create_chunk:
    case request_kind::set_version:
    case request_kind::delete_chunk:
    case request_kind::replicate:
    case request_kind::scrub:
      return true;
    case request_kind::client_write:
    case request_kind::client_read:
    case request_kind::client_sync:
    case request_kind::ping:
    case request_kind::start:
    case request_kind::own_timer:
      return false;
  }
  return true;  // an unknown kind is treated as the most guarded one
}

namespace {

authority_decision allow() {
  authority_decision d;
  d.allowed = true;
  return d;
}

std::string origin_text(const sender_facts& s) {
  switch (s.origin) {
    case sender_origin::anonymous: return "an anonymous sender";
    case sender_origin::this_process: return "this process";
    case sender_origin::master_node: return "the master's node " + s.master_node;
    case sender_origin::other_node: return "node " + s.node;
  }
  return "?";
}

authority_decision refuse(uint32_t status, std::string reason) {
  authority_decision d;
  d.status = status;
  d.reason = std::move(reason);
  return d;
}

std::string master_text(const sender_facts& s) {
  return s.master_known ? "the master MDS this CS registered with (node " + s.master_node + ")"
                        : "a master MDS, and this CS has not located one yet";
}

}  // namespace

authority_decision authorize(request_kind kind, const sender_facts& sender, uint64_t epoch, master_epoch& epochs,
                             uint32_t cs_id) {
  if (!is_master_order(kind) && kind != request_kind::start && kind != request_kind::own_timer)
    return allow();  // client requests: the data path pays for no string here
  const std::string who = "CS#" + std::to_string(cs_id) + " refuses " + request_name(kind);
  const bool local = sender.origin == sender_origin::this_process;
  if (kind == request_kind::own_timer) {
    if (local) return allow();
    return refuse(proto::STATUS_AUTH_FAILED, who + " from " + origin_text(sender) + ": only the CS itself sends it");
  }
  if (kind == request_kind::start) {
    if (sender.started)
      return refuse(proto::STATUS_AUTH_FAILED, who + " from " + origin_text(sender) + ": the CS has started already");
    if (local || sender.origin == sender_origin::anonymous) return allow();
    return refuse(proto::STATUS_AUTH_FAILED, who + " from " + origin_text(sender) + ": only its daemon starts it");
  }
  switch (sender.origin) {
    case sender_origin::anonymous:
    case sender_origin::other_node:
      return refuse(proto::STATUS_AUTH_FAILED,
                    who + " from " + origin_text(sender) + ": only " + master_text(sender) + " may order it");
    case sender_origin::master_node:
    case sender_origin::this_process:
      break;
  }
  switch (epochs.admit(epoch)) {
    case master_epoch::verdict::refuse:
      return refuse(proto::STATUS_STALE, epochs.refusal(cs_id, epoch));
    case master_epoch::verdict::accept_raised: {
      auto d = allow();
      d.epoch_raised = true;
      return d;
    }
    case master_epoch::verdict::accept:
      break;
  }
  return allow();
}

}  // namespace pstorage::cs
