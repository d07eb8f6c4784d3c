// A vault file that reaches up to the agents: the layering check refuses it.
#include "actors/agent/agent_messages.hpp"
