#include "chaos/chaos_report.hpp"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "net/console_text.hpp"

namespace tfarm::chaos {

namespace {

std::string ms_text(int64_t ms) {
  if (ms < 0)
    return "-";
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  out << static_cast<double>(ms) / 1'000.0 << " s";
  return out.str();
}

// An aligned table ending with a newline.
std::string table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  return net::console_text::table(header, rows) + "\n";
}

} // namespace

bool chaos_report::passed() const {
  return aborted.empty() &&
         std::all_of(invariants.begin(), invariants.end(),
                     [](const invariant_result& x) { return x.holds(); }) &&
         std::all_of(faults.begin(), faults.end(),
                     [](const fault_outcome& x) { return x.error.empty(); });
}

nlohmann::json to_json(const chaos_report& x) {
  nlohmann::json faults = nlohmann::json::array();
  for (auto& f : x.faults)
    faults.push_back({{"id", f.planned.id},
                      {"kind", to_string(f.planned.kind)},
                      {"target", f.planned.target},
                      {"at_ms", f.planned.at_ms},
                      {"length_ms", f.planned.length_ms},
                      {"intensity", f.planned.intensity},
                      {"injected_ms", f.injected_ms},
                      {"healed_ms", f.healed_ms},
                      {"recovered", f.recovered},
                      {"recovered_after_ms", f.recovered_after_ms},
                      {"error", f.error}});
  nlohmann::json invariants = nlohmann::json::array();
  for (auto& i : x.invariants)
    invariants.push_back({{"name", i.name},
                          {"what", i.what},
                          {"checked", i.checked},
                          {"violations", i.violations},
                          {"holds", i.holds()},
                          {"details", i.details}});
  nlohmann::json resources = nlohmann::json::array();
  for (auto& r : x.resources)
    resources.push_back({{"process", r.process},
                         {"pid", r.pid},
                         {"samples", r.samples},
                         {"span_ms", r.span_ms},
                         {"first_rss_kib", r.first_rss_kib},
                         {"last_rss_kib", r.last_rss_kib},
                         {"rss_kib_per_hour", r.rss_kib_per_hour},
                         {"rss_kib_per_hour_all", r.rss_kib_per_hour_all},
                         {"first_fds", r.first_fds},
                         {"last_fds", r.last_fds},
                         {"fds_per_hour", r.fds_per_hour},
                         {"fds_per_hour_all", r.fds_per_hour_all},
                         {"judged", r.judged},
                         {"growth", r.growth}});
  return {{"resources", resources},
          {"seed", x.seed},
          {"cluster", x.cluster},
          {"duration_ms", x.duration_ms},
          {"faults", faults},
          {"invariants", invariants},
          {"orders", x.orders},
          {"fills", x.fills},
          {"transfers", x.transfers},
          {"fenced_refusals", x.fenced_refusals},
          {"conflict_retries", x.conflict_retries},
          {"aborted", x.aborted},
          {"passed", x.passed()}};
}

std::string to_table(const chaos_report& x) {
  std::vector<std::vector<std::string>> rows;
  for (auto& f : x.faults) {
    auto what = to_string(f.planned.kind);
    if (f.planned.intensity > 0)
      what += f.planned.kind == fault_kind::venue_latency
                  ? " " + std::to_string(f.planned.intensity) + " ms"
                  : " " + std::to_string(f.planned.intensity) + " ppm";
    rows.push_back({std::to_string(f.planned.id), ms_text(f.injected_ms), what, f.planned.target,
                    ms_text(f.planned.length_ms),
                    f.error.empty() ? f.recovered.empty() ? "-" : f.recovered : "ERROR: " + f.error,
                    ms_text(f.recovered_after_ms)});
  }
  std::string out = "Faults (seed " + std::to_string(x.seed) + ", cluster " + x.cluster + ", " +
                    ms_text(x.duration_ms) + "):\n" +
                    table({"#", "AT", "FAULT", "TARGET", "LENGTH", "RECOVERED", "AFTER"}, rows);
  rows.clear();
  for (auto& i : x.invariants)
    rows.push_back({i.holds() ? "ok" : "FAILED", i.name, std::to_string(i.checked),
                    std::to_string(i.violations), i.what});
  out += "\nInvariants:\n" + table({"", "INVARIANT", "CHECKED", "VIOLATIONS", "WHAT"}, rows);
  for (auto& i : x.invariants)
    for (auto& d : i.details)
      out += "  " + i.name + ": " + d + "\n";
  rows.clear();
  for (auto& r : x.resources)
    rows.push_back(
        {r.process, ms_text(r.span_ms),
         std::to_string(r.first_rss_kib / 1'024) + " -> " + std::to_string(r.last_rss_kib / 1'024) +
             " MiB",
         std::to_string(r.rss_kib_per_hour) + " KiB/h (all " +
             std::to_string(r.rss_kib_per_hour_all) + ")",
         std::to_string(r.first_fds) + " -> " + std::to_string(r.last_fds),
         std::to_string(r.fds_per_hour) + "/h (all " + std::to_string(r.fds_per_hour_all) + ")",
         r.judged ? (r.growth.empty() ? "bounded" : "GROWS") : "too short to judge"});
  if (!rows.empty())
    out += "\nResources (each process's longest life after its first minute; slopes over its "
           "second half, judged, and over all of it):\n" +
           table({"PROCESS", "SPAN", "RSS", "RSS SLOPE", "FDS", "FD SLOPE", "VERDICT"}, rows);
  out += "\n" + std::to_string(x.orders) + " orders, " + std::to_string(x.fills) + " fills, " +
         std::to_string(x.transfers) + " transfers; " + std::to_string(x.fenced_refusals) +
         " writes refused by fencing; " + std::to_string(x.conflict_retries) +
         " batches run again after a serialization conflict\n";
  if (!x.aborted.empty())
    out += "ABORTED: " + x.aborted + "\n";
  out += x.passed() ? "PASSED\n" : "FAILED\n";
  return out;
}

} // namespace tfarm::chaos
