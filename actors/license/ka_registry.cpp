#include "actors/license/ka_registry.hpp"

#include "actors/license/license_signature.hpp"

namespace pstorage::license {

std::variant<license_doc, ka_refusal> ka_renewal(const nlohmann::json& registry, const std::string& key_number,
                                                 const std::string& hwid, int64_t now) {
  if (!valid_key_number(key_number)) return ka_refusal{400, "key_number is not PCSS.XXXXXXXX.XXXX"};
  if (!valid_hwid(hwid)) return ka_refusal{400, "hwid is not XXXX.XXXX.XXXX.XXXX.XXXX.XXXX.XXXX.XXXX"};
  if (!registry.is_object() || !registry.contains(key_number))
    return ka_refusal{404, "license key " + key_number + " is not registered on this KA server"};
  const auto& r = registry.at(key_number);
  try {
    if (r.at("hwid").get<std::string>() != hwid)
      return ka_refusal{403, "license key " + key_number + " is registered to another cluster (HWID " +
                                 r.at("hwid").get<std::string>() + ")"};
    license_doc d;
    d.hwid = hwid;
    d.key_number = key_number;
    d.start = now;
    d.expiration = now + r.value("days", int64_t{365}) * 86400;
    d.graceperiod = r.value("graceperiod", int64_t{0});
    d.gracecapacity = r.value("gracecapacity", 0u);
    d.replicas = r.value("replicas", 3u);
    d.autorecovery = r.value("autorecovery", 1) != 0;
    d.autorebalance = r.value("autorebalance", 1) != 0;
    d.snapshots = r.value("snapshots", 1) != 0;
    auto cap = parse_capacity_gb(r.value("capacity", std::string("100")));
    if (!cap || d.replicas < 1 || d.replicas > 15 || d.graceperiod < 0)
      return ka_refusal{500, "the registration of " + key_number + " is malformed"};
    d.capacity_mb = *cap;
    return d;
  } catch (const nlohmann::json::exception&) {
    return ka_refusal{500, "the registration of " + key_number + " is malformed"};
  }
}

}  // namespace pstorage::license
