// The normal build's driver for a harness: runs every file of the folders
// (or files) it is given through LLVMFuzzerTestOneInput once, so that the
// committed corpus and every past finding are regression tests without
// clang. A broken property aborts as under libFuzzer.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.hpp"

namespace {

int run_file(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  if (!in) {
    std::cerr << p.string() << ": cannot read\n";
    return 1;
  }
  std::string bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  size_t runs = 0;
  int failed = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p{argv[i]};
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::filesystem::path> files;
      for (auto& e : std::filesystem::recursive_directory_iterator{p})
        if (e.is_regular_file())
          files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (auto& f : files) {
        failed += run_file(f);
        ++runs;
      }
    } else {
      failed += run_file(p);
      ++runs;
    }
  }
  if (runs == 0) {
    std::cerr << "no input: give corpus folders or files\n";
    return 1;
  }
  std::cout << runs << " inputs ran\n";
  return failed == 0 ? 0 : 1;
}
