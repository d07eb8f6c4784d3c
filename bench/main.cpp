// tfarm_bench: `--list`, `NAME...`, or `all`. Each scenario prints one JSON
// line on stdout; logs go to stderr.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "bench/scenario.hpp"
#include "config/logging.hpp"

int main(int argc, char** argv) {
  using namespace tfarm::bench;
  CLI::App app{"Trading Farm benchmarks: each scenario against a raw baseline, one JSON line each",
               "tfarm_bench"};
  bool list = false;
  std::vector<std::string> names;
  scenario_options opts;
  std::string log_level = "error";
  app.add_flag("--list", list, "list the scenarios");
  app.add_option("--scale", opts.scale, "multiply iteration counts (smoke runs: 0.01)")
      ->check(CLI::Range(0.0001, 1000.0));
  app.add_option("--threads", opts.threads, "scheduler threads (0: one per core)");
  app.add_option("--scheduler", opts.scheduler, "CAF scheduler: stealing or sharing")
      ->check(CLI::IsMember({"stealing", "sharing"}));
  app.add_option("--poll-sleep-us", opts.poll_sleep_us, "work-stealing idle poll sleep (us)");
  app.add_option("--dir", opts.dir, "folder for database files (default: the temp folder)");
  app.add_option("--log-level", log_level, "log level while measuring")->capture_default_str();
  app.add_option("NAME", names, "scenarios to run, or 'all'");
  CLI11_PARSE(app, argc, argv);
  if (list) {
    for (auto& s : scenarios())
      std::cout << s.name << "  " << s.description << '\n';
    return 0;
  }
  if (names.empty()) {
    std::cerr << "tfarm_bench: name a scenario (see --list) or 'all'\n";
    return 2;
  }
  std::string why;
  if (!tfarm::config::setup_logging({log_level, tfarm::config::log_format::text}, why)) {
    std::cerr << "tfarm_bench: " << why << '\n';
    return 2;
  }
  std::vector<const scenario*> chosen;
  for (auto& name : names) {
    if (name == "all") {
      for (auto& s : scenarios())
        chosen.push_back(&s);
      continue;
    }
    auto i = std::find_if(scenarios().begin(), scenarios().end(),
                          [&](const scenario& s) { return s.name == name; });
    if (i == scenarios().end()) {
      std::cerr << "tfarm_bench: unknown scenario '" << name << "' (see --list)\n";
      return 2;
    }
    chosen.push_back(&*i);
  }
  // A scenario that fails is reported and the others still run; catching
  // here unwinds its fixtures, which stop the servers and clusters it began.
  int failed = 0;
  for (auto s : chosen) {
    try {
      // A scenario measuring at several sizes or loads gives one line each.
      auto result = s->run(opts);
      if (result.is_array())
        for (auto& line : result)
          std::cout << line.dump() << std::endl;
      else
        std::cout << result.dump() << std::endl;
    } catch (const std::exception& e) {
      std::cerr << "tfarm_bench: " << s->name << " failed: " << e.what() << '\n';
      ++failed;
    }
  }
  return failed == 0 ? 0 : 1;
}
