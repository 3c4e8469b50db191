// The reader of NDS record files.
#include "spaces/darts/nds_records.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace zcnas::darts {
namespace {

// A cell's [[op, input], ...] list as the arch encoding's tokens, so parse_genotype checks it.
std::string cell_tokens(const nlohmann::json& pairs) {
  std::string s;
  for (const auto& p : pairs) {
    if (!s.empty()) s += ',';
    s += p.at(0).get<std::string>() + "~" + std::to_string(p.at(1).get<int>());
  }
  return s;
}

NdsRecord read_record(const nlohmann::json& r) {
  const auto& net = r.at("net");
  const auto& g = net.at("genotype");
  for (const char* key : {"normal_concat", "reduce_concat"})
    ZCNAS_REQUIRE(!g.contains(key) || g.at(key) == nlohmann::json({2, 3, 4, 5}),
                  "{} is {}; the NDS DARTS space concatenates nodes [2, 3, 4, 5]", key, g.at(key).dump());
  NdsRecord rec;
  rec.genotype = parse_genotype(cell_tokens(g.at("normal")) + "/" + cell_tokens(g.at("reduce")));
  rec.width = net.at("width").get<int64_t>();
  rec.depth = net.at("depth").get<int>();
  rec.aux = net.value("aux", false);
  const auto top1 = r.find("test_ep_top1");
  rec.accuracy = top1 != r.end() && top1->is_array() && !top1->empty() ? 100.0 - top1->back().get<double>() : NAN;
  return rec;
}

}  // namespace

std::vector<NdsRecord> read_nds_records(const std::string& path) {
  std::ifstream in(path);
  ZCNAS_REQUIRE(in, "cannot open NDS record file '{}'", path);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("NDS record file '{}' is not JSON: {}", path, e.what()));
  }
  nlohmann::json list = nlohmann::json::array();
  if (doc.is_object() && (doc.contains("top") || doc.contains("mid"))) {
    for (const char* part : {"top", "mid"})
      if (doc.contains(part))
        for (const auto& r : doc.at(part)) list.push_back(r);
  } else {
    list = doc;
  }
  ZCNAS_REQUIRE(list.is_array(), "NDS record file '{}': expected a list of records (or 'top' and 'mid' lists)", path);
  std::vector<NdsRecord> records;
  for (size_t i = 0; i < list.size(); ++i) {
    try {
      records.push_back(read_record(list[i]));
    } catch (const std::exception& e) {
      throw Error(fmt::format("NDS record file '{}', record {}: {}", path, i, e.what()));
    }
  }
  ZCNAS_REQUIRE(!records.empty(), "NDS record file '{}' has no records", path);
  return records;
}

}  // namespace zcnas::darts
