// Forward declarations of the agent domain's types, for headers that only
// name them.
#pragma once

#include <cstdint>

namespace tfarm::actors {

enum class agent_errc : uint8_t;
enum class risk_errc : uint8_t;
enum class trading_level : uint8_t;
enum class trading_state : uint8_t;

struct agent_settings;
struct agent_status;
struct market_tick;
struct position_book;
struct register_strategy;
struct risk_control_status;
struct risk_exposure;
struct risk_limits;
struct risk_states;
struct strategy_order;
struct trading_state_change;
struct trading_states;

class risk_control;
class risk_gate;
class strategy;
class strategy_context;
class strategy_registry;
class trading_agent;

} // namespace tfarm::actors
