// Ground-truth table reader.
#include "eval/truth.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace zcnas {

const std::vector<double>& GroundTruth::column(const std::string& dataset) const {
  for (size_t i = 0; i < datasets.size(); ++i)
    if (datasets[i] == dataset) return accuracy[i];
  std::string names;
  for (const auto& d : datasets) names += (names.empty() ? "" : ", ") + d;
  throw Error(fmt::format("ground truth has no dataset '{}' (it has: {})", dataset, names));
}

GroundTruth load_nb201_truth(const std::string& path) {
  std::ifstream in(path);
  ZCNAS_REQUIRE(in, "cannot open ground-truth table '{}'", path);
  std::string line;
  ZCNAS_REQUIRE(static_cast<bool>(std::getline(in, line)), "ground-truth table '{}' is empty", path);
  std::vector<std::string> header;
  {
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) header.push_back(cell);
  }
  GroundTruth truth;
  int arch_col = -1;
  std::vector<int> acc_cols;
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string& h = header[c];
    if (h == "ArchitectureString" || h == "arch") arch_col = static_cast<int>(c);
    else if (h.rfind("CIFAR100", 0) == 0) acc_cols.push_back(static_cast<int>(c)), truth.datasets.push_back("cifar100");
    else if (h.rfind("CIFAR10", 0) == 0) acc_cols.push_back(static_cast<int>(c)), truth.datasets.push_back("cifar10");
    else if (h.rfind("ImageNet", 0) == 0) acc_cols.push_back(static_cast<int>(c)), truth.datasets.push_back("imagenet16");
  }
  ZCNAS_REQUIRE(arch_col >= 0 && !acc_cols.empty(),
                "ground-truth table '{}': header needs ArchitectureString and accuracy columns, got '{}'", path, line);
  truth.accuracy.resize(acc_cols.size());
  int64_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    ZCNAS_REQUIRE(cells.size() >= header.size() - 1 && static_cast<int>(cells.size()) > arch_col,
                  "ground-truth table '{}' line {}: {} fields, expected {}", path, line_no, cells.size(), header.size());
    for (size_t k = 0; k < acc_cols.size(); ++k) {
      try {
        truth.accuracy[k].push_back(std::stod(cells[static_cast<size_t>(acc_cols[k])]));
      } catch (const std::exception&) {
        throw Error(fmt::format("ground-truth table '{}' line {}: '{}' is not a number", path, line_no,
                                cells[static_cast<size_t>(acc_cols[k])]));
      }
    }
    truth.arch.push_back(cells[static_cast<size_t>(arch_col)]);
  }
  return truth;
}

}  // namespace zcnas
