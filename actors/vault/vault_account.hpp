// One vault account as an actor: its holdings per asset (available and
// reserved), its reservations, and its idempotency journal.
//
// Durability: every operation is decided here, applied to memory, and
// answered only once its journal row and ledger transaction are durable in
// the store (one atomic vault_write; the store group-commits them). The
// actor keeps no checkpoint of its own: on every start it rebuilds itself
// from the store (balances, open reservations, pending transfers, the
// newest journal rows and the digests of the window's older keys) before it
// handles any message, so its balances always equal its ledger. If a write
// fails or the store refuses it, memory may be ahead of the ledger: the
// actor answers `unavailable` and fails, and its supervisor restarts it
// from the store.
//
// Memory is bounded: it holds whole only the newest `cached_operations`
// results and closed reservations. A request under an older key of the
// idempotency window (known by its 16-byte digest) is answered from its
// journal row, and a settlement of a reservation it let go reads the
// reservation first; both are read before deciding, so neither costs a
// rebuild. Only a key older than the window, or a new reservation under an
// id used before that memory let go (a client's bug: ids are order ids), is
// applied to memory before the store refuses it (the write is answered as
// the store decided and the account rebuilds).
//
// Transfers are two-phase: the debit (available -> @transit) is written
// with a 'pending' journal row; then the receiving account credits itself
// (@transit -> available) under the key "<debit key>/credit"; then the
// debit is posted (journal row 'applied'), or, if the receiver refused,
// voided (@transit -> available back, journal row gets the reason). A
// restarted account resumes every pending transfer (the credit is
// idempotent), so none is left half-done.
//
// Runs on CAF's scheduler; members are touched only by the actor.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/vault/error.hpp"
#include "actors/vault/vault_interfaces.hpp"
#include "actors/vault/vault_params.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/managed_actor.hpp"

namespace tfarm::actors {

class vault_account : public runtime::basic_managed_actor<vault_account_actor::base> {
public:
  using super = runtime::basic_managed_actor<vault_account_actor::base>;
  using params_type = vault_params;
  using reply_promise = caf::typed_response_promise<vault_reply>;

  vault_account(caf::actor_config& cfg, runtime::spawn_context ctx);

  static runtime::kind_info kind();

  behavior_type make_behavior() override;

protected:
  std::string describe() const override;

private:
  struct holding {
    int64_t available = 0;
    int64_t reserved = 0;
  };

  struct reservation {
    std::string asset;
    int64_t amount = 0;
    int64_t remaining = 0;
    /// "open", "settled" or "released".
    std::string state;
    int64_t created_at_ms = 0;
    persistence::reservation_terms terms;
    int64_t filled = 0;
    /// Closed and in closed_order_.
    bool queued = false;
  };

  /// A transfer whose debit is durable and whose outcome is not.
  struct pending_transfer {
    persistence::vault_op_record row;
    std::vector<reply_promise> waiters;
    uint32_t attempts = 0;
    bool resolving = false;
  };

  // -- operations ---------------------------------------------------------------

  caf::result<vault_reply> handle(vault_request& r, bool credit);
  caf::error validate(const vault_request& r, bool credit) const;
  /// Decides a valid request whose key is new to memory, and answers `rp`
  /// (at once, or once the write is durable). `reservation_read`: the
  /// store was asked for a reservation memory does not hold.
  void decide(const vault_request& r, bool credit, const std::string& key, reply_promise rp,
              bool reservation_read);
  /// Reads the journal row of a key memory knows only by digest, then
  /// answers from it or decides.
  void look_up_key(const vault_request& r, bool credit, const std::string& key, reply_promise rp);
  /// Reads a reservation memory let go, then decides.
  void look_up_reservation(const vault_request& r, bool credit, const std::string& key,
                           reply_promise rp);
  caf::expected<vault_reply> answer_known(const persistence::vault_op_record& row,
                                          const vault_request& r, bool credit);
  static void deliver(reply_promise& rp, caf::expected<vault_reply> x);
  /// True if `row` records the operation `r` asks for (same op, reference,
  /// amount and asset): a replay rather than a key reused for another.
  bool same_operation(const persistence::vault_op_record& row, const vault_request& r,
                      bool credit) const;
  caf::error key_reused(const persistence::vault_op_record& row, const std::string& key) const;
  /// True if two journal rows record the same operation.
  static bool same_operation(const persistence::vault_op_record& x,
                             const persistence::vault_op_record& y);

  /// Writes `w` (already applied to memory) and answers `rp` once durable.
  void write(persistence::vault_write w, reply_promise rp);
  void written(const persistence::vault_op_record& sent, persistence::vault_write_result& res);
  /// Answers `waiters` with what `row` records.
  void answer(std::vector<reply_promise>& waiters, const persistence::vault_op_record& row,
              bool replayed);
  void write_failed(const std::string& key, const caf::error& err);

  /// Records a refusal in the journal, then answers it.
  void refuse(reply_promise rp, const vault_request& r, const std::string& key,
              const std::string& op, vault_errc code, std::string message);

  // -- transfers ------------------------------------------------------------------

  void send_credit(const std::string& key);
  void post(const std::string& key, uint64_t credit_txn);
  void void_transfer(const std::string& key, const caf::error& why);

  // -- helpers ----------------------------------------------------------------------

  bool known_asset(const std::string& asset) const;
  holding& hold(const std::string& asset) { return holdings_[asset]; }
  persistence::vault_op_record make_row(const vault_request& r, const std::string& key,
                                        const std::string& op) const;
  void stamp_after(persistence::vault_op_record& row) const;
  /// Keeps a final result; the oldest beyond the cache leave a digest
  /// while in the window, and a closing one queues its reservation.
  void remember(persistence::vault_op_record row);
  /// params_.cached_operations within its limits.
  uint32_t cache_limit() const;
  void put_reservation(const persistence::reservation_record& r);
  /// Queues a closed reservation; the oldest beyond the cache leave memory
  /// (they are read back if a late fill comes).
  void queue_closed(const std::string& id);
  vault_reply reply_of(const persistence::vault_op_record& row, bool replayed) const;
  caf::error error_of(const persistence::vault_op_record& row) const;
  std::vector<balance_row> balances(const std::string& asset) const;
  bool fault(const char* phase);
  caf::duration store_timeout() const;
  persistence::store_actor store() const;
  void restore(persistence::vault_account_data& data);

  std::string id_;
  std::string user_;
  vault_params params_;
  std::set<std::string> assets_;
  std::map<std::string, holding> holdings_;
  std::unordered_map<std::string, reservation> reservations_;
  /// Reservations in state "open" (describe() runs after every operation:
  /// counting them there cost O(reservations) per operation).
  size_t open_reservations_ = 0;
  /// Final results by scoped key: the newest cache_limit() of the
  /// idempotency window.
  std::unordered_map<std::string, persistence::vault_op_record> results_;
  /// Keys of results_, oldest first.
  std::deque<std::string> result_order_;
  /// Digests of the window's keys no longer in results_ (key_digest_of),
  /// and the same with their times, oldest first, for expiry.
  std::unordered_set<uint64_t> older_keys_;
  std::deque<persistence::key_digest> older_order_;
  /// Closed reservations held in reservations_, oldest closing first.
  std::deque<std::string> closed_order_;
  /// A write sent and not yet durable: what it asked and who waits.
  struct in_flight_write {
    persistence::vault_op_record row;
    std::vector<reply_promise> waiters;
    /// It carries the record of the order its reservation is for.
    bool records_order = false;
  };
  std::unordered_map<std::string, in_flight_write> in_flight_;
  std::unordered_map<std::string, pending_transfer> transfers_;
  std::string fault_;
  bool failed_ = false;
  /// The sequence number of the last write sent (vault_write::seq): the
  /// store takes each write only right after the one before it.
  uint64_t write_seq_ = 0;
};

} // namespace tfarm::actors
