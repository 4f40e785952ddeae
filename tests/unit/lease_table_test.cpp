// Write leases, open handles and size parsing (actors/mds/lease_table.hpp,
// actors/mds/byte_size.hpp).
#include <doctest/doctest.h>

#include "actors/mds/byte_size.hpp"
#include "actors/mds/lease_table.hpp"

using namespace pstorage::mds;

TEST_CASE("a second writer is refused while the first lease lives, admitted after it expires") {
  lease_table t(10);
  auto a = t.acquire(5, "A", 100);
  CHECK(a.ok);
  CHECK(a.expires_at == 110);
  auto b = t.acquire(5, "B", 105);
  CHECK_FALSE(b.ok);
  CHECK(b.holder == "A");
  CHECK(t.holds(5, "A", 109));
  CHECK_FALSE(t.holds(5, "A", 110));
  CHECK(t.acquire(5, "B", 110).ok);
  CHECK(t.holder(5, 111) == std::optional<std::string>("B"));
  CHECK_FALSE(t.holds(5, "A", 111));
}

TEST_CASE("renew extends only live leases of that client; re-acquire by the holder extends") {
  lease_table t(10);
  t.acquire(1, "A", 0);
  t.acquire(2, "A", 0);
  t.acquire(3, "B", 0);
  CHECK(t.renew("A", 8) == 2);
  CHECK(t.holds(1, "A", 17));
  CHECK_FALSE(t.holds(3, "B", 17));
  CHECK(t.renew("B", 17) == 0);  // dead leases are not revived
  CHECK(t.acquire(1, "A", 16).expires_at == 26);
  t.expire(30);
  CHECK(t.lease_count() == 0);
}

TEST_CASE("after a master change: during one lease duration only re-claims and new inodes get a lease") {
  lease_table t(10);
  t.acquire(7, "C", 0);     // a lease of this MDS's earlier epoch: forgotten
  t.master_started(100, true);
  CHECK(t.in_grace(100));
  CHECK_FALSE(t.holds(7, "C", 100));
  // A new writer waits for the grace to end ("retry", not "busy").
  auto b = t.acquire(5, "B", 101);
  CHECK_FALSE(b.ok);
  CHECK(b.holder.empty());
  CHECK(b.retry_at == 110);
  // The old master's writer re-claims through its renewal.
  CHECK(t.renew("A", 102, {5}) == 1);
  CHECK(t.holds(5, "A", 111));
  auto b2 = t.acquire(5, "B", 103);
  CHECK_FALSE(b2.ok);
  CHECK(b2.holder == "A");  // now the ordinary conflict
  // A's open for write of a file it re-claimed is fine; a write's chunk map re-claims too.
  CHECK(t.acquire(5, "A", 104).ok);
  CHECK(t.acquire(6, "A", 104, lease_table::origin::held).ok);
  CHECK_FALSE(t.acquire(6, "B", 104, lease_table::origin::held).ok);  // first claimant wins
  CHECK(t.acquire(8, "B", 104, lease_table::origin::created).ok);     // a new inode
  // After the grace: as before.
  CHECK_FALSE(t.in_grace(110));
  CHECK(t.acquire(9, "B", 110).ok);
  CHECK(t.renew("B", 111, {10}) == 2);  // extends 8 and 9; names are ignored
  CHECK_FALSE(t.holds(10, "B", 111));
}

TEST_CASE("a master that starts with no file opens no grace") {
  lease_table t(10);
  t.master_started(100, false);
  CHECK_FALSE(t.in_grace(100));
  CHECK(t.acquire(5, "B", 101).ok);
}

TEST_CASE("open handles: the last close of any client reports closed; close drops the lease") {
  lease_table t(10);
  t.open(7, "A");
  t.open(7, "B");
  t.acquire(7, "A", 0);
  CHECK(t.is_open(7));
  CHECK_FALSE(t.is_open(8));
  CHECK_FALSE(t.close(7, "A"));
  CHECK_FALSE(t.holds(7, "A", 1));
  CHECK(t.is_open_by(7, "B"));
  CHECK(t.close(7, "B"));
  CHECK_FALSE(t.is_open(7));
  CHECK(t.close(7, "Z"));  // unknown: still closed
}

TEST_CASE("byte sizes: suffixes and plain bytes; chunk size limits") {
  CHECK(parse_byte_size("4096").value == 4096u);
  CHECK(parse_byte_size("1M").value == (1u << 20));
  CHECK(parse_byte_size("4m").value == (4u << 20));
  CHECK(parse_byte_size("64K").value == (64u << 10));
  CHECK(parse_byte_size("2GiB").value == (2ull << 30));
  CHECK(parse_byte_size("64MB").value == (64ull << 20));
  CHECK_FALSE(parse_byte_size("").value);
  CHECK_FALSE(parse_byte_size("M").value);
  CHECK_FALSE(parse_byte_size("1.5M").value);
  CHECK_FALSE(parse_byte_size("-1").value);
  CHECK_FALSE(parse_byte_size("4X").value);
  CHECK(parse_byte_size("4X").error.find("unknown suffix") != std::string::npos);
  CHECK_FALSE(parse_byte_size("99999999999999999999").value);
  CHECK(validate_chunk_size(64ull << 20).empty());
  CHECK(validate_chunk_size(64u << 10).empty());
  CHECK(validate_chunk_size(32u << 10).find("minimum") != std::string::npos);
  CHECK(validate_chunk_size((1u << 20) + 512).find("multiple of 4096") != std::string::npos);
  CHECK(validate_chunk_size(2ull << 30).find("maximum") != std::string::npos);
}
