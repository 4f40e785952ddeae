// metrics_text.hpp — the Prometheus text exposition format (version 0.0.4)
// that every daemon serves at GET /metrics (docs/monitoring.md). Pure: the
// daemons fill a metrics_registry from their figures; to_text() writes it.
//
// Contract of the output (what tests/integration/metrics_scrape.sh's strict
// parser checks too):
// - one "# HELP" and one "# TYPE" line per family, before its samples, and
//   the samples of a family together (families in order of first use);
// - metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
//   [a-zA-Z_][a-zA-Z0-9_]* and never start with "__";
// - label values escape backslash, double quote and line feed (\\, \", \n);
//   HELP text escapes backslash and line feed;
// - values: shortest round-trip decimal, NaN, +Inf, -Inf;
// - counters end in _total; a histogram writes cumulative _bucket{le=...}
//   samples ending with le="+Inf", then _sum and _count.
// A family used twice with another type or help, an invalid name or a label
// given twice is a programming error: std::logic_error.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pstorage::frontend {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

enum class metric_type { counter, gauge, histogram };

struct metric_sample {
  std::string suffix;  // "" or, for histograms, "_bucket" / "_sum" / "_count"
  metric_labels labels;
  double value = 0;
};

struct metric_family {
  std::string name, help;
  metric_type type = metric_type::gauge;
  std::vector<metric_sample> samples;
};

class metrics_registry {
 public:
  void gauge(const std::string& name, const std::string& help, double value, metric_labels labels = {});
  // `name` must end in _total.
  void counter(const std::string& name, const std::string& help, double value, metric_labels labels = {});
  // bounds: the buckets' upper bounds, ascending; per_bucket: observations
  // in each bucket (not cumulative), bounds.size() + 1 of them, the last for
  // +Inf. Written cumulative, with _sum = sum and _count = their total.
  void histogram(const std::string& name, const std::string& help, std::span<const double> bounds,
                 std::span<const uint64_t> per_bucket, double sum, metric_labels labels = {});

  const std::vector<metric_family>& families() const { return families_; }
  std::string text() const;

 private:
  metric_family& family(const std::string& name, const std::string& help, metric_type type);
  std::vector<metric_family> families_;
};

std::string metrics_to_text(const std::vector<metric_family>& families);

bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
std::string format_metric_value(double value);

// The Content-Type of the text format.
inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace pstorage::frontend
