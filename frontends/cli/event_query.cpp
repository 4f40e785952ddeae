#include "frontends/cli/event_query.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace pstorage::cli {

namespace {

constexpr int64_t ns_per_s = 1000000000;

std::optional<int64_t> local_time_ns(int year, int mon, int day, int hh, int mm, int ss) {
  if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 ||
      ss > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  tm.tm_isdst = -1;  // whatever the local zone says for that date
  std::time_t t = std::mktime(&tm);
  if (t == std::time_t(-1) || tm.tm_mday != day) return std::nullopt;  // 31-02 normalised: refuse
  return int64_t(t) * ns_per_s;
}

// Parses the whole of `s` with a scanf format ending in %n.
template <class... Args>
bool scan_all(const std::string& s, const char* fmt, Args*... args) {
  int used = -1;
  int n = std::sscanf(s.c_str(), fmt, args..., &used);
  return n == int(sizeof...(Args)) && used == int(s.size());
}

}  // namespace

std::optional<int64_t> parse_since(const std::string& text, int64_t now_ns, std::string* error) {
  const std::string s = text;
  auto fail = [&]() -> std::optional<int64_t> {
    if (error)
      *error = "--since '" + text +
               "': use a duration before now (30s, 10m, 2h, 1d), a local date and time (2026-12-06, "
               "'2026-12-06 23:40', '2026-12-06 23:40:05', the TIME column's '06-12-26 23:40:05') or @EPOCH_SECONDS";
    return std::nullopt;
  };
  if (s.empty()) return fail();
  // A duration: digits and one unit.
  if (std::isdigit(static_cast<unsigned char>(s[0])) && s.size() >= 2 &&
      std::string("smhd").find(s.back()) != std::string::npos &&
      s.find_first_not_of("0123456789") == s.size() - 1) {
    if (s.size() > 10) return fail();
    int64_t n = std::stoll(s.substr(0, s.size() - 1));
    int64_t unit = s.back() == 's' ? 1 : s.back() == 'm' ? 60 : s.back() == 'h' ? 3600 : 86400;
    return now_ns - n * unit * ns_per_s;
  }
  if (s[0] == '@') {
    if (s.size() < 2 || s.size() > 12 || s.find_first_not_of("0123456789", 1) != std::string::npos) return fail();
    return std::stoll(s.substr(1)) * ns_per_s;
  }
  int y = 0, mo = 0, d = 0, hh = 0, mi = 0, ss = 0;
  std::optional<int64_t> t;
  const bool iso = s.size() >= 10 && s[4] == '-', dmy = s.size() >= 17 && s[2] == '-';
  if (!iso && !dmy) return fail();
  if (!iso) {
    if (scan_all(s, "%2d-%2d-%2d %2d:%2d:%2d%n", &d, &mo, &y, &hh, &mi, &ss)) t = local_time_ns(2000 + y, mo, d, hh, mi, ss);
  } else if (scan_all(s, "%4d-%2d-%2d%n", &y, &mo, &d)) t = local_time_ns(y, mo, d, 0, 0, 0);
  else if (scan_all(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &hh, &mi) ||
           scan_all(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &hh, &mi))
    t = local_time_ns(y, mo, d, hh, mi, 0);
  else if (scan_all(s, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &hh, &mi, &ss) ||
           scan_all(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &hh, &mi, &ss))
    t = local_time_ns(y, mo, d, hh, mi, ss);
  if (!t) return fail();
  return t;
}

std::vector<nlohmann::json> event_cursor::take(const nlohmann::json& answer) {
  std::vector<nlohmann::json> out;
  for (auto& e : answer) {
    const int64_t id = e.value("id", int64_t{0});
    if (id <= after_id_) continue;
    after_id_ = id;
    if (since_ns_ && e.value("time_ns", int64_t{0}) < *since_ns_) continue;
    out.push_back(e);
  }
  return out;
}

}  // namespace pstorage::cli
