#include <doctest/doctest.h>

#include "actors/cs/master_epoch.hpp"

using pstorage::cs::master_epoch;
using v = master_epoch::verdict;

TEST_CASE("a CS accepts the highest epoch seen and refuses lower ones") {
  master_epoch e;
  CHECK(e.admit(0) == v::accept);  // nothing seen yet: unset is fine
  CHECK(e.admit(3) == v::accept_raised);
  CHECK(e.admit(3) == v::accept);
  CHECK(e.admit(2) == v::refuse);
  CHECK(e.admit(0) == v::refuse);  // unset once an epoch was seen
  CHECK(e.admit(5) == v::accept_raised);
  CHECK(e.highest() == 5);
  CHECK(e.refusal(7, 3).find("CS#7 refuses an order of master epoch 3") == 0);
}

TEST_CASE("a remembered epoch survives a restart") {
  master_epoch e(4);
  CHECK(e.admit(3) == v::refuse);
  CHECK(e.admit(4) == v::accept);
}
