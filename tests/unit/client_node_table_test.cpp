#include <doctest/doctest.h>

#include "actors/client/node_table.hpp"

using namespace pstorage::client;

TEST_CASE("paths are built from (parent, name) up to the root") {
  node_table t;
  CHECK(*t.path(node_table::root) == "/");
  t.learned(1, "dir", 10);
  t.learned(10, "f", 11);
  CHECK(*t.path(10) == "/dir");
  CHECK(*t.path(11) == "/dir/f");
  CHECK(*t.child_path(1, "x") == "/x");
  CHECK(*t.child_path(10, "y") == "/dir/y");
  CHECK_FALSE(t.path(99));
}

TEST_CASE("an unlinked inode stays known but has no path") {
  node_table t;
  t.learned(1, "f", 5);
  t.removed(1, "f");
  CHECK_FALSE(t.path(5));
  CHECK(t.size() == 1);  // until the kernel forgets it
  t.forget(5, 1);
  CHECK(t.size() == 0);
  t.learned(1, "f", 6);  // a new file with the old name
  CHECK(*t.path(6) == "/f");
}

TEST_CASE("rename moves a subtree and unlinks a replaced target") {
  node_table t;
  t.learned(1, "a", 2);
  t.learned(2, "f", 3);
  t.learned(1, "b", 4);
  t.renamed(1, "a", 1, "b");  // a replaces b
  CHECK(*t.path(2) == "/b");
  CHECK(*t.path(3) == "/b/f");
  CHECK_FALSE(t.path(4));
}

TEST_CASE("lookups are counted; forget drops the inode at zero") {
  node_table t;
  t.learned(1, "f", 7);
  t.learned(1, "f", 7);
  t.forget(7, 1);
  CHECK(*t.path(7) == "/f");
  t.forget(7, 1);
  CHECK_FALSE(t.path(7));
  t.forget(node_table::root, 1);
  CHECK(*t.path(node_table::root) == "/");
}

TEST_CASE("a newer name (renamed on another mount) replaces the old one") {
  node_table t;
  t.learned(1, "old", 8);
  t.learned(1, "new", 8);
  CHECK(*t.path(8) == "/new");
  t.removed(1, "old");  // nothing to do: the old name is not 8's any more
  CHECK(*t.path(8) == "/new");
}
