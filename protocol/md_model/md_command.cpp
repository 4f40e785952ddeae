#include "protocol/md_model/md_command.hpp"

#include <nlohmann/json.hpp>

namespace pstorage::mds {

namespace {

using json = nlohmann::json;
constexpr int format_version = 1;

// ---- field helpers: encode ----
json enc_attrs(const repl_attrs& a) {
  return json{{"norm", a.replicas_norm}, {"min", a.replicas_min}, {"tier", a.tier},
              {"domain", to_string(a.domain)}};
}

// Names are bytes (Linux allows any but '/' and NUL); JSON text must be
// UTF-8. Valid UTF-8 is stored as a string, anything else as {"hex": ".."}.
bool valid_utf8(const std::string& s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > n) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

json enc_name(const std::string& s) {
  if (valid_utf8(s)) return s;
  static const char* hexd = "0123456789abcdef";
  std::string h;
  for (unsigned char c : s) {
    h += hexd[c >> 4];
    h += hexd[c & 0xf];
  }
  return json{{"hex", h}};
}

template <class T>
void put_opt(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

// ---- field helpers: decode (strict) ----
[[noreturn]] void bad(const std::string& what) { throw command_decode_error("malformed metadata command: " + what); }

const json& field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) bad(std::string("missing field '") + key + "'");
  return *it;
}

uint64_t get_u64(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_number_unsigned()) bad(std::string("field '") + key + "' is not an unsigned integer");
  return v.get<uint64_t>();
}

uint32_t get_u32(const json& j, const char* key) {
  uint64_t v = get_u64(j, key);
  if (v > UINT32_MAX) bad(std::string("field '") + key + "' is out of range");
  return static_cast<uint32_t>(v);
}

int64_t get_i64(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_number_integer()) bad(std::string("field '") + key + "' is not an integer");
  return v.get<int64_t>();
}

bool get_bool(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_boolean()) bad(std::string("field '") + key + "' is not a boolean");
  return v.get<bool>();
}

std::string get_str(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_string()) bad(std::string("field '") + key + "' is not a string");
  return v.get<std::string>();
}

std::string get_name(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_object() || !v.contains("hex") || !v.at("hex").is_string())
    bad(std::string("field '") + key + "' is not a name");
  const std::string h = v.at("hex").get<std::string>();
  if (h.size() % 2) bad(std::string("field '") + key + "' has odd hex length");
  auto nib = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    bad(std::string("field '") + key + "' has a bad hex digit");
  };
  std::string out;
  for (size_t i = 0; i < h.size(); i += 2) out += static_cast<char>(nib(h[i]) * 16 + nib(h[i + 1]));
  return out;
}

failure_domain get_domain(const json& j, const char* key) {
  auto d = parse_failure_domain(get_str(j, key));
  if (!d) bad(std::string("field '") + key + "' is not a failure domain");
  return *d;
}

template <class F>
auto get_opt(const json& j, const char* key, F getter) -> std::optional<decltype(getter(j, key))> {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return getter(j, key);
}

repl_attrs get_attrs(const json& j, const char* key) {
  const json& a = field(j, key);
  if (!a.is_object()) bad(std::string("field '") + key + "' is not an object");
  return repl_attrs{get_u32(a, "norm"), get_u32(a, "min"), get_u32(a, "tier"), get_domain(a, "domain")};
}

// ---- per-command encoders ----
json enc(const cmd_mkdir& c) {
  return {{"parent", c.parent}, {"name", enc_name(c.name)}, {"ino", c.ino}, {"mode", c.mode},
          {"time", c.time},     {"attrs", enc_attrs(c.attrs)}};
}
json enc(const cmd_create& c) {
  return {{"parent", c.parent}, {"name", enc_name(c.name)}, {"ino", c.ino}, {"mode", c.mode},
          {"time", c.time},     {"attrs", enc_attrs(c.attrs)}};
}
json enc(const cmd_unlink& c) {
  return {{"parent", c.parent}, {"name", enc_name(c.name)}, {"ino", c.ino}, {"orphan", c.orphan}, {"time", c.time}};
}
json enc(const cmd_rmdir& c) {
  return {{"parent", c.parent}, {"name", enc_name(c.name)}, {"ino", c.ino}, {"time", c.time}};
}
json enc(const cmd_rename& c) {
  return {{"src_parent", c.src_parent}, {"src_name", enc_name(c.src_name)}, {"dst_parent", c.dst_parent},
          {"dst_name", enc_name(c.dst_name)},     {"ino", c.ino},           {"replaced", c.replaced},
          {"orphan_replaced", c.orphan_replaced}, {"time", c.time}};
}
json enc(const cmd_setattr& c) {
  json j{{"ino", c.ino}, {"ctime", c.ctime}};
  put_opt(j, "mode", c.mode);
  put_opt(j, "atime", c.atime);
  put_opt(j, "mtime", c.mtime);
  put_opt(j, "size", c.size);
  put_opt(j, "cut_version", c.cut_version);
  return j;
}
json enc(const cmd_set_repl& c) {
  json j{{"ino", c.ino}, {"recursive", c.recursive}};
  put_opt(j, "norm", c.replicas_norm);
  put_opt(j, "min", c.replicas_min);
  put_opt(j, "tier", c.tier);
  if (c.domain) j["domain"] = to_string(*c.domain);
  return j;
}
json enc(const cmd_alloc_chunk& c) {
  return {{"ino", c.ino}, {"index", c.index}, {"chunk", c.chunk}, {"version", c.version}, {"replicas", c.replicas}};
}
json enc(const cmd_drop_replica& c) { return {{"chunk", c.chunk}, {"cs", c.cs}, {"new_version", c.new_version}}; }
json enc(const cmd_fence_chunk& c) { return {{"chunk", c.chunk}, {"new_version", c.new_version}}; }
json enc(const cmd_confirm_replicas& c) { return {{"chunk", c.chunk}, {"version", c.version}, {"cs", c.cs}}; }
json enc(const cmd_mark_written& c) { return {{"chunk", c.chunk}, {"version", c.version}}; }
json enc(const cmd_set_size& c) { return {{"ino", c.ino}, {"size", c.size}, {"time", c.time}}; }
json enc(const cmd_purge_orphan& c) { return {{"ino", c.ino}}; }
json enc(const cmd_set_param& c) { return {{"name", c.name}, {"value", c.value}}; }
json enc(const cmd_register_cs& c) {
  return {{"id", c.id},           {"uuid", c.repo_uuid},   {"host", enc_name(c.host)}, {"host_id", enc_name(c.host_id)},
          {"address", c.address}, {"location", enc_name(c.location)}, {"tier", c.tier}, {"checksums", c.checksums},
          {"http_port", c.http_port}};
}
json enc(const cmd_drop_cs& c) { return {{"id", c.id}}; }
json enc(const cmd_set_license& c) { return {{"text", enc_name(c.text)}, {"time", c.time}}; }
json enc(const cmd_ha_add_resource& c) {
  return {{"name", enc_name(c.name)},     {"start", enc_name(c.start_cmd)}, {"stop", enc_name(c.stop_cmd)},
          {"check", enc_name(c.check_cmd)}, {"node", enc_name(c.preferred_node)},
          {"backup", enc_name(c.backup_node)}, {"ip", c.ip}, {"policy", c.policy}};
}
json enc(const cmd_ha_remove_resource& c) { return {{"name", enc_name(c.name)}}; }
json enc(const cmd_ha_assign& c) {
  return {{"resource", enc_name(c.resource)}, {"node", enc_name(c.node)}, {"from", enc_name(c.from)},
          {"cursor", enc_name(c.cursor)}};
}
json enc(const cmd_ha_set_node& c) {
  return {{"name", enc_name(c.name)}, {"enabled", c.enabled}, {"parked", c.parked}, {"limit", c.limit}};
}
json enc(const cmd_revoke_node& c) {
  return {{"host_id", enc_name(c.host_id)}, {"host", enc_name(c.host)}, {"time", c.time}};
}
json enc(const cmd_set_cluster_ca& c) { return {{"key", enc_name(c.key_pem)}, {"cert", enc_name(c.cert_pem)}}; }
json enc(const cmd_event& c) {
  return {{"time", c.time}, {"severity", c.severity}, {"source", c.source}, {"text", enc_name(c.text)}, {"epoch", c.epoch}};
}

std::vector<cs_id> get_cs_ids(const json& j, const char* key) {
  const json& r = field(j, key);
  if (!r.is_array()) bad(std::string("field '") + key + "' is not an array");
  std::vector<cs_id> out;
  for (const auto& x : r) {
    if (!x.is_number_unsigned() || x.get<uint64_t>() > UINT32_MAX) bad(std::string("bad CS id in '") + key + "'");
    out.push_back(x.get<cs_id>());
  }
  return out;
}

// ---- per-command decoders ----
md_command dec(const std::string& op, const json& j) {
  if (op == "mkdir")
    return cmd_mkdir{get_u64(j, "parent"), get_name(j, "name"), get_u64(j, "ino"), get_u32(j, "mode"),
                     get_i64(j, "time"), get_attrs(j, "attrs")};
  if (op == "create")
    return cmd_create{get_u64(j, "parent"), get_name(j, "name"), get_u64(j, "ino"), get_u32(j, "mode"),
                      get_i64(j, "time"), get_attrs(j, "attrs")};
  if (op == "unlink")
    return cmd_unlink{get_u64(j, "parent"), get_name(j, "name"), get_u64(j, "ino"), get_bool(j, "orphan"),
                      get_i64(j, "time")};
  if (op == "rmdir")
    return cmd_rmdir{get_u64(j, "parent"), get_name(j, "name"), get_u64(j, "ino"), get_i64(j, "time")};
  if (op == "rename")
    return cmd_rename{get_u64(j, "src_parent"), get_name(j, "src_name"), get_u64(j, "dst_parent"),
                      get_name(j, "dst_name"),   get_u64(j, "ino"),      get_u64(j, "replaced"),
                      get_bool(j, "orphan_replaced"), get_i64(j, "time")};
  if (op == "setattr")
    return cmd_setattr{get_u64(j, "ino"),          get_opt(j, "mode", get_u32),
                       get_opt(j, "atime", get_i64), get_opt(j, "mtime", get_i64),
                       get_opt(j, "size", get_u64),  get_opt(j, "cut_version", get_u32),
                       get_i64(j, "ctime")};
  if (op == "set_repl")
    return cmd_set_repl{get_u64(j, "ino"),         get_bool(j, "recursive"),     get_opt(j, "norm", get_u32),
                        get_opt(j, "min", get_u32), get_opt(j, "tier", get_u32), get_opt(j, "domain", get_domain)};
  if (op == "alloc_chunk")
    return cmd_alloc_chunk{get_u64(j, "ino"), get_u64(j, "index"), get_u64(j, "chunk"), get_u32(j, "version"),
                           get_cs_ids(j, "replicas")};
  if (op == "drop_replica") return cmd_drop_replica{get_u64(j, "chunk"), get_u32(j, "cs"), get_u32(j, "new_version")};
  if (op == "fence_chunk") return cmd_fence_chunk{get_u64(j, "chunk"), get_u32(j, "new_version")};
  if (op == "confirm_replicas")
    return cmd_confirm_replicas{get_u64(j, "chunk"), get_u32(j, "version"), get_cs_ids(j, "cs")};
  if (op == "mark_written") return cmd_mark_written{get_u64(j, "chunk"), get_u32(j, "version")};
  if (op == "set_size") return cmd_set_size{get_u64(j, "ino"), get_u64(j, "size"), get_i64(j, "time")};
  if (op == "purge_orphan") return cmd_purge_orphan{get_u64(j, "ino")};
  if (op == "set_param") return cmd_set_param{get_str(j, "name"), get_i64(j, "value")};
  if (op == "register_cs")
    return cmd_register_cs{get_u32(j, "id"),      get_str(j, "uuid"),          get_name(j, "host"),
                           get_name(j, "host_id"), get_str(j, "address"),      get_name(j, "location"),
                           get_u32(j, "tier"),     get_bool(j, "checksums"),   get_u32(j, "http_port")};
  if (op == "drop_cs") return cmd_drop_cs{get_u32(j, "id")};
  if (op == "set_license") return cmd_set_license{get_name(j, "text"), get_i64(j, "time")};
  if (op == "ha_add_resource")
    return cmd_ha_add_resource{get_name(j, "name"),  get_name(j, "start"),  get_name(j, "stop"),
                               get_name(j, "check"), get_name(j, "node"),   get_name(j, "backup"),
                               get_str(j, "ip"),     get_str(j, "policy")};
  if (op == "ha_remove_resource") return cmd_ha_remove_resource{get_name(j, "name")};
  if (op == "ha_assign")
    return cmd_ha_assign{get_name(j, "resource"), get_name(j, "node"), get_name(j, "from"), get_name(j, "cursor")};
  if (op == "ha_set_node")
    return cmd_ha_set_node{get_name(j, "name"), get_bool(j, "enabled"), get_bool(j, "parked"), get_u32(j, "limit")};
  if (op == "revoke_node") return cmd_revoke_node{get_name(j, "host_id"), get_name(j, "host"), get_i64(j, "time")};
  if (op == "set_cluster_ca") return cmd_set_cluster_ca{get_name(j, "key"), get_name(j, "cert")};
  if (op == "event")
    return cmd_event{get_i64(j, "time"), get_str(j, "severity"), get_str(j, "source"), get_name(j, "text"),
                     get_u64(j, "epoch")};
  bad("unknown op '" + op + "'");
}

struct name_of {
  const char* operator()(const cmd_mkdir&) const { return "mkdir"; }
  const char* operator()(const cmd_create&) const { return "create"; }
  const char* operator()(const cmd_unlink&) const { return "unlink"; }
  const char* operator()(const cmd_rmdir&) const { return "rmdir"; }
  const char* operator()(const cmd_rename&) const { return "rename"; }
  const char* operator()(const cmd_setattr&) const { return "setattr"; }
  const char* operator()(const cmd_set_repl&) const { return "set_repl"; }
  const char* operator()(const cmd_alloc_chunk&) const { return "alloc_chunk"; }
  const char* operator()(const cmd_drop_replica&) const { return "drop_replica"; }
  const char* operator()(const cmd_fence_chunk&) const { return "fence_chunk"; }
  const char* operator()(const cmd_confirm_replicas&) const { return "confirm_replicas"; }
  const char* operator()(const cmd_mark_written&) const { return "mark_written"; }
  const char* operator()(const cmd_set_size&) const { return "set_size"; }
  const char* operator()(const cmd_purge_orphan&) const { return "purge_orphan"; }
  const char* operator()(const cmd_set_param&) const { return "set_param"; }
  const char* operator()(const cmd_register_cs&) const { return "register_cs"; }
  const char* operator()(const cmd_drop_cs&) const { return "drop_cs"; }
  const char* operator()(const cmd_event&) const { return "event"; }
  const char* operator()(const cmd_set_license&) const { return "set_license"; }
  const char* operator()(const cmd_ha_add_resource&) const { return "ha_add_resource"; }
  const char* operator()(const cmd_ha_remove_resource&) const { return "ha_remove_resource"; }
  const char* operator()(const cmd_ha_assign&) const { return "ha_assign"; }
  const char* operator()(const cmd_ha_set_node&) const { return "ha_set_node"; }
  const char* operator()(const cmd_revoke_node&) const { return "revoke_node"; }
  const char* operator()(const cmd_set_cluster_ca&) const { return "set_cluster_ca"; }
};

json to_json(const md_command& c) {
  json j = std::visit([](const auto& x) { return enc(x); }, c);
  j["op"] = command_name(c);
  j["v"] = format_version;
  return j;
}

}  // namespace

const char* command_name(const md_command& c) { return std::visit(name_of{}, c); }

std::vector<uint8_t> encode_command(const md_command& c) {
  // nlohmann::json objects are std::map based: keys come out sorted, so the
  // text (and the bytes) depend on the command only.
  std::string s = to_json(c).dump();
  return std::vector<uint8_t>(s.begin(), s.end());
}

std::vector<uint8_t> encode_command(const md_command& c, const std::optional<request_tag>& tag) {
  if (!tag) return encode_command(c);
  json j = to_json(c);
  j["rq"] = json{{"c", enc_name(tag->client)}, {"i", tag->id}};
  std::string s = j.dump();
  return std::vector<uint8_t>(s.begin(), s.end());
}

std::optional<request_tag> decode_request_tag(std::span<const uint8_t> data) {
  json j = json::parse(data.begin(), data.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("rq")) return std::nullopt;
  try {
    const json& rq = j.at("rq");
    return request_tag{get_name(rq, "c"), get_u64(rq, "i")};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

md_command decode_command(std::span<const uint8_t> data) {
  json j = json::parse(data.begin(), data.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) bad("not a JSON object");
  if (get_u64(j, "v") != format_version)
    bad("unsupported format version " + std::to_string(get_u64(j, "v")) + " (this build reads " +
        std::to_string(format_version) + ")");
  return dec(get_str(j, "op"), j);
}

std::string describe(const md_command& c) { return to_json(c).dump(); }

bool durable_at_once(const md_command& c) {
  if (std::holds_alternative<cmd_mkdir>(c) || std::holds_alternative<cmd_create>(c) ||
      std::holds_alternative<cmd_unlink>(c) || std::holds_alternative<cmd_rmdir>(c) ||
      std::holds_alternative<cmd_rename>(c))
    return false;
  if (auto* s = std::get_if<cmd_setattr>(&c)) return s->size.has_value() || s->cut_version.has_value();
  if (std::holds_alternative<cmd_event>(c)) return false;  // the next fsync covers it
  return true;
}

}  // namespace pstorage::mds
