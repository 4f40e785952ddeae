#include <doctest/doctest.h>

#include "actors/client/attr_args.hpp"
#include "actors/client/mountinfo.hpp"

using namespace pstorage::client;

static const char* sample =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "40 22 0:40 / /pstorage/pcs1 rw,nosuid,nodev,relatime shared:20 - fuse.pstorage pstorage://pcs1 "
    "rw,user_id=0,group_id=0\n"
    "41 22 0:41 / /mnt/with\\040space rw - fuse.pstorage pstorage://other rw\n"
    "42 22 0:42 / /mnt/sshfs rw - fuse.sshfs pstorage://fake rw\n"
    "43 40 0:43 / /pstorage/pcs1/inner rw - fuse.pstorage pstorage://pcs2 rw\n";

TEST_CASE("only fuse.pstorage mounts are listed, unescaped") {
  auto m = parse_mountinfo(sample);
  REQUIRE(m.size() == 3);
  CHECK(m[0] == pstorage_mount{"/pstorage/pcs1", "pcs1"});
  CHECK(m[1] == pstorage_mount{"/mnt/with space", "other"});
  CHECK(m[2] == pstorage_mount{"/pstorage/pcs1/inner", "pcs2"});
}

TEST_CASE("a path maps to its cluster and in-cluster path") {
  auto m = parse_mountinfo(sample);
  auto a = locate_path(m, "/pstorage/pcs1");
  REQUIRE(a);
  CHECK(a->mount.cluster == "pcs1");
  CHECK(a->cluster_path == "/");
  auto b = locate_path(m, "/pstorage/pcs1/private/101");
  REQUIRE(b);
  CHECK(b->cluster_path == "/private/101");
  auto c = locate_path(m, "/pstorage/pcs1/inner/x");
  REQUIRE(c);
  CHECK(c->mount.cluster == "pcs2");
  CHECK(c->cluster_path == "/x");
  CHECK_FALSE(locate_path(m, "/pstorage/pcs10"));
  CHECK_FALSE(locate_path(m, "/mnt/sshfs/a"));
  CHECK_FALSE(locate_path(m, "/tmp"));
}

TEST_CASE("set-attr operands, including the guide's -p /failure-domain=rack") {
  auto a = parse_set_attr_operands({"/pstorage/pcs1", "replicas=3", "tier=1"});
  REQUIRE(a.value);
  CHECK(a.value->path == "/pstorage/pcs1");
  CHECK(a.value->assignments == std::vector<std::string>{"replicas=3", "tier=1"});
  auto b = parse_set_attr_operands({"/failure-domain=rack"});
  REQUIRE(b.value);
  CHECK(b.value->path == "/");
  CHECK(b.value->assignments == std::vector<std::string>{"failure-domain=rack"});
  auto c = parse_set_attr_operands({"/vm/failure-domain=room", "tier=2"});
  REQUIRE(c.value);
  CHECK(c.value->path == "/vm");
  CHECK(c.value->assignments == std::vector<std::string>{"failure-domain=room", "tier=2"});
  CHECK(parse_set_attr_operands({}).error.find("no path") != std::string::npos);
  CHECK(parse_set_attr_operands({"/mnt"}).error.find("no attribute") != std::string::npos);
  CHECK(parse_set_attr_operands({"replicas=3"}).error.find("no path") != std::string::npos);
}
