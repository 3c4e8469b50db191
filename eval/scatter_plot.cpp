// gnuplot scatter plots: data and script go to a temporary folder, gnuplot runs without a shell.
#include "eval/scatter_plot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

extern char** environ;

namespace zcnas {
namespace {

namespace fs = std::filesystem;

// A temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "zcnas-plot-XXXXXX").string();
    ZCNAS_REQUIRE(mkdtemp(pattern.data()) != nullptr, "cannot create a temporary folder for the plot");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// The program named by $ZCNAS_GNUPLOT or `gnuplot`, found as execvp would; empty when there is none.
std::string find_gnuplot(std::string& wanted) {
  const char* env = std::getenv("ZCNAS_GNUPLOT");
  wanted = env != nullptr && *env != '\0' ? env : "gnuplot";
  if (wanted.find('/') != std::string::npos) return access(wanted.c_str(), X_OK) == 0 ? wanted : std::string();
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / wanted;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

// gnuplot single-quoted string: a quote is written twice.
std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

// gnuplot double-quoted string, where "\n" breaks the line.
std::string double_quoted(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '\n')
      q += "\\n";
    else if (c == '"' || c == '\\')
      q += std::string("\\") + c;
    else
      q += c;
  }
  return q + "\"";
}

// Runs `program script`; returns its exit status and what it wrote to stderr.
int run_gnuplot(const std::string& program, const fs::path& script, const fs::path& log, std::string& messages) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string arg0 = program, arg1 = script.string();
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ZCNAS_REQUIRE(spawned == 0, "cannot start gnuplot '{}': {}", program, std::strerror(spawned));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    ZCNAS_REQUIRE(errno == EINTR, "waiting for gnuplot failed: {}", std::strerror(errno));
  }
  std::ifstream in(log);
  messages.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string terminal_commands(const std::string& path, int width, int height) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".svg")
    return fmt::format("set terminal svg size {},{} dynamic noenhanced font 'Helvetica,13' background rgb 'white'\n",
                       width, height);
  if (ext == ".png")
    return fmt::format(
        "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {{\n"
        "  set terminal pngcairo size {0},{1} noenhanced font 'Helvetica,11' background rgb 'white'\n"
        "}} else {{\n"
        "  set terminal png size {0},{1} noenhanced background rgb 'white'\n"
        "}}\n",
        width, height);
  throw Error(fmt::format("plot '{}': use a .svg or .png file name", path));
}

}  // namespace

void plot_scatter(const std::string& path, const std::vector<ScatterPanel>& panels, int columns) {
  ZCNAS_REQUIRE(!panels.empty() && columns > 0, "plot '{}': nothing to draw", path);
  std::string wanted;
  const std::string gnuplot = find_gnuplot(wanted);
  ZCNAS_REQUIRE(!gnuplot.empty(),
                "plot '{}' needs gnuplot, and '{}' was not found (install it, e.g. Debian's gnuplot-nox, or set "
                "ZCNAS_GNUPLOT to its path)",
                path, wanted);
  const int rows = (static_cast<int>(panels.size()) + columns - 1) / columns;
  const int grid_columns = std::min<int>(columns, static_cast<int>(panels.size()));
  constexpr int kPanelWidth = 560, kPanelHeight = 460;

  TempDir dir;
  std::string script = "set encoding utf8\n" + terminal_commands(path, grid_columns * kPanelWidth, rows * kPanelHeight);
  script += fmt::format("set output {}\n", quoted(path));
  script += fmt::format("set multiplot layout {},{}\n", rows, grid_columns);
  script += "set grid lc rgb '#dddddd'\nset key top left opaque box lc rgb '#bbbbbb'\nset border lc rgb '#555555'\n";

  for (size_t p = 0; p < panels.size(); ++p) {
    const ScatterPanel& panel = panels[p];
    ZCNAS_REQUIRE(panel.x.size() == panel.y.size(), "plot '{}': panel {} has {} x and {} y values", path, p,
                  panel.x.size(), panel.y.size());
    double lo = INFINITY, hi = -INFINITY;
    int64_t non_finite = 0;
    for (double v : panel.y) {
      if (std::isfinite(v))
        lo = std::min(lo, v), hi = std::max(hi, v);
      else
        ++non_finite;
    }
    if (!(lo <= hi)) lo = -1, hi = 1;  // no finite score at all
    const double span = hi > lo ? hi - lo : std::max(1.0, std::fabs(hi));
    const double strip = lo - 0.10 * span;      // where non-finite scores are drawn
    const double separator = lo - 0.05 * span;  // a dashed line between them and the finite ones

    const fs::path data = dir / fmt::format("panel{}.dat", p);
    std::ofstream out(data);
    // Block 0: finite scores; block 1: non-finite ones at the strip.
    for (size_t i = 0; i < panel.x.size(); ++i)
      if (std::isfinite(panel.y[i])) out << fmt::format("{} {}\n", panel.x[i], panel.y[i]);
    out << "\n\n";
    for (size_t i = 0; i < panel.x.size(); ++i)
      if (!std::isfinite(panel.y[i])) out << fmt::format("{} {}\n", panel.x[i], strip);
    out << "\n";
    ZCNAS_REQUIRE(static_cast<bool>(out), "cannot write the plot data '{}'", data.string());

    script += "unset arrow\nunset y2tics\nset ytics auto mirror\n";
    script += fmt::format("set title {}\n", double_quoted(panel.title));
    script += fmt::format("set xlabel {}\nset ylabel {}\n", quoted(panel.x_label), quoted(panel.y_label));
    if (non_finite > 0) {
      script += fmt::format("set yrange [{}:{}]\n", strip - 0.05 * span, hi + 0.05 * span);
      // Labelled on the right axis, clear of the automatic score ticks on the left.
      script += fmt::format("set ytics nomirror\nset link y2\nset y2tics ('non-finite' {})\n", strip);
      script += fmt::format(
          "set arrow from graph 0, first {0} to graph 1, first {0} nohead dashtype 2 lc rgb '#999999'\n", separator);
    } else {
      script += fmt::format("set yrange [{}:{}]\n", lo - 0.05 * span, hi + 0.05 * span);
    }
    script +=
        fmt::format("plot {} index 0 using 1:2 with points pt 7 ps 0.35 lc rgb '#901f5fb4' title 'finite score ({})'",
                    quoted(data.string()), panel.x.size() - static_cast<size_t>(non_finite));
    if (non_finite > 0)
      script += fmt::format(", {} index 1 using 1:2 with points pt 9 ps 0.6 lc rgb '#10d62728' title '-inf / nan ({})'",
                            quoted(data.string()), non_finite);
    script += "\n";
  }
  script += "unset multiplot\nset output\n";
  const fs::path script_path = dir / "plot.gp";
  std::ofstream(script_path) << script;

  std::string messages;
  const int status = run_gnuplot(gnuplot, script_path, dir / "gnuplot.log", messages);
  ZCNAS_REQUIRE(status == 0, "gnuplot '{}' failed (exit status {}) drawing '{}': {}", gnuplot, status, path, messages);
  ZCNAS_REQUIRE(fs::exists(path) && fs::file_size(path) > 0, "gnuplot wrote nothing to '{}': {}", path, messages);
}

std::vector<ScatterPanel> evaluation_panels(const ScoreTable& table, const GroundTruth& truth,
                                            const Evaluation& evaluation) {
  std::vector<ScatterPanel> panels;
  for (size_t c = 0; c < evaluation.columns.size(); ++c) {
    const ColumnEvaluation& col = evaluation.columns[c];
    const std::vector<double>& scores = table.values[table.column_position(col.column)];
    for (const DatasetAgreement& a : col.datasets) {
      ScatterPanel panel;
      const std::vector<double>& accuracy = truth.column(a.dataset);
      for (size_t r = 0; r < scores.size(); ++r) {
        const double x = accuracy[static_cast<size_t>(table.index[r])];
        if (!has_accuracy(x)) continue;  // not joined: the evaluation left the row out too
        panel.x.push_back(x);
        panel.y.push_back(scores[r]);
      }
      const int64_t non_finite = a.rows - a.finite_rows;
      panel.title = fmt::format("{} vs {} {}\nτ-b = {:.3f}, ρ = {:.3f} (n = {}", col.column, dataset_title(a.dataset),
                                truth.measure, a.tau_b, a.rho, a.rows);
      panel.title += non_finite > 0 ? fmt::format(", {} non-finite ranked lowest)", non_finite) : ")";
      panel.x_label = dataset_title(a.dataset) + " " + truth.measure + " (%)";
      panel.y_label = col.column + " score";
      panels.push_back(std::move(panel));
    }
  }
  return panels;
}

}  // namespace zcnas
