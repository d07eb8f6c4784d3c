// Forward declarations of the exchange domain's types, for headers that only
// name them.
#pragma once

#include <cstdint>

namespace tfarm::actors {

enum class exchange_errc : uint8_t;
enum class order_state : uint8_t;
enum class order_type : uint8_t;
enum class side : uint8_t;

struct agent_restraint;
struct book_fill;
struct book_order;
struct book_top;
struct engine_fill;
struct engine_result;
struct exchange_status;
struct fill_terms;
struct level_view;
struct order_progress;
struct order_report;
struct order_request;
struct replay_report;
struct session_params;
struct sim_venue_params;
struct submit_result;
struct trade_tick;
struct venue_faults;
struct venue_fill;
struct venue_status;
struct venue_symbol_status;

class exchange_session;
class matching_engine;
class order_book;
class secret_box;
class sim_venue;
class token_bucket;

} // namespace tfarm::actors
