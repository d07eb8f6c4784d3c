// The `tfarm` executable: everything lives in tfarm::cli.
#include "cli/app.hpp"

int main(int argc, char** argv) {
  return tfarm::cli::main(argc, argv);
}
