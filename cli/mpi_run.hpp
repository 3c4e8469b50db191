// `zcnas score` across the ranks of an mpirun (or srun) job: rank r of n scores the archs that --shard r/n would,
// into its own part file beside --out, and once every rank has finished rank 0 merges the parts into --out.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "io/score_table.hpp"

namespace zcnas::cli {

// This process's place in a job started by mpirun or srun; rank 0 of 1 otherwise. MPI is initialised (on the
// first call) only when a launcher's variables are in the environment, so a plain run never loads it.
struct MpiRank {
  int rank = 0;
  int size = 1;
};
const MpiRank& mpi_rank();

// `T.part-<r>-of-<n>`: the rows that rank r of a job of n ranks scored for table T.
std::string part_path(const std::string& out, int rank, int size);
// The part files beside T, of jobs of any number of ranks, by name.
std::vector<std::string> part_paths(const std::string& out);

// The share of `zcnas score --out T` that this process scores, and the table it writes it to. Rank r of n > 1
// ranks scores --shard r/n into T.part-r-of-n; a single process writes T itself, unless parts of an interrupted
// job lie beside it: then it finishes that job as a job of one rank, into T.part-0-of-1.
class ScoreShare {
 public:
  // `shard` is --shard: refused under more than one rank (and beside parts), as is writing to stdout.
  ScoreShare(std::string out, std::string shard);
  ~ScoreShare();
  ScoreShare(const ScoreShare&) = delete;
  ScoreShare& operator=(const ScoreShare&) = delete;

  const std::string& shard() const { return shard_; }  // "r/n" under n > 1 ranks, else --shard
  const std::string& table() const { return table_; }  // T, or this rank's part of it
  int cuda_device() const;                             // rank % GPUs: the ranks of a node spread over its GPUs
  // The archs already scored: `own` (the rows of table()) and, when that is a part, those of T and of every
  // part beside it, whatever the number of ranks of the job that wrote it.
  std::set<int64_t> rows_done(const std::set<int64_t>& own, TableFormat format,
                              const std::vector<std::string>& columns);

 private:
  std::string out_, shard_, table_;
  // Rank 0 holds T and earlier jobs' parts open (locked, a cut last row dropped) until the merge.
  std::vector<std::unique_ptr<ScoreTableWriter>> held_;
};

// Runs `score` (zcnas score's run, which writes a ScoreShare's table) as this process's share of the job. Under
// n > 1 ranks an error on any rank aborts the whole job with its message. Once every rank has finished, rank 0
// merges T and the parts beside it into T (T's rows first, as they were, then the others in index order, as a
// single process writes them) and removes the parts. An interrupted job keeps its parts; a rerun resumes them.
int run_score_job(const std::string& out, TableFormat format, const std::string& space,
                  const std::function<int()>& score);

}  // namespace zcnas::cli
