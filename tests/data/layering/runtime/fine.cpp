// A runtime file that includes only its own layer and config.
#include "config/limits.hpp"
#include "runtime/clock.hpp"
