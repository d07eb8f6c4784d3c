// Forward declarations of the monitor domain's types, for headers that only
// name them.
#pragma once

#include <cstdint>

namespace tfarm::actors {

enum class alert_comparison : uint8_t;
enum class alert_severity : uint8_t;
enum class monitor_errc : uint8_t;

struct alert_event;
struct alert_notice;
struct alert_rule;
struct api_window;
struct farm_monitor_params;
struct farm_sample;
struct monitor_status;
struct sample_visitor;
struct vault_counts;
struct webhook_options;

class alert_router;
class alert_tracker;
class farm_monitor;
class farm_sampler;
class webhook_sender;

} // namespace tfarm::actors
