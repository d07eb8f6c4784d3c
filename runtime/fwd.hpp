// Forward declarations of tfarm::runtime types.
#pragma once

namespace tfarm::runtime {

enum class runtime_errc : unsigned char;

struct actor_counters;
struct actor_info;
struct checkpoint;
struct child_info;
struct child_spec;
struct crash_request;
struct failure_record;
struct kind_info;
struct spawn_context;

class actor_registry;
class kind_registry;
class node;
class node_context;
class registry_entry;

} // namespace tfarm::runtime
