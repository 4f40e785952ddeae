// The license's capacity on the MDS data path (actors/mds/mds_files_actor.cpp
// allocate_chunk, mds_license_actor.cpp; docs/licensing.md "Usage"):
// allocations still in flight (CS creates not answered, not journaled yet)
// count against the capacity, so writers racing past it cannot together
// allocate more than the license allows; after the grace period no new
// chunk at all, while existing chunks, reads and deletes go on.
#include "mds_license_fixture.hpp"

namespace {

struct license_fixture : licensed_fixture {
  license_fixture() { add_css(1); }
  // Sends a write chunk map request for chunk 0 of each file at once and
  // only then runs the scheduler: every allocation is checked before any
  // CS has answered its create. Returns the status codes in order.
  std::vector<uint32_t> allocate_together(const std::vector<uint64_t>& inos) {
    auto codes = std::make_shared<std::vector<uint32_t>>(inos.size(), 0);
    auto target = mds;
    for (size_t i = 0; i < inos.size(); ++i) {
      auto req = wire::make<p::ClientToMdsChunkMap>([&](auto b) {
        creds(b.initCredentials(), auth.digest);
        b.setClientId("A");
        b.setIno(inos[i]);
        b.setFirstIndex(0);
        b.setCount(1);
        b.setForWrite(true);
      });
      sys.spawn([=](caf::event_based_actor* self) {
        self->request(target, 30s, req).then(
            [=](msg::mds_to_client_chunk_map& r) { (*codes)[i] = wire::decode(r)->getStatus().getCode(); });
      });
    }
    sched.run();
    return *codes;
  }
  std::vector<uint64_t> open_files(int n) {
    std::vector<uint64_t> inos;
    for (int i = 0; i < n; ++i) {
      const std::string path = "/f" + std::to_string(i);
      REQUIRE(code(create(path)) == p::STATUS_OK);
      REQUIRE(code(set_repl(path, {"replicas=1"})) == p::STATUS_OK);
      REQUIRE(code(open(path, true)) == p::STATUS_OK);
      inos.push_back(ino_of(path));
    }
    return inos;
  }
};

}  // namespace

TEST_CASE_FIXTURE(license_fixture, "allocations in flight count: racing writers stop at the licensed capacity") {
  REQUIRE(load(license_text(3)) == p::STATUS_OK);  // 3 MB: room for 2 chunks of 1 MiB
  auto codes = allocate_together(open_files(4));
  const auto ok = std::count(codes.begin(), codes.end(), p::STATUS_OK);
  const auto full = std::count(codes.begin(), codes.end(), p::STATUS_NO_SPACE);
  CHECK(ok == 2);
  CHECK(full == 2);
  CHECK(md->data_chunk_bytes() == 2 * chunk);
  CHECK(count_events("no space for new data: license PCSS.00000005.0001 is ACTIVE") >= 1);
}

TEST_CASE_FIXTURE(license_fixture, "an allocation that fails gives its reservation back") {
  REQUIRE(load(license_text(3)) == p::STATUS_OK);
  auto inos = open_files(3);
  logs[0]->fail_create = true;  // the only CS fails every create: nothing is allocated
  auto codes = allocate_together({inos[0], inos[1]});
  CHECK(codes[0] != p::STATUS_OK);
  CHECK(codes[1] != p::STATUS_OK);
  CHECK(md->data_chunk_bytes() == 0);
  logs[0]->fail_create = false;
  codes = allocate_together(inos);  // the failed ones reserved nothing: 2 fit again
  CHECK(std::count(codes.begin(), codes.end(), p::STATUS_OK) == 2);
  CHECK(md->data_chunk_bytes() == 2 * chunk);
}

// docs/licensing.md "After the grace period": the cluster keeps serving and
// changing what exists and takes no new data until a valid license is loaded.
TEST_CASE_FIXTURE(license_fixture, "after the grace period no new chunk, while existing chunks, reads and deletes go on") {
  REQUIRE(load(license_text(1000, true, true, /*expiration=*/2000)) == p::STATUS_OK);
  auto c = file_with_chunk("/f", "1");
  const uint64_t ino = ino_of("/f");
  REQUIRE(code(create("/g")) == p::STATUS_OK);
  REQUIRE(code(open("/g", true)) == p::STATUS_OK);
  wall = 2061'000'000'000;  // expiration + graceperiod + 1 s
  sched.advance_time(6s);   // the checker's 5 s evaluation
  sched.run();
  REQUIRE(count_events("License PCSS.00000005.0001 is EXPIRED") == 1);

  auto m = chunk_map(ino, 1, 1, true);
  CHECK(wire::decode(m)->getStatus().getCode() == p::STATUS_NO_SPACE);
  CHECK(std::string(wire::decode(m)->getStatus().getMessage())
            .find("no space for new data: license PCSS.00000005.0001 is EXPIRED") == 0);
  CHECK(wire::decode(chunk_map(ino_of("/g"), 0, 1, true))->getStatus().getCode() == p::STATUS_NO_SPACE);
  CHECK(md->chunks(ino).size() == 1);
  CHECK(wire::decode(chunk_map(ino, 0, 1, true))->getStatus().getCode() == p::STATUS_OK);   // write into it
  CHECK(wire::decode(chunk_map(ino, 0, 1, false))->getStatus().getCode() == p::STATUS_OK);  // read it
  REQUIRE(code(release(ino)) == p::STATUS_OK);
  CHECK(code(op([](auto o) { o.setUnlink("/f"); })) == p::STATUS_OK);
  CHECK(log_of(c.replicas[0].cs).count("delete " + std::to_string(c.id)) == 1);

  REQUIRE(load(license_text(1000)) == p::STATUS_OK);  // a valid one: new data again, no restart
  CHECK(wire::decode(chunk_map(ino_of("/g"), 0, 1, true))->getStatus().getCode() == p::STATUS_OK);
}
