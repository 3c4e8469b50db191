// Scoring across MPI ranks: shares, part files and the final merge.
#include "cli/mpi_run.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iterator>
#include <numeric>

#include "core/device.hpp"
#include "core/error.hpp"
#include "eval/score_table_merge.hpp"
#include "spaces/space.hpp"

#ifdef ZCNAS_WITH_MPI
#include <mpi.h>
#endif

namespace zcnas::cli {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// "<r>-of-<n>", as part_path writes it.
bool is_part_suffix(const std::string& s) {
  const size_t of = s.find("-of-");
  return of != std::string::npos && all_digits(s.substr(0, of)) && all_digits(s.substr(of + 4));
}

bool writes_file(const std::string& out) { return !out.empty() && out != "-"; }

// T and its parts into T: T's rows first, in T's order (a resumed single process keeps them so), then the
// others in index order.
void merge_parts(const std::string& out, TableFormat format, const std::string& space_name) {
  const std::vector<std::string> parts = part_paths(out);
  if (parts.empty()) return;
  // A table without rows has no columns yet in JSON Lines (an empty file): it adds nothing.
  auto has_rows = [](const std::string& path) {
    return std::filesystem::exists(path) && std::filesystem::file_size(path) > 0;
  };
  const bool had_table = has_rows(out);
  std::vector<std::string> tables;
  if (had_table) tables.push_back(out);
  std::copy_if(parts.begin(), parts.end(), std::back_inserter(tables), has_rows);
  if (tables.empty()) {
    for (const auto& part : parts) std::filesystem::remove(part);
    return;
  }
  const auto space = make_space(space_name);
  const MergedScoreTable merged = merge_score_tables(tables, *space);
  std::vector<size_t> order(merged.rows.size());
  std::iota(order.begin(), order.end(), size_t{0});
  auto in_table = [&](size_t k) { return had_table && merged.table[k] == 0; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (in_table(a) != in_table(b)) return in_table(a);
    return in_table(a) && merged.line[a] < merged.line[b];
  });
  std::vector<ScoreRow> rows;
  rows.reserve(order.size());
  for (size_t k : order) rows.push_back(merged.rows[k]);
  write_score_table(out, format, merged.columns, rows);
  for (const auto& part : parts) std::filesystem::remove(part);
  std::fprintf(stderr, "zcnas: merged %zu part files into '%s' (%zu rows)\n", parts.size(), out.c_str(), rows.size());
}

#ifdef ZCNAS_WITH_MPI
// OpenMPI's mpirun, and PMIx or PMI launchers (srun), set these in every process they start.
bool started_by_launcher() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr ||
         std::getenv("PMI_SIZE") != nullptr;
}

// Finalises MPI when the process leaves run_score_job, by a return or by an exception of a one-rank job.
struct MpiFinalizer {
  ~MpiFinalizer() {
    int initialised = 0, finalised = 0;
    MPI_Initialized(&initialised);
    MPI_Finalized(&finalised);
    if (initialised && !finalised) MPI_Finalize();
  }
};

[[noreturn]] void abort_job(const MpiRank& world, const char* what) {
  std::fprintf(stderr, "zcnas: error on rank %d of %d: %s\n", world.rank, world.size, what);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();  // MPI_Abort does not return
}
#else
// The number of processes a launcher started, where it says (a build without MPI cannot share the work).
int launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* value = std::getenv(name)) return std::atoi(value);
  return 1;
}
#endif

}  // namespace

const MpiRank& mpi_rank() {
  static const MpiRank world = [] {
    MpiRank r;
#ifdef ZCNAS_WITH_MPI
    if (started_by_launcher()) {
      MPI_Init(nullptr, nullptr);
      MPI_Comm_rank(MPI_COMM_WORLD, &r.rank);
      MPI_Comm_size(MPI_COMM_WORLD, &r.size);
    }
#endif
    return r;
  }();
  return world;
}

std::string part_path(const std::string& out, int rank, int size) {
  return out + ".part-" + std::to_string(rank) + "-of-" + std::to_string(size);
}

std::vector<std::string> part_paths(const std::string& out) {
  const std::filesystem::path path(out);
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const std::string prefix = path.filename().string() + ".part-";
  std::vector<std::string> parts;
  if (!std::filesystem::is_directory(dir)) return parts;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.rfind(prefix, 0) == 0 && is_part_suffix(name.substr(prefix.size())))
      parts.push_back(out + name.substr(path.filename().string().size()));  // as part_path spells it
  }
  std::sort(parts.begin(), parts.end());
  return parts;
}

ScoreShare::ScoreShare(std::string out, std::string shard)
    : out_(std::move(out)), shard_(std::move(shard)), table_(out_) {
  const MpiRank& world = mpi_rank();
#ifndef ZCNAS_WITH_MPI
  ZCNAS_REQUIRE(launcher_size() <= 1 || !shard_.empty(),
                "this zcnas is built without MPI (ZCNAS_MPI=OFF), so its {} processes under mpirun or srun would "
                "each score every arch: give each --shard r/{}, or build with MPI",
                launcher_size(), launcher_size());
#endif
  if (world.size == 1) {
    // A single process finishes an interrupted job's parts as a job of one rank would.
    if (!writes_file(out_) || part_paths(out_).empty()) return;
    ZCNAS_REQUIRE(shard_.empty(),
                  "--out '{}' has the part files of an mpirun job beside it: finish that job without --shard (or "
                  "under mpirun), or write this shard to another --out",
                  out_);
    table_ = part_path(out_, 0, 1);
    return;
  }
  ZCNAS_REQUIRE(shard_.empty(),
                "--shard {} under mpirun: the {} ranks already share the archs (rank r scores --shard r/{}); "
                "leave out --shard, or run one process per shard without mpirun",
                shard_, world.size, world.size);
  ZCNAS_REQUIRE(writes_file(out_), "under mpirun give --out: each of the {} ranks writes its rows beside it",
                world.size);
  shard_ = std::to_string(world.rank) + "/" + std::to_string(world.size);
  table_ = part_path(out_, world.rank, world.size);
}

ScoreShare::~ScoreShare() = default;

int ScoreShare::cuda_device() const {
  const int devices = cuda_device_count();
  return devices > 0 ? mpi_rank().rank % devices : 0;
}

std::set<int64_t> ScoreShare::rows_done(const std::set<int64_t>& own, TableFormat format,
                                        const std::vector<std::string>& columns) {
  std::set<int64_t> done = own;
  if (table_ == out_) return done;
  // Rank 0 opens what no running rank writes: T and earlier jobs' parts (this job's parts are their ranks').
  const MpiRank& world = mpi_rank();
  std::set<std::string> this_jobs_parts;
  for (int r = 0; r < world.size; ++r) this_jobs_parts.insert(part_path(out_, r, world.size));
  std::vector<std::string> tables{out_};
  for (const auto& part : part_paths(out_))
    if (part != table_) tables.push_back(part);
  for (const auto& path : tables) {
    if (world.rank == 0 && this_jobs_parts.count(path) == 0) {
      held_.push_back(std::make_unique<ScoreTableWriter>(path, format, columns));
      done.insert(held_.back()->done().begin(), held_.back()->done().end());
    } else {
      const std::set<int64_t> rows = finished_rows(path, format, columns);
      done.insert(rows.begin(), rows.end());
    }
  }
  return done;
}

int run_score_job(const std::string& out, TableFormat format, const std::string& space,
                  const std::function<int()>& score) {
#ifdef ZCNAS_WITH_MPI
  const MpiRank& world = mpi_rank();
  const MpiFinalizer finalizer;
  if (world.size > 1) {
    int status = 1;
    try {
      status = score();
    } catch (const std::exception& e) {
      abort_job(world, e.what());
    }
    // Every rank has closed its part when it gets here: a part is whole before rank 0 reads it.
    int worst = 0;
    MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (worst == 0 && world.rank == 0) {
      try {
        merge_parts(out, format, space);
      } catch (const std::exception& e) {
        abort_job(world, e.what());
      }
    }
    return worst;
  }
#endif
  const int status = score();
  if (status == 0 && writes_file(out)) merge_parts(out, format, space);
  return status;
}

}  // namespace zcnas::cli
