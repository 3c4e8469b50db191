// NDS record files (facebookresearch/nds, e.g. DARTS.json): a JSON list of trained networks (or an object whose
// "top" and "mid" lists are concatenated, as NASWOT's nasspace.NDS does), each with
//   "net": {"genotype": {"normal": [[op, input], ...], "normal_concat": [2, 3, 4, 5], "reduce": ..., "reduce_concat":
//   ...},
//           "width": W, "depth": D, "aux": false, ...}
//   "test_ep_top1": [top-1 error per epoch, ...]
// Record i is arch i of a score table scored from the file; its accuracy is 100 - the last test_ep_top1 entry.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "spaces/darts/darts.hpp"

namespace zcnas::darts {

struct NdsRecord {
  Genotype genotype;
  int64_t width = 0;
  int depth = 0;
  bool aux = false;       // trained with an auxiliary head (not part of the scored network)
  double accuracy = 0.0;  // test accuracy in %, NaN when the record has no test_ep_top1
};

// Throws naming the file and the record that is not an NDS DARTS network.
std::vector<NdsRecord> read_nds_records(const std::string& path);

}  // namespace zcnas::darts
