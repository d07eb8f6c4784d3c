// Every domain's CAF type IDs, for the layers above the domains (net, cli):
// the blocks chain vault <- exchange <- agent <- monitor, so the monitor's
// includes the others. A domain includes its own block, never this file.
#pragma once

#include "actors/monitor/type_ids.hpp"
