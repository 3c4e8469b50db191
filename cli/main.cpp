// zcnas: training-free neural architecture search from the command line.
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"zcnas: score untrained networks with zero-cost proxies and search NAS spaces"};
  app.require_subcommand(1);
  std::function<int()> action;
  zcnas::cli::register_score(app, action);
  zcnas::cli::register_space(app, action);
  zcnas::cli::register_search(app, action);
  zcnas::cli::register_eval(app, action);
  zcnas::cli::register_combine(app, action);
  zcnas::cli::register_merge(app, action);
  zcnas::cli::register_naslib(app, action);
  zcnas::cli::register_export(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return action ? action() : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zcnas: error: %s\n", e.what());
    return 1;
  }
}
