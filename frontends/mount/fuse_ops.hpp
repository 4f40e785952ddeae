// fuse_ops.hpp — the FUSE 3 low-level operations of pstorage-mount (guide
// "Mounting the Cluster"), carried out by a client::session.
//
// Design: the kernel talks in inodes; namespace operations (lookup, create,
// mkdir, unlink, rmdir, rename, readdir) reach the MDS by path, built from
// the node table (client/node_table.hpp); everything else goes by inode: an
// open file's handle (fi->fh) holds its inode, getattr/setattr use the inode.
// So an unlinked open file stays fully usable — read, write, fstat,
// ftruncate, fsync — until its last close (Linux semantics; the MDS keeps
// the orphan until then). No kernel page cache across opens and a file's
// name looked up on every open (close-to-open consistency), and open files'
// caches dropped when another mount changed them (docs/consistency.md);
// attributes and directory entries are cached 1 s. flush(), fsync() and
// release() return only when every replica is synced and the MDS knows the
// size. Not POSIX (guide, Notes): no owners (chown is accepted and ignored),
// no hard or symbolic links.
#pragma once

#define FUSE_USE_VERSION 35
#include <fuse3/fuse_lowlevel.h>

#include <mutex>

#include "actors/client/node_table.hpp"
#include "actors/client/session.hpp"

namespace pstorage::mount {

// The mounted file system: fuse_session_new's userdata.
struct filesystem {
  explicit filesystem(client::session& s) : sess(s) {}
  client::session& sess;
  std::mutex m;  // guards nodes
  client::node_table nodes;
};

const fuse_lowlevel_ops& operations();

}  // namespace pstorage::mount
