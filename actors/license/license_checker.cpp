#include "actors/license/license_checker.hpp"

#include <algorithm>
#include <cstdio>

#include "actors/license/license_signature.hpp"

namespace pstorage::license {

const char* to_string(license_status s) {
  switch (s) {
    case license_status::none: return "NONE";
    case license_status::valid: return "VALID";
    case license_status::active: return "ACTIVE";
    case license_status::graced: return "GRACED";
    case license_status::expired: return "EXPIRED";
    case license_status::invalid: return "INVALID";
  }
  return "UNKNOWN";
}

std::string capacity_text(uint64_t bytes) {
  char buf[48];
  const double gb = static_cast<double>(bytes) / 1e9;
  if (gb >= 1000)
    std::snprintf(buf, sizeof buf, "%.4g TB", gb / 1000);
  else if (gb >= 1)
    std::snprintf(buf, sizeof buf, "%.4g GB", gb);
  else
    std::snprintf(buf, sizeof buf, "%.4g MB", gb * 1000);
  return buf;
}

license_verdict evaluate(const checker_input& in) {
  license_verdict v;
  if (!in.license) {
    v.status = license_status::none;
    v.limits.capacity_bytes = evaluation_capacity_mb * 1000000ull;
    v.limits.allocatable_bytes = v.limits.capacity_bytes;
    return v;
  }
  const license_doc& d = in.license->doc;
  const int64_t now = std::max(in.now, in.clock_floor);
  v.seconds_to_expiry = d.expiration - now;
  v.limits.capacity_bytes = d.capacity_bytes();
  v.limits.replicas_max = d.replicas;
  v.limits.autorecovery = d.autorecovery;
  v.limits.autorebalance = d.autorebalance;
  const uint64_t with_grace = d.capacity_bytes() + d.capacity_bytes() / 100 * d.gracecapacity +
                              d.capacity_bytes() % 100 * d.gracecapacity / 100;

  auto invalid = [&](std::string why) {
    v.status = license_status::invalid;
    v.reason = std::move(why);
    v.limits.allocatable_bytes = 0;
    return v;
  };
  if (in.vendor_public_key.empty())
    return invalid("this MDS has no vendor key to verify it with (docs/licensing.md \"The vendor key\")");
  if (!signature_valid(*in.license, in.vendor_public_key))
    return invalid("the signature does not match the license's contents and the vendor key");
  if (d.hwid != in.cluster_hwid)
    return invalid("it was issued for the cluster with HWID " + d.hwid + ", this cluster's HWID is " + in.cluster_hwid);
  if (d.product != "PCSS") return invalid("it is for product \"" + d.product + "\", not \"PCSS\"");
  if (now < d.start) return invalid("its start date " + format_time(d.start) + " UTC is in the future");
  if (now > d.expiration + d.graceperiod) {
    v.status = license_status::expired;
    v.reason = "it expired on " + format_time(d.expiration) + " UTC and its grace period of " +
               std::to_string(d.graceperiod) + " s is over";
    v.limits.allocatable_bytes = 0;
    return v;
  }
  v.limits.allocatable_bytes = with_grace;
  if (now > d.expiration) {
    v.status = license_status::graced;
    v.reason = "it expired on " + format_time(d.expiration) + " UTC; the grace period ends on " +
               format_time(d.expiration + d.graceperiod) + " UTC";
    return v;
  }
  if (in.used_bytes > d.capacity_bytes()) {
    v.status = license_status::graced;
    v.reason = "data chunks use " + capacity_text(in.used_bytes) + ", above the licensed " +
               capacity_text(d.capacity_bytes()) + " (grace capacity " + std::to_string(d.gracecapacity) + "%)";
    return v;
  }
  v.status = in.installed ? license_status::active : license_status::valid;
  return v;
}

std::optional<std::string> allocation_refusal(const license_verdict& v, const std::string& key_number,
                                              uint64_t used_bytes, uint64_t new_bytes) {
  if (used_bytes + new_bytes <= v.limits.allocatable_bytes && new_bytes <= v.limits.allocatable_bytes) return std::nullopt;
  std::string who = v.status == license_status::none
                        ? std::string("no license is installed (evaluation mode)")
                        : "license " + key_number + " is " + to_string(v.status);
  if (v.limits.allocatable_bytes == 0)
    return "no space for new data: " + who + (v.reason.empty() ? "" : " (" + v.reason + ")") +
           "; load a valid license with 'pstorage load-license'";
  return "no space for new data: " + who + " and data chunks use " + capacity_text(used_bytes) + " of the " +
         capacity_text(v.limits.allocatable_bytes) + " it allows; load a license with a larger capacity or delete data";
}

std::optional<std::string> replicas_refusal(const license_verdict& v, const std::string& key_number, uint32_t replicas) {
  if (replicas <= v.limits.replicas_max) return std::nullopt;
  return "replicas=" + std::to_string(replicas) + " exceeds the maximum of " + std::to_string(v.limits.replicas_max) +
         " replicas allowed by license " + key_number;
}

bool expiry_warning_due(const license_verdict& v, int64_t warn_days) {
  return v.status == license_status::active && warn_days > 0 && v.seconds_to_expiry <= warn_days * 86400;
}

std::string expiry_warning_id(const license_doc& d) { return d.key_number + " " + std::to_string(d.expiration); }

std::string expiry_warning_text(const license_doc& d, int64_t seconds_to_expiry) {
  const int64_t days = std::max<int64_t>(1, (seconds_to_expiry + 86399) / 86400);
  return "License " + d.key_number + " expires on " + format_time(d.expiration) + " UTC, in " +
         std::to_string(days) + (days == 1 ? " day" : " days") +
         "; update it with 'pstorage update-license' or load a new one";
}

}  // namespace pstorage::license
