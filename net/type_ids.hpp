// The network module's CAF type-ID block (after the domains' last, the monitor's): what
// the inspection console sends across nodes.
#pragma once

#include <caf/type_id.hpp>

#include "actors/type_ids.hpp"
#include "net/console_protocol.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tfarm_net, caf::id_block::tfarm_monitor::end)

CAF_ADD_TYPE_ID(tfarm_net, (tfarm::net::console_request))
CAF_ADD_TYPE_ID(tfarm_net, (tfarm::net::console_reply))

CAF_ADD_ATOM(tfarm_net, tfarm::net, console_lookup_atom, "consolelk")
CAF_ADD_ATOM(tfarm_net, tfarm::net, connect_wait_atom, "connwait")

CAF_END_TYPE_ID_BLOCK(tfarm_net)
