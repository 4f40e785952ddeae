#include <doctest/doctest.h>

#include "actors/client/mount_options.hpp"

using namespace pstorage::client;

TEST_CASE("the guide's command line") {
  auto r = parse_mount_args({"-c", "pcs1", "/pstorage/pcs1"});
  REQUIRE(r.request);
  CHECK(r.request->cluster == "pcs1");
  CHECK(r.request->mount_point == "/pstorage/pcs1");
  CHECK_FALSE(r.request->foreground);
  CHECK_FALSE(r.request->fail_on_nospace);
}

TEST_CASE("options anywhere") {
  auto r = parse_mount_args({"/mnt/x", "-f", "--fail-on-nospace", "-c", "pcs1", "--config-dir", "/tmp/h"});
  REQUIRE(r.request);
  CHECK(r.request->foreground);
  CHECK(r.request->fail_on_nospace);
  CHECK(r.request->config_dir == "/tmp/h");
  CHECK(r.request->mount_point == "/mnt/x");
}

TEST_CASE("the fstab form as mount(8) runs the helper") {
  auto r = parse_mount_args({"pstorage://pcs1", "/pstorage/pcs1", "-o", "rw,nosuid,nodev,_netdev"});
  REQUIRE(r.request);
  CHECK(r.request->cluster == "pcs1");
  CHECK(r.request->mount_point == "/pstorage/pcs1");
  CHECK(r.request->fuse_options == std::vector<std::string>{"rw", "nosuid", "nodev"});
  CHECK(r.request->ignored == std::vector<std::string>{"_netdev"});
}

TEST_CASE("a bare cluster name as source and helper flags") {
  auto r = parse_mount_args({"pcs1", "/mnt", "-n", "-o", "fail-on-nospace,cache=/ssd/c,cachesize=5585"});
  REQUIRE(r.request);
  CHECK(r.request->cluster == "pcs1");
  CHECK(r.request->fail_on_nospace);
  CHECK(r.request->fuse_options.empty());
  CHECK(r.request->ignored.size() == 2);
}

TEST_CASE("errors") {
  CHECK(parse_mount_args({"/mnt"}).error.find("no cluster given") != std::string::npos);
  CHECK(parse_mount_args({"-c", "pcs1"}).error.find("no mount point") != std::string::npos);
  CHECK(parse_mount_args({"-c", "pcs1", "/a", "/b", "/c"}).error.find("too many") != std::string::npos);
  CHECK(parse_mount_args({"-c", "pcs1", "/a", "--bogus"}).error.find("unknown option '--bogus'") !=
        std::string::npos);
  CHECK(parse_mount_args({"-c", "pcs1", "/a", "-o", "frobnicate"}).error.find("unknown mount option 'frobnicate'") !=
        std::string::npos);
  CHECK(parse_mount_args({"-c", "a", "pstorage://b", "/m"}).error.find("cluster given twice") != std::string::npos);
  CHECK(parse_mount_args({"-c"}).error.find("needs a cluster name") != std::string::npos);
}

TEST_CASE("--http-port: the mount's GET /status and /metrics port, 0 (any free) by default") {
  auto r = parse_mount_args({"-c", "pcs1", "/mnt"});
  REQUIRE(r.request);
  CHECK(r.request->http_port == 0);
  r = parse_mount_args({"-c", "pcs1", "/mnt", "--http-port", "25999"});
  REQUIRE(r.request);
  CHECK(r.request->http_port == 25999);
  for (const char* bad : {"x", "65536", "-1", "12a"})
    CHECK(parse_mount_args({"-c", "pcs1", "/mnt", "--http-port", bad}).error.find("needs a port number") !=
          std::string::npos);
  CHECK(parse_mount_args({"-c", "pcs1", "/mnt", "--http-port"}).error.find("needs a port number") != std::string::npos);
}
