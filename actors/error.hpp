// Error codes of the actors module, one enum per domain.
#pragma once

#include "actors/agent/error.hpp"
#include "actors/exchange/error.hpp"
#include "actors/vault/error.hpp"
