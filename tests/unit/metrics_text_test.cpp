// Tests of frontends/common/metrics_text.hpp: the Prometheus text format of
// every daemon's GET /metrics (docs/monitoring.md).
#include "frontends/common/metrics_text.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

using namespace pstorage::frontend;

TEST_CASE("a gauge and a counter: HELP, TYPE, then the samples") {
  metrics_registry r;
  r.gauge("pstorage_cs_queue_depth", "QDEPTH", 1.5);
  r.counter("pstorage_cs_read_bytes_total", "bytes read", 4096);
  CHECK(r.text() ==
        "# HELP pstorage_cs_queue_depth QDEPTH\n"
        "# TYPE pstorage_cs_queue_depth gauge\n"
        "pstorage_cs_queue_depth 1.5\n"
        "# HELP pstorage_cs_read_bytes_total bytes read\n"
        "# TYPE pstorage_cs_read_bytes_total counter\n"
        "pstorage_cs_read_bytes_total 4096\n");
}

TEST_CASE("one TYPE per family: samples of one family stay together in order of first use") {
  metrics_registry r;
  r.gauge("pstorage_chunks", "chunks by state", 3, {{"state", "healthy"}});
  r.gauge("pstorage_cs_nodes", "CSs by status", 2, {{"status", "active"}});
  r.gauge("pstorage_chunks", "chunks by state", 1, {{"state", "urgent"}});
  CHECK(r.text() ==
        "# HELP pstorage_chunks chunks by state\n"
        "# TYPE pstorage_chunks gauge\n"
        "pstorage_chunks{state=\"healthy\"} 3\n"
        "pstorage_chunks{state=\"urgent\"} 1\n"
        "# HELP pstorage_cs_nodes CSs by status\n"
        "# TYPE pstorage_cs_nodes gauge\n"
        "pstorage_cs_nodes{status=\"active\"} 2\n");
  CHECK(r.families().size() == 2);
}

TEST_CASE("label values escape backslash, double quote and line feed; HELP escapes backslash and line feed") {
  CHECK(escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(escape_label_value("host.example:2511") == "host.example:2511");
  CHECK(escape_help("x\\y\nz \"q\"") == "x\\\\y\\nz \"q\"");
  metrics_registry r;
  r.gauge("pstorage_x", "line one\nline two", 1, {{"host", "h\"1\""}, {"path", "C:\\d"}});
  CHECK(r.text() ==
        "# HELP pstorage_x line one\\nline two\n"
        "# TYPE pstorage_x gauge\n"
        "pstorage_x{host=\"h\\\"1\\\"\",path=\"C:\\\\d\"} 1\n");
}

TEST_CASE("values: integers plainly, fractions round-trip, NaN and infinities by name") {
  CHECK(format_metric_value(0) == "0");
  CHECK(format_metric_value(123456789012) == "123456789012");
  CHECK(format_metric_value(0.25) == "0.25");
  CHECK(format_metric_value(-3) == "-3");
  CHECK(format_metric_value(-0.0) == "0");
  CHECK(format_metric_value(0.0005) == "0.0005");  // a histogram bound as Prometheus clients write it
  CHECK(format_metric_value(1e20) == "1e+20");
  CHECK(std::stod(format_metric_value(1.0 / 3)) == 1.0 / 3);
  CHECK(format_metric_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(format_metric_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_metric_value(-std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("a histogram: cumulative buckets ending with +Inf, then _sum and _count") {
  metrics_registry r;
  const std::array<double, 2> bounds{0.001, 0.01};
  const std::array<uint64_t, 3> per_bucket{2, 3, 1};
  r.histogram("pstorage_cs_io_latency_seconds", "IOLAT", bounds, per_bucket, 0.5, {{"cs_id", "1025"}});
  CHECK(r.text() ==
        "# HELP pstorage_cs_io_latency_seconds IOLAT\n"
        "# TYPE pstorage_cs_io_latency_seconds histogram\n"
        "pstorage_cs_io_latency_seconds_bucket{cs_id=\"1025\",le=\"0.001\"} 2\n"
        "pstorage_cs_io_latency_seconds_bucket{cs_id=\"1025\",le=\"0.01\"} 5\n"
        "pstorage_cs_io_latency_seconds_bucket{cs_id=\"1025\",le=\"+Inf\"} 6\n"
        "pstorage_cs_io_latency_seconds_sum{cs_id=\"1025\"} 0.5\n"
        "pstorage_cs_io_latency_seconds_count{cs_id=\"1025\"} 6\n");
  const std::array<uint64_t, 2> short_counts{1, 2};
  CHECK_THROWS_AS(r.histogram("pstorage_h2", "h", bounds, short_counts, 0), std::logic_error);
  const std::array<double, 2> descending{0.01, 0.001};
  CHECK_THROWS_AS(r.histogram("pstorage_h3", "h", descending, per_bucket, 0), std::logic_error);
  CHECK_THROWS_AS(r.histogram("pstorage_h4", "h", bounds, per_bucket, 0, {{"le", "1"}}), std::logic_error);
  // a gauge named like one of the histogram's series
  CHECK_THROWS_AS(r.gauge("pstorage_cs_io_latency_seconds_count", "x", 1), std::logic_error);
}

TEST_CASE("programming errors are refused") {
  metrics_registry r;
  r.gauge("pstorage_a", "a", 1);
  CHECK_THROWS_AS(r.counter("pstorage_a_total", "a", 1, {{"x", "1"}, {"x", "2"}}), std::logic_error);
  CHECK_THROWS_AS(r.counter("pstorage_a", "a", 1), std::logic_error);  // no _total; and a gauge already
  CHECK_THROWS_AS(r.gauge("pstorage_a", "another help", 1), std::logic_error);
  CHECK_THROWS_AS(r.gauge("0pstorage", "x", 1), std::logic_error);
  CHECK_THROWS_AS(r.gauge("pstorage-b", "x", 1), std::logic_error);
  CHECK_THROWS_AS(r.gauge("pstorage_b", "x", 1, {{"__name", "1"}}), std::logic_error);
  CHECK_THROWS_AS(r.gauge("pstorage_b", "x", 1, {{"a-b", "1"}}), std::logic_error);
  CHECK(valid_metric_name("pstorage:recorded_rule"));
  CHECK_FALSE(valid_label_name("a:b"));
  CHECK(r.families().size() == 1);
}
