// The pure parts of cluster discovery (frontends/common/discovery_rules.hpp):
// pstorage_clusters TXT strings into cluster names, SRV answer order.
#include <doctest/doctest.h>

#include "frontends/common/discovery_rules.hpp"

using namespace pstorage;
using namespace pstorage::frontend::discovery;

TEST_CASE("DNS names asked for") {
  CHECK(srv_name("pcs1") == "_pstorage._tcp.pcs1");
  CHECK(std::string(txt_name) == "pstorage_clusters");
}

TEST_CASE("the guide's TXT records: several strings, comma lists, several records") {
  // pstorage_clusters 300 IN TXT "cluster1,cluster2" "cluster3,cluster4"
  // pstorage_clusters 300 IN TXT "cluster5"
  // pstorage_clusters 300 IN TXT "cluster6" "cluster7"
  auto r = names_from_txt({{"cluster1,cluster2", "cluster3,cluster4"}, {"cluster5"}, {"cluster6", "cluster7"}});
  CHECK(r.names == std::vector<std::string>{"cluster1", "cluster2", "cluster3", "cluster4", "cluster5", "cluster6",
                                            "cluster7"});
  CHECK(r.rejected.empty());
}

TEST_CASE("TXT names: sorted, unique, blanks and empty items dropped") {
  auto r = names_from_txt({{"pcs2, pcs1 ,,", " "}, {"pcs1", "pcs3,"}, {}});
  CHECK(r.names == std::vector<std::string>{"pcs1", "pcs2", "pcs3"});
  CHECK(r.rejected.empty());
  CHECK(names_from_txt({}).names.empty());
  CHECK(names_from_txt({{""}}).names.empty());
}

TEST_CASE("TXT items that are not cluster names are rejected with the reason") {
  auto r = names_from_txt({{"good,bad name,v=spf1"}});
  CHECK(r.names == std::vector<std::string>{"good"});
  REQUIRE(r.rejected.size() == 2);
  CHECK(r.rejected[0].find("'bad name'") == 0);
  CHECK(r.rejected[0].find("not allowed") != std::string::npos);
  CHECK(r.rejected[1].find("'v=spf1'") == 0);
}

TEST_CASE("SRV order: priority ascending, then weight descending, then target") {
  std::vector<srv_entry> v = {
      {10, 5, 2510, "s4.pcs.test"}, {0, 1, 2510, "s2.pcs.test"}, {0, 1, 2510, "s1.pcs.test"},
      {0, 50, 2510, "s3.pcs.test"}, {5, 0, 4110, "s5.pcs.test"},
  };
  order_srv(v);
  std::vector<std::string> t;
  for (auto& e : v) t.push_back(e.target);
  CHECK(t == std::vector<std::string>{"s3.pcs.test", "s1.pcs.test", "s2.pcs.test", "s5.pcs.test", "s4.pcs.test"});
  CHECK(v[3].port == 4110);
}

TEST_CASE("endpoint lists for messages") {
  CHECK(join_endpoints({}) == "");
  CHECK(join_endpoints({{"127.0.0.1", 2510}, {"::1", 4110}}) == "127.0.0.1:2510, [::1]:4110");
}
