// The subcommands of zcnas. Each register_* adds its subcommand and, when it is chosen, sets `action`.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace zcnas::cli {

void register_score(CLI::App& app, std::function<int()>& action);
void register_space(CLI::App& app, std::function<int()>& action);
void register_search(CLI::App& app, std::function<int()>& action);
void register_eval(CLI::App& app, std::function<int()>& action);
void register_combine(CLI::App& app, std::function<int()>& action);
void register_merge(CLI::App& app, std::function<int()>& action);
void register_naslib(CLI::App& app, std::function<int()>& action);
void register_export(CLI::App& app, std::function<int()>& action);

}  // namespace zcnas::cli
