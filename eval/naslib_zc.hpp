// NASLib's zero-cost tables (NAS-Bench-Suite-Zero), zc_<space>.json, which NASLib's zero-cost predictors and
// benchmarks read:
//   {dataset: {arch key: {"id": i, proxy: {"score": v, "time": s}, ..., "val_accuracy": a}}}
// with the space's arch keys (SearchSpace::naslib_key), NASLib's dataset names (cifar10, cifar100,
// ImageNet16-120) and NASLib's proxy names and units: zcnas's naswot is NASLib's nwot, and params and flops are in
// millions there. Written from a score table and read back as one, so that zcnas eval takes NASLib's files too.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/score_table_reader.hpp"
#include "eval/truth.hpp"
#include "spaces/space.hpp"

namespace zcnas {

// NASLib's name of a zcnas dataset ("imagenet16" is "ImageNet16-120") and back.
std::string naslib_dataset(const std::string& dataset);
std::string dataset_of_naslib(const std::string& naslib);

// The file name NASLib looks for: zc_<space's NASLib name>.json; throws for a space NASLib does not cover.
std::string naslib_zc_file_name(const SearchSpace& space);

// The table's rows under each dataset, in row order: every score column as a proxy (time: the row's seconds, the
// time of all its scores), "id" the row's index and, when `truth` is given, "val_accuracy" its accuracy in that
// dataset (left out where the truth has none). `datasets` are zcnas names: those of the truth (all when empty), or
// the one section to write without a truth. Non-finite values are written as Python's json writes them
// (NaN, -Infinity), which Python's json reads. Written whole beside `path` and renamed over it.
void write_naslib_zc(const std::string& path, const SearchSpace& space, const ScoreTable& table,
                     const GroundTruth* truth, const std::vector<std::string>& datasets);

// The file as JSON, Python's bare NaN, Infinity and -Infinity read as the strings "nan", "inf", "-inf"; throws naming
// the file when it is not an object of dataset objects.
nlohmann::ordered_json read_naslib_zc_json(const std::string& path);

// True when the file is a zc_<space>.json: it begins with '{', as a JSON Lines score table does, but its first line
// is not a row.
bool is_naslib_zc_file(const std::string& path);

// The proxies of one dataset's section (a zcnas name; "" takes cifar10 when the file has it, else its only
// section) as a score table: one column per proxy under zcnas's names and units, rows in index order. Throws naming
// the file and the key of a malformed entry, an arch the space does not have, or a dataset the file lacks.
ScoreTable read_naslib_zc_scores(const std::string& path, const SearchSpace& space, const std::string& dataset = "");

// The "val_accuracy" of every section, a dataset each (zcnas names), NaN where the file has no entry.
GroundTruth read_naslib_zc_truth(const std::string& path, const SearchSpace& space);

}  // namespace zcnas
