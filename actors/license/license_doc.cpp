#include "actors/license/license_doc.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <sstream>
#include <vector>

namespace pstorage::license {

namespace {

constexpr const char* header = "PCSSTOR";
constexpr const char* key_prefix = "PCSSKEY-";

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

bool is_quoted(const std::string& v) { return v.size() >= 2 && v.front() == '"' && v.back() == '"'; }

std::optional<uint64_t> parse_u64(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

const char* b64_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The fields in canonical order (the guide's view-license order, with the
// binding and the start date first).
const std::vector<std::string>& field_order() {
  static const std::vector<std::string> f{"hwid",          "version",      "start",     "expiration",
                                          "graceperiod",   "key_number",   "platform",  "product",
                                          "gracecapacity", "autorecovery", "autorebalance", "snapshots",
                                          "capacity",      "replicas"};
  return f;
}

}  // namespace

bool valid_key_number(const std::string& s) {
  if (s.size() != 18 || s.compare(0, 5, "PCSS.") != 0 || s[13] != '.') return false;
  for (size_t i = 5; i < 18; ++i) {
    if (i == 13) continue;
    char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

std::string format_time(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%m/%d/%Y %H:%M:%S", &tm);
  return buf;
}

std::optional<int64_t> parse_time(const std::string& s) {
  int mo, d, y, h, mi, se;
  char tail;
  if (std::sscanf(s.c_str(), "%2d/%2d/%4d %2d:%2d:%2d%c", &mo, &d, &y, &h, &mi, &se, &tail) != 6) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970 || y > 9999 || h > 23 || mi > 59 || se > 59 || h < 0 ||
      mi < 0 || se < 0)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  int64_t t = static_cast<int64_t>(timegm(&tm));
  if (format_time(t) != s) return std::nullopt;  // e.g. 02/31 normalised to March
  return t;
}

std::string format_capacity_gb(uint64_t mb) {
  std::string s = std::to_string(mb / 1000);
  if (uint64_t frac = mb % 1000) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03llu", static_cast<unsigned long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s;
}

std::optional<uint64_t> parse_capacity_gb(const std::string& s) {
  auto dot = s.find('.');
  auto whole = parse_u64(s.substr(0, dot));
  if (!whole || *whole > 1000000000ull) return std::nullopt;
  uint64_t mb = *whole * 1000;
  if (dot != std::string::npos) {
    std::string f = s.substr(dot + 1);
    if (f.empty() || f.size() > 3) return std::nullopt;
    auto fv = parse_u64(f);
    if (!fv) return std::nullopt;
    while (f.size() < 3) f += '0', *fv *= 10;
    mb += *fv;
  }
  return mb;
}

std::string base64_encode(const std::string& in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += b64_chars[(v >> k) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += b64_chars[(v >> 18) & 63];
    out += b64_chars[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += b64_chars[(v >> 18) & 63];
    out += b64_chars[(v >> 12) & 63];
    out += b64_chars[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(const std::string& text) {
  if (text.size() % 4) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = text[i + k];
      int d;
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        d = 0;
        ++pad;
      } else {
        if (pad) return std::nullopt;
        const char* p = std::strchr(b64_chars, c);
        if (!p || c == 0) return std::nullopt;
        d = static_cast<int>(p - b64_chars);
      }
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out += static_cast<char>((v >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

std::string encode_body(const license_doc& d) {
  std::ostringstream o;
  o << header << "\n";
  auto line = [&](const char* name, const std::string& value) { o << "\t" << name << "=" << value << "\n"; };
  line("hwid", quoted(d.hwid));
  line("version", d.version);
  line("start", quoted(format_time(d.start)));
  line("expiration", quoted(format_time(d.expiration)));
  line("graceperiod", std::to_string(d.graceperiod));
  line("key_number", quoted(d.key_number));
  line("platform", quoted(d.platform));
  line("product", quoted(d.product));
  line("gracecapacity", std::to_string(d.gracecapacity));
  line("autorecovery", d.autorecovery ? "1" : "0");
  line("autorebalance", d.autorebalance ? "1" : "0");
  line("snapshots", d.snapshots ? "1" : "0");
  line("capacity", format_capacity_gb(d.capacity_mb));
  line("replicas", std::to_string(d.replicas));
  return o.str();
}

std::string encode_file(const signed_license& l) { return encode_body(l.doc) + "signature=" + l.signature + "\n"; }

std::string encode_key(const signed_license& l) {
  std::string b = base64_encode(encode_file(l));
  for (auto& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b.empty() && b.back() == '=') b.pop_back();
  return key_prefix + b;
}

bool looks_like_key(const std::string& text) { return trim(text).rfind(key_prefix, 0) == 0; }

std::optional<signed_license> parse_license(const std::string& input, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<signed_license> {
    if (error) *error = why;
    return std::nullopt;
  };
  std::string text = input;
  if (looks_like_key(input)) {
    std::string b = trim(input).substr(std::string(key_prefix).size());
    for (auto& c : b) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (b.size() % 4) b += '=';
    auto decoded = base64_decode(b);
    if (!decoded) return fail("the license key is not valid: its text after PCSSKEY- is not base64url");
    text = *decoded;
  }
  std::istringstream in(text);
  std::string raw;
  bool seen_header = false;
  std::map<std::string, std::string> fields;
  std::optional<std::string> signature;
  while (std::getline(in, raw)) {
    std::string l = trim(raw);
    if (l.empty()) continue;
    if (!seen_header) {
      if (l != header) return fail("not a license: the first line is not '" + std::string(header) + "'");
      seen_header = true;
      continue;
    }
    auto eq = l.find('=');
    if (eq == std::string::npos) return fail("license line '" + l + "' is not name=value");
    std::string name = trim(l.substr(0, eq)), value = trim(l.substr(eq + 1));
    if (name == "signature") {
      if (signature) return fail("license field 'signature' is repeated");
      signature = value;
      continue;
    }
    if (name == "status") continue;  // view-license output pasted back: the verdict is not part of the document
    bool known = false;
    for (auto& f : field_order()) known |= f == name;
    if (!known) return fail("unknown license field '" + name + "'");
    if (!fields.emplace(name, value).second) return fail("license field '" + name + "' is repeated");
  }
  if (!seen_header) return fail("not a license: it is empty");
  for (auto& f : field_order())
    if (!fields.count(f)) return fail("license field '" + f + "' is missing");
  if (!signature || signature->empty()) return fail("the license is not signed (no 'signature=' line)");

  signed_license l;
  l.signature = *signature;
  auto str = [&](const char* name, std::string* out) {
    const std::string& v = fields[name];
    if (!is_quoted(v)) return false;
    *out = v.substr(1, v.size() - 2);
    return out->find('"') == std::string::npos;
  };
  auto num = [&](const char* name, uint64_t max) -> std::optional<uint64_t> {
    auto v = parse_u64(fields[name]);
    if (!v || *v > max) return std::nullopt;
    return v;
  };
  auto flag = [&](const char* name, bool* out) {
    auto v = num(name, 1);
    if (v) *out = *v == 1;
    return v.has_value();
  };
  auto& d = l.doc;
  std::string start, expiration;
  if (!str("hwid", &d.hwid)) return fail("license field 'hwid' is not a quoted text");
  d.version = fields["version"];
  if (d.version.empty() || d.version.find_first_not_of("0123456789.") != std::string::npos)
    return fail("license field 'version' is not a version number");
  if (!str("start", &start) || !parse_time(start)) return fail("license field 'start' is not \"MM/DD/YYYY HH:MM:SS\"");
  d.start = *parse_time(start);
  if (!str("expiration", &expiration) || !parse_time(expiration))
    return fail("license field 'expiration' is not \"MM/DD/YYYY HH:MM:SS\"");
  d.expiration = *parse_time(expiration);
  auto grace = num("graceperiod", 100ull * 365 * 86400);
  if (!grace) return fail("license field 'graceperiod' is not a number of seconds");
  d.graceperiod = static_cast<int64_t>(*grace);
  if (!str("key_number", &d.key_number) || !valid_key_number(d.key_number))
    return fail("license field 'key_number' is not \"PCSS.XXXXXXXX.XXXX\"");
  if (!str("platform", &d.platform)) return fail("license field 'platform' is not a quoted text");
  if (!str("product", &d.product)) return fail("license field 'product' is not a quoted text");
  auto gc = num("gracecapacity", 1000);
  if (!gc) return fail("license field 'gracecapacity' is not a percentage 0..1000");
  d.gracecapacity = static_cast<uint32_t>(*gc);
  if (!flag("autorecovery", &d.autorecovery)) return fail("license field 'autorecovery' is not 0 or 1");
  if (!flag("autorebalance", &d.autorebalance)) return fail("license field 'autorebalance' is not 0 or 1");
  if (!flag("snapshots", &d.snapshots)) return fail("license field 'snapshots' is not 0 or 1");
  auto cap = parse_capacity_gb(fields["capacity"]);
  if (!cap) return fail("license field 'capacity' is not a number of GB (up to three decimals)");
  d.capacity_mb = *cap;
  auto rep = num("replicas", 15);
  if (!rep || *rep < 1) return fail("license field 'replicas' is not 1..15");
  d.replicas = static_cast<uint32_t>(*rep);
  return l;
}

}  // namespace pstorage::license
