// NB101 ground truth (SPEC.md §5). Its tables cover part of the space, so rows name their cell (looked up in
// the space, pruned) or its hash, never an index, and the cells a table lacks have accuracy NaN
// (eval/truth.hpp).
#pragma once
#include <string>

#include "eval/truth.hpp"
#include "spaces/space.hpp"

namespace zcnas::nb101 {

// Reads either table, told apart by its header; throws naming the file, line and field of a bad value or an
// unknown cell, and the file when the header is neither.
// - NASLib's zero-cost table (spaces/nb101/naslib_table.hpp): dataset "cifar10" is its val_accuracy, CIFAR-10
//   validation accuracy. A cell in several rows gets the mean of their accuracies (naslib_cells).
// - A table keyed by cell hash: a `hash` column (32 hex digits) and one or more accuracy columns, each a
//   dataset named by its column; an empty value or "nan" means the table has no value there. A cell may
//   appear once.
GroundTruth read_truth_table(const SearchSpace& space, const std::string& path);

}  // namespace zcnas::nb101
