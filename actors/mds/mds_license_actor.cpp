// mds_license_actor.cpp — the license checker of the MDS (issue 17; guide
// "Managing Parallels Cloud Storage Licenses"; docs/licensing.md). Runs in
// the MDS actor like its other parts: the license lives in md.db
// (cmd_set_license, journaled, so a new master has it), the decisions are
// actors/license/license_checker.hpp's pure evaluate(); this file only
// gathers its inputs (md.db, the wall clock, the HWID), keeps the verdict,
// announces changes as events and answers load-license / view-license.
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

#include "actors/license/license_signature.hpp"
#include "actors/license/vendor_key.hpp"
#include "actors/mds/mds_repair_state.hpp"
#include "actors/mds/mds_state.hpp"
#include "actors/repair/repair_support.hpp"
#include "protocol/common.capnp.h"

namespace pstorage::mds_impl {
namespace p = proto;

namespace {

persistence::md_store& md(self_ptr self) { return *self->state.deps.md; }

int64_t wall_ns(mds_state& st) {
  if (st.deps.wall_clock_ns) return st.deps.wall_clock_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// md_store::data_chunk_bytes (docs/licensing.md "Usage").
uint64_t used_bytes(self_ptr self) { return md(self).data_chunk_bytes(); }

license::checker_input input_for(self_ptr self, const license::signed_license* l, bool installed) {
  auto& st = self->state;
  license::checker_input in;
  in.license = l;
  in.installed = installed;
  in.cluster_hwid = st.license.hwid;
  in.vendor_public_key = st.license.vendor_key;
  in.now = wall_ns(st) / 1000000000;
  in.clock_floor = md(self).newest_recorded_time() / 1000000000;
  in.used_bytes = st.license.used_bytes;
  return in;
}

// "License PCSS.X is ACTIVE" or, without one, the evaluation mode.
std::string status_text(const mds::license_runtime& L) {
  if (L.verdict.status == license::license_status::none)
    return "No license is installed: evaluation mode, " + license::capacity_text(L.verdict.limits.capacity_bytes) +
           " of data";
  std::string s = "License " + L.key_number() + " is " + license::to_string(L.verdict.status);
  if (!L.verdict.reason.empty()) s += ": " + L.verdict.reason;
  return s;
}

// Logs a license line at its event's severity (repair::event_severity).
void log_license(const std::string& text) {
  const std::string sev = repair::event_severity(text);
  spdlog::log(sev == "err" ? spdlog::level::err : sev == "warn" ? spdlog::level::warn : spdlog::level::info,
              "license: {}", text);
}

// Reads md.db's license (it changes by load-license on the master and by
// applied entries on a follower), evaluates it, and on the master announces
// a changed status or a coming expiry as an event.
void evaluate_license(self_ptr self) {
  auto& st = self->state;
  auto& L = st.license;
  auto row = md(self).license();
  const std::string text = row ? row->text : std::string();
  if (text != L.text) {
    L.text = text;
    L.installed.reset();
    L.unreadable.clear();
    if (!text.empty()) {
      std::string err;
      if (auto l = license::parse_license(text, &err))
        L.installed = std::move(*l);
      else
        L.unreadable = err;
    }
  }
  L.used_bytes = used_bytes(self);
  L.usage.recount(L.used_bytes);
  if (!L.unreadable.empty()) {
    // Checked before it was journaled, so only a format change gets here.
    L.verdict = license::license_verdict{};
    L.verdict.status = license::license_status::invalid;
    L.verdict.reason = "the stored license does not parse: " + L.unreadable;
    L.verdict.limits.allocatable_bytes = 0;
  } else {
    L.verdict = license::evaluate(input_for(self, L.installed ? &*L.installed : nullptr, true));
  }
  if (!serving(self)) return;
  const std::string now_announced = L.key_number() + " " + license::to_string(L.verdict.status);
  if (now_announced != L.announced) {
    const bool first = L.announced.empty();
    L.announced = now_announced;
    // A master's first evaluation announces only a license in trouble (no
    // event for a new cluster's evaluation mode or at every failover).
    const bool usual = L.verdict.status == license::license_status::none ||
                       L.verdict.status == license::license_status::active;
    if (!(first && usual)) emit(self, status_text(L));
    log_license(status_text(L));
  }
  const int64_t warn_days = st.repair ? st.repair->params.get("mds.license.warn_days") : 7;
  if (license::expiry_warning_due(L.verdict, warn_days) &&
      L.warned_for != license::expiry_warning_id(L.installed->doc)) {
    L.warned_for = license::expiry_warning_id(L.installed->doc);
    const std::string warning = license::expiry_warning_text(L.installed->doc, L.verdict.seconds_to_expiry);
    log_license(warning);
    emit(self, warning);
  }
}

msg::mds_to_client_license license_reply(self_ptr self, uint32_t code, const std::string& text) {
  return wire::make<p::MdsToClientLicense>([&](auto b) {
    set_status(b.initStatus(), code, text);
    fill_license_state(self, b.initState());
  });
}

}  // namespace

void init_license(self_ptr self) {
  auto& st = self->state;
  auto& L = st.license;
  auto key = st.deps.license_vendor_key ? license::vendor_key_setting{*st.deps.license_vendor_key, "the MDS's deps"}
                                        : license::configured_vendor_key();
  L.hwid = license::cluster_hwid(st.cluster, st.auth.salt);
  L.vendor_key.clear();
  if (key.hex.empty()) {
    L.vendor_key_error = license::no_vendor_key_message();
    spdlog::warn("license: {}; licenses cannot be loaded, the cluster runs in the evaluation mode", L.vendor_key_error);
  } else if (auto why = license::vendor_key_problem(key.hex)) {
    L.vendor_key_error = "the vendor key from " + key.origin + " is unusable: " + *why + " (docs/licensing.md)";
    spdlog::error("license: {}; licenses cannot be loaded", L.vendor_key_error);
  } else {
    L.vendor_key = key.hex;
    L.vendor_key_error.clear();
  }
  evaluate_license(self);
}

// Every 5 s of the master's ticks (data_chunk_bytes scans the chunk table): expiry and
// the grace end are noticed within that; allocations check the usage live.
void license_tick(self_ptr self) {
  auto& L = self->state.license;
  const int64_t now = steady_ns(self);
  if (L.last_tick_ns && now - L.last_tick_ns < 5'000'000'000) return;
  L.last_tick_ns = now;
  evaluate_license(self);
}

void fill_license_state(self_ptr self, p::LicenseState::Builder b) {
  auto& L = self->state.license;
  b.setHwid(L.hwid);
  b.setStatus(license::to_string(L.verdict.status));
  b.setReason(L.verdict.reason);
  b.setKeyNumber(L.key_number());
  b.setCapacityBytes(L.verdict.limits.capacity_bytes);
  b.setAllocatableBytes(L.verdict.limits.allocatable_bytes);
  b.setUsedBytes(L.used_bytes);
  b.setReplicasMax(L.verdict.limits.replicas_max);
  b.setAutorecovery(L.verdict.limits.autorecovery);
  b.setAutorebalance(L.verdict.limits.autorebalance);
  b.setText(L.text);
}

caf::result<msg::mds_to_client_license> handle_license(self_ptr self, const msg::client_to_mds_license& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return license_reply(self, p::STATUS_BAD_REQUEST, req.error);
  if (!credentials_ok(st, req->getCredentials())) return license_reply(self, p::STATUS_AUTH_FAILED, auth_error(st));
  evaluate_license(self);
  const std::string load = req->getLoad();
  if (load.empty()) return license_reply(self, p::STATUS_OK, "");
  std::string err;
  auto l = license::parse_license(load, &err);
  if (!l) return license_reply(self, p::STATUS_BAD_REQUEST, "the license was not loaded: " + err);
  if (!st.license.vendor_key_error.empty())
    return license_reply(self, p::STATUS_BAD_REQUEST, "the license was not loaded: " + st.license.vendor_key_error);
  // VALID (or GRACED: usable now) licenses are installed; INVALID and EXPIRED ones never.
  auto candidate = license::evaluate(input_for(self, &*l, false));
  if (candidate.status == license::license_status::invalid || candidate.status == license::license_status::expired)
    return license_reply(self, p::STATUS_BAD_REQUEST,
                         "the license was not loaded: license " + l->doc.key_number + " is " +
                             license::to_string(candidate.status) + ": " + candidate.reason);
  auto rp = self->make_response_promise<msg::mds_to_client_license>();
  const std::string key = l->doc.key_number;
  commit_command(self, mds::cmd_set_license{license::encode_file(*l), wall_ns(st)},
                 [self, rp, key](std::optional<std::string> why) mutable {
                   if (why) {
                     rp.deliver(license_reply(self, p::STATUS_UNAVAILABLE, "the license was not loaded: " + *why));
                     return;
                   }
                   spdlog::info("license {} loaded", key);
                   evaluate_license(self);
                   rp.deliver(license_reply(self, p::STATUS_OK, ""));
                 });
  return rp;
}

// The usage is md.db's count (taken at each evaluation, every 5 s) plus the
// allocations allowed here and not finished yet (usage_ledger.hpp), so
// allocations in flight count before they are journaled and the check
// costs no table scan. Only at a refusal is md.db counted again (deletes
// since the last evaluation free space at once); the allocations in flight
// still count then, so racing writers cannot pass the limit together.
std::optional<std::string> license_allocation_refusal(self_ptr self) {
  auto& L = self->state.license;
  const uint64_t chunk = md(self).chunk_size();
  auto why = license::allocation_refusal(L.verdict, L.key_number(), L.usage.used(), chunk);
  if (why) {
    L.used_bytes = used_bytes(self);
    L.usage.recount(L.used_bytes);
    why = license::allocation_refusal(L.verdict, L.key_number(), L.usage.used(), chunk);
  }
  if (!why) {
    L.usage.reserve(chunk);
    return std::nullopt;
  }
  spdlog::warn("chunk allocation refused: {}", *why);
  emit_once(self, *why);
  return why;
}

void license_allocation_finished(self_ptr self, bool committed) {
  self->state.license.usage.finish(md(self).chunk_size(), committed);
}

std::optional<std::string> license_replicas_refusal(self_ptr self, uint32_t replicas) {
  auto& L = self->state.license;
  return license::replicas_refusal(L.verdict, L.key_number(), replicas);
}

bool license_allows_autorecovery(self_ptr self) { return self->state.license.verdict.limits.autorecovery; }
bool license_allows_autorebalance(self_ptr self) { return self->state.license.verdict.limits.autorebalance; }

}  // namespace pstorage::mds_impl
