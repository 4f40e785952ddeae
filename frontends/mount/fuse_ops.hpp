// fuse_ops.hpp — the FUSE 3 high-level operations of pstorage-mount (guide
// "Mounting the Cluster"), carried out by a client::session.
//
// Design: path operations go to the MDS by path; an open file's handle
// (fi->fh) holds its inode, so I/O, fsync and getattr on an open file work
// by inode — also after the file was unlinked (hard_remove; the MDS keeps
// the orphan until the last release) and with nullpath_ok. No kernel_cache:
// the page cache is dropped on open (close-to-open consistency). flush(),
// fsync() and release() return only when every replica is synced and the
// MDS knows the size. Known limit of the high-level API: stat()/fstat() of
// an unlinked open file reaches us without a handle or path, so libfuse
// answers ESTALE (read, write, fsync and close through the handle work; the
// low-level API would fix this). Not POSIX (guide, Notes): no owners (chown is accepted
// and ignored), no hard or symbolic links.
#pragma once

#define FUSE_USE_VERSION 35
#include <fuse3/fuse.h>

#include "actors/client/session.hpp"

namespace pstorage::mount {

// Operations table; the session is passed as fuse_new's private data.
const fuse_operations& operations();

}  // namespace pstorage::mount
