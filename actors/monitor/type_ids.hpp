// The monitor's CAF type-ID block (after the agents'): its atoms. The last of
// the domains' blocks: net's follows it.
#pragma once

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include "actors/agent/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tfarm_monitor, caf::id_block::tfarm_agent::end)

CAF_ADD_ATOM(tfarm_monitor, tfarm::actors, monitoring_atom, "monitoring")
CAF_ADD_ATOM(tfarm_monitor, tfarm::actors, alert_ack_atom, "alertack")
CAF_ADD_ATOM(tfarm_monitor, tfarm::actors, incident_atom, "incident")

CAF_END_TYPE_ID_BLOCK(tfarm_monitor)
