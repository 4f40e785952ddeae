// atoms.hpp — CAF atoms for messages an actor sends itself or its local
// helpers (never across nodes; those are Cap'n Proto schemas in protocol/).
#pragma once

#include <caf/atom.hpp>

namespace pstorage {
using start_atom = caf::atom_constant<caf::atom("start")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using connect_atom = caf::atom_constant<caf::atom("connect")>;
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
using locate_mds_atom = caf::atom_constant<caf::atom("locmds")>;
// The MDS list the master sent (comma-separated ADDR:PORT): a locator searches it too.
using learn_mds_atom = caf::atom_constant<caf::atom("learnmds")>;
using scrub_atom = caf::atom_constant<caf::atom("scrub")>;  // CS scrubbing timer
using scrub_step_atom = caf::atom_constant<caf::atom("scrubstep")>;  // CS: next replica of an on-demand scrub
using later_atom = caf::atom_constant<caf::atom("later")>;  // MDS: a continuation run_later() scheduled
using copy_pace_atom = caf::atom_constant<caf::atom("copypace")>;  // CS: next piece of a paced copy
}  // namespace pstorage
