#include "frontends/common/metrics_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace pstorage::frontend {

namespace {
bool name_char(char c, bool first, bool colon) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

const char* type_name(metric_type t) {
  switch (t) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
  }
  return "untyped";
}

void check_labels(const std::string& metric, const metric_labels& labels) {
  std::set<std::string_view> seen;
  for (auto& [k, v] : labels) {
    if (!valid_label_name(k)) throw std::logic_error("metric " + metric + ": invalid label name '" + k + "'");
    if (!seen.insert(k).second) throw std::logic_error("metric " + metric + ": label '" + k + "' given twice");
  }
}
}  // namespace

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, true)) return false;
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, false)) return false;
  return true;
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Whole numbers (counts, bytes) plainly; others in the shortest form that
  // reads back exactly, %g-style (0.0005, not 5e-04).
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return std::string(buf) == "-0" ? "0" : buf;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  return std::string(buf, r.ptr);
}

metric_family& metrics_registry::family(const std::string& name, const std::string& help, metric_type type) {
  if (!valid_metric_name(name)) throw std::logic_error("invalid metric name '" + name + "'");
  for (auto& f : families_) {
    if (f.name != name) continue;
    if (f.type != type || f.help != help)
      throw std::logic_error("metric " + name + " used with two types or help texts");
    return f;
  }
  // A histogram's series names must not collide with another family's.
  for (auto& f : families_) {
    const bool clash = (type == metric_type::histogram &&
                        (f.name == name + "_bucket" || f.name == name + "_sum" || f.name == name + "_count")) ||
                       (f.type == metric_type::histogram &&
                        (name == f.name + "_bucket" || name == f.name + "_sum" || name == f.name + "_count"));
    if (clash) throw std::logic_error("metric " + name + " clashes with the series of " + f.name);
  }
  families_.push_back({name, help, type, {}});
  return families_.back();
}

void metrics_registry::gauge(const std::string& name, const std::string& help, double value, metric_labels labels) {
  check_labels(name, labels);
  family(name, help, metric_type::gauge).samples.push_back({"", std::move(labels), value});
}

void metrics_registry::counter(const std::string& name, const std::string& help, double value,
                               metric_labels labels) {
  if (!name.ends_with("_total")) throw std::logic_error("counter " + name + " must end in _total");
  check_labels(name, labels);
  family(name, help, metric_type::counter).samples.push_back({"", std::move(labels), value});
}

void metrics_registry::histogram(const std::string& name, const std::string& help, std::span<const double> bounds,
                                 std::span<const uint64_t> per_bucket, double sum, metric_labels labels) {
  if (per_bucket.size() != bounds.size() + 1)
    throw std::logic_error("histogram " + name + ": " + std::to_string(per_bucket.size()) + " bucket counts for " +
                           std::to_string(bounds.size()) + " bounds");
  for (size_t i = 1; i < bounds.size(); ++i)
    if (!(bounds[i - 1] < bounds[i])) throw std::logic_error("histogram " + name + ": bounds not ascending");
  check_labels(name, labels);
  for (auto& [k, v] : labels)
    if (k == "le") throw std::logic_error("histogram " + name + ": label 'le' is reserved");
  auto& f = family(name, help, metric_type::histogram);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += per_bucket[i];
    auto l = labels;
    l.emplace_back("le", i < bounds.size() ? format_metric_value(bounds[i]) : "+Inf");
    f.samples.push_back({"_bucket", std::move(l), static_cast<double>(cumulative)});
  }
  f.samples.push_back({"_sum", labels, sum});
  f.samples.push_back({"_count", std::move(labels), static_cast<double>(cumulative)});
}

std::string metrics_registry::text() const { return metrics_to_text(families_); }

std::string metrics_to_text(const std::vector<metric_family>& families) {
  std::string out;
  for (auto& f : families) {
    out += "# HELP " + f.name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + f.name + " " + type_name(f.type) + "\n";
    for (auto& s : f.samples) {
      out += f.name + s.suffix;
      if (!s.labels.empty()) {
        out += '{';
        for (size_t i = 0; i < s.labels.size(); ++i) {
          if (i) out += ',';
          out += s.labels[i].first + "=\"" + escape_label_value(s.labels[i].second) + "\"";
        }
        out += '}';
      }
      out += ' ' + format_metric_value(s.value) + "\n";
    }
  }
  return out;
}

}  // namespace pstorage::frontend
