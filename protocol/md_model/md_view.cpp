#include "protocol/md_model/md_view.hpp"

#include <cerrno>

namespace pstorage::mds {

const char* errno_name(int code) {
  switch (code) {
    case 0: return "OK";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EINVAL: return "EINVAL";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EFBIG: return "EFBIG";
    case EBUSY: return "EBUSY";
    case EPERM: return "EPERM";
    case EIO: return "EIO";
    case ENOSPC: return "ENOSPC";
    case EAGAIN: return "EAGAIN";
  }
  return "EUNKNOWN";
}

}  // namespace pstorage::mds
